"""Rank a BEIR data set's test queries exactly as the bot answers a member, and measure the result.

Each document becomes an article of one paragraph (evaluation/beir.py `as_articles`), indexed with the tokenizer and
BM25 the bot serves with, and every query goes through the same answer policy as a member's question
(answers/engine.py `SearchEngine.rank`: the question read as a question, quoted phrases first, the no-answer rule).
The ranking measured is the policy's answer order before the cut of weak passages; whether the no-answer rule would
refuse the query is kept beside it, so its cost can be reported separately.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from answers.engine import EngineSettings, NoMatch, SearchEngine
from evaluation.beir import BeirDataset, as_articles, load_beir
from evaluation.metrics import Run, evaluate, trec_order

TOP_K = 100


@dataclass(frozen=True)
class RankedQuery:
    """One query's ranking (collection doc ids, best first, at most TOP_K) and whether the no-answer rule refuses it."""

    ranking: list[tuple[str, float]]
    refused: bool = False


@dataclass(frozen=True)
class Evaluation:
    """A data set ranked and measured, with the time each stage took."""

    dataset: BeirDataset
    engine: SearchEngine
    ranked: dict[str, RankedQuery]
    metrics: dict[str, float]
    seconds: dict[str, float]  # load, index, rank

    def refusals(self) -> tuple[int, int, float]:
        """(queries refused, refused ones with a relevant document in their top 10, nDCG@10 with the refusals)."""
        refused = [query_id for query_id, ranked in self.ranked.items() if ranked.ranking and ranked.refused]
        lost = sum(
            1 for query_id in refused if _relevant_in_top(self.ranked[query_id].ranking, self.dataset.qrels[query_id])
        )
        after = evaluate(as_run(self.ranked, with_refusals=True), self.dataset.qrels)["nDCG@10"] if refused else 0.0
        return len(refused), lost, after


def rank_queries(engine: SearchEngine, queries: Mapping[str, str], k: int = TOP_K) -> dict[str, RankedQuery]:
    """Each query's top `k` documents in the engine's answer order, and whether it would be refused."""
    ranked = {}
    for query_id, text in queries.items():
        ranking = engine.rank(text, k)
        docs = [(engine.articles[doc].id, score) for doc, score in ranking.ranked[:k]]
        ranked[query_id] = RankedQuery(docs, refused=ranking.no_match is NoMatch.WEAK_MATCH)
    return ranked


def as_run(ranked: Mapping[str, RankedQuery], with_refusals: bool = False) -> Run:
    """The rankings as a run; `with_refusals`: a refused query gets no results."""
    return {query_id: ([] if with_refusals and r.refused else r.ranking) for query_id, r in ranked.items()}


def evaluate_dataset(dataset_dir: Path, settings: EngineSettings) -> Evaluation:
    """Load the data set, index it, rank its test queries and measure them (BeirFormatError for a bad file,
    ValueError when no query has a relevant document)."""
    started = time.perf_counter()
    dataset = load_beir(dataset_dir)
    loaded = time.perf_counter()
    engine = SearchEngine.build(as_articles(dataset.corpus, dataset_dir / "corpus.jsonl"), settings)
    built = time.perf_counter()
    ranked = rank_queries(engine, dataset.queries)
    searched = time.perf_counter()
    metrics = evaluate(as_run(ranked), dataset.qrels)
    seconds = {"load": loaded - started, "index": built - loaded, "rank": searched - built}
    return Evaluation(dataset, engine, ranked, metrics, seconds)


def _relevant_in_top(ranking: Sequence[tuple[str, float]], qrel: Mapping[str, int], k: int = 10) -> bool:
    return any(qrel.get(doc_id, 0) > 0 for doc_id, _ in trec_order(ranking)[:k])
