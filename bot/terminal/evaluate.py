"""`python -m bot eval DATASET_DIR [--run FILE]`: retrieval quality of the configured search on a BEIR data set.

Each document (its title, then its text) is indexed with the same tokenizer and compiled BM25 the bot serves with,
every test query is ranked for its top 100, and nDCG@10, Recall@100 and MRR@10 are printed with trec_eval's
semantics (evaluation/metrics.py), together with the settings used and the time taken. A query is read as the engine
reads a member's question (answers/questions.py: its opening frame, `what is …`, and framing words removed; with
`plain_bm25` every word as typed); nothing else is specific to the story (no paragraphs, no phrase boosting), so
SciFact's figures compare with published BM25 ones (its queries are claims, which have no question frame). The
no-answer rule (answers/coverage.py `refuses`) is applied as the bot applies it, and its cost is printed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from answers.coverage import AnswerRule, framing_terms, query_coverage, refuses
from answers.questions import read_question
from bot.core.settings import SearchSettings, Settings
from evaluation.metrics import BeirDataset, BeirFormatError, Run, evaluate, load_beir, trec_order, write_trec_run
from index.bm25 import CompiledIndex
from index.tokenizer import Tokenizer

TOP_K = 100
RUN_TAG = "storybot-bm25"


@dataclass(frozen=True)
class RankedQuery:
    """One test query's ranking (collection doc ids, best first), its best document's index number and idf coverage,
    and whether the no-answer rule refuses it."""

    ranking: list[tuple[str, float]]
    best_doc: int | None
    coverage: float
    refused: bool = False


def corpus_terms(
    corpus: Mapping[str, tuple[str, str]], tokenizer: Tokenizer, title_repeats: int = 1
) -> tuple[list[str], list[list[str]]]:
    """The collection's doc ids and each document's terms: its title's terms `title_repeats` times, then its text's."""
    doc_ids = list(corpus)
    docs = []
    for title, text in corpus.values():
        docs.append(tokenizer.terms(title) * title_repeats + tokenizer.terms(text))
    return doc_ids, docs


def rank_queries(
    index: CompiledIndex,
    doc_ids: Sequence[str],
    tokenizer: Tokenizer,
    queries: Mapping[str, str],
    k: int = TOP_K,
    *,
    read_questions: bool = True,
    rule: AnswerRule | None = None,
) -> dict[str, RankedQuery]:
    """Each query's top `k` documents, the coverage of its best one and whether `rule` refuses it, the query read as
    SearchEngine.search reads one (answers/questions.py `read_question`, unless `read_questions` is off), then BM25."""
    framing = framing_terms(tokenizer.settings)
    ranked = {}
    for query_id, text in queries.items():
        terms = tokenizer.terms(read_question(text).text if read_questions else text)
        top = index.top_k(terms, k)
        coverage = query_coverage(index, terms, top[0][0], framing) if top else 0.0
        best = top[0][0] if top else None
        refused = best is not None and rule is not None and refuses(index, terms, best, framing, rule)
        ranked[query_id] = RankedQuery([(doc_ids[doc], score) for doc, score in top], best, coverage, refused)
    return ranked


def as_run(ranked: Mapping[str, RankedQuery], with_refusals: bool = False) -> Run:
    """The rankings as a run; `with_refusals`: a refused query gets no results."""
    return {query_id: ([] if with_refusals and r.refused else r.ranking) for query_id, r in ranked.items()}


def run_evaluation(settings: Settings, dataset_dir: Path, run_path: Path | None) -> int:
    """Evaluate the configured search on the BEIR data set in `dataset_dir`, print the figures; the exit status."""
    search = settings.search
    if not dataset_dir.is_dir():
        print(f"error: {dataset_dir}: data set folder not found", file=sys.stderr)
        return 2
    if run_path is not None and (run_path.is_dir() or not run_path.parent.is_dir()):
        problem = "is a folder" if run_path.is_dir() else f"cannot be written: the folder {run_path.parent} is missing"
        print(f"error: the run file {run_path} {problem}", file=sys.stderr)  # said before the evaluation, not after
        return 2
    started = time.perf_counter()
    try:
        dataset = load_beir(dataset_dir)
    except BeirFormatError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    loaded = time.perf_counter()
    tokenizer = Tokenizer(search.tokenizer_settings())
    doc_ids, docs = corpus_terms(dataset.corpus, tokenizer)
    tokenized = time.perf_counter()
    index = CompiledIndex.build(docs, search.bm25_params())
    built = time.perf_counter()
    engine = search.engine_settings()
    ranked = rank_queries(
        index, doc_ids, tokenizer, dataset.queries, read_questions=engine.read_questions, rule=engine.answer_rule
    )
    searched = time.perf_counter()
    try:
        metrics = evaluate(as_run(ranked), dataset.qrels)
    except ValueError as error:
        print(f"error: {dataset_dir}: {error}", file=sys.stderr)
        return 2

    print(f"data set: {dataset_dir} ({len(dataset.corpus):,} documents, {len(dataset.queries):,} test queries)")
    print(f"settings: {describe_settings(search)}")
    print(
        f"index: {index.term_count:,} terms, {index.posting_count:,} postings; loaded {loaded - started:.2f} s, "
        f"tokenized {tokenized - loaded:.2f} s, compiled {built - tokenized:.2f} s"
    )
    query_seconds = searched - built
    rate = len(ranked) / query_seconds if query_seconds > 0 else float("inf")
    print(f"queries: {len(ranked):,} ranked for their top {TOP_K} in {query_seconds:.2f} s ({rate:,.0f} queries/s)")
    for name, value in metrics.items():
        print(f"{name:<11} {value:.4f}")
    print(refusal_summary(dataset, ranked, describe_rule(engine.answer_rule)))
    if run_path is not None:
        try:
            write_trec_run(as_run(ranked), run_path, RUN_TAG)
        except (OSError, ValueError) as error:
            print(f"error: cannot write the run file {run_path}: {error}", file=sys.stderr)
            return 1
        print(f"run file: {run_path} (qid Q0 docid rank score {RUN_TAG})")
    return 0


def describe_settings(search: SearchSettings) -> str:
    """The settings that change the figures, as one line."""
    params = search.bm25_params()
    parts = [f"variant={params.variant}", f"k1={params.k1:g}", f"b={params.b:g}"]
    parts.append(f"epsilon={params.epsilon:g}" if params.variant == "okapi" else f"delta={params.effective_delta:g}")
    parts += [f"stemming={_on(search.stemming)}", f"stop_words={_on(search.stop_words)}"]
    parts.append(f"min_coverage={search.min_coverage:g} enough_terms={search.enough_terms}")
    parts.append(f"plain_bm25={_on(search.plain_bm25)}")
    return " ".join(parts)


def describe_rule(rule: AnswerRule) -> str:
    """The no-answer rule in a few words."""
    if rule.min_coverage <= 0:
        return "min_coverage 0"
    unless = f" (unless it holds {rule.enough_terms} of the question's words)" if rule.enough_terms else ""
    return f"min_coverage {rule.min_coverage:g}{unless}"


def refusal_summary(dataset: BeirDataset, ranked: Mapping[str, RankedQuery], rule: str) -> str:
    """What the no-answer rule costs on this data set: the queries refused and the nDCG@10 left."""
    refused = [query_id for query_id, r in ranked.items() if r.ranking and r.refused]
    if not refused:
        return f"{rule}: no query refused"
    lost = sum(1 for query_id in refused if _relevant_in_top(ranked[query_id].ranking, dataset.qrels[query_id], 10))
    after = evaluate(as_run(ranked, with_refusals=True), dataset.qrels)["nDCG@10"]
    return (
        f"{rule}: {len(refused)} of {len(ranked)} queries refused, {lost} of which had a "
        f"relevant document in their top 10; nDCG@10 with those refusals {after:.4f}"
    )


def _relevant_in_top(ranking: Sequence[tuple[str, float]], qrel: Mapping[str, int], k: int) -> bool:
    return any(qrel.get(doc_id, 0) > 0 for doc_id, _ in trec_order(ranking)[:k])


def _on(flag: bool) -> str:
    return "on" if flag else "off"
