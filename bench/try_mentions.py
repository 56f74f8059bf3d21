"""Experiment: pronoun-resolved mentions as a low-weight second field (run by hand; not shipped, see bench/README.md).

    .venv/bin/python bench/try_mentions.py [--sides dev,sanity]

Each paragraph's mentions field holds the names its pronoun subjects resolve to (quotations/attribution.py's Narrative:
"She also called on Trump" → Kamala Harris). A question is scored as BM25 over the paragraphs plus `weight` × BM25
over the mentions field (the same parameters), over the union of both fields' top 100. nDCG@10 per weight on the
protocol's sets (bench/protocol_data.py), with the build cost of the field.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from answers.questions import read_question
from bench.protocol import DEPTH, Engines, shipped, table
from bench.protocol_data import SHARED_DATASETS, Collection, QuerySet, query_sets
from evaluation.metrics import evaluate
from index.bm25 import CompiledIndex
from index.tokenizer import Tokenizer
from quotations.attribution import Narrative
from quotations.quotes import mask, quote_spans
from testing.story_questions import QUESTIONS

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5)


def mention_names(paragraphs: list[str]) -> list[list[str]]:
    """Per paragraph, the full names its pronoun subjects (he, she) resolve to."""
    masked = [mask(text, [(s, e, 0, "") for s, e in _outer(text)]) for text in paragraphs]
    narrative = Narrative(masked, ())
    narrative.resolve_all()
    names: list[list[str]] = [[] for _ in paragraphs]
    for (p, _), mention in narrative.mentions.items():
        entity = narrative.entities.get((p, mention.start))
        if mention.kind == "pronoun" and entity is not None and entity.person:
            names[p].append(entity.name)
    return names


def _outer(text: str) -> list[tuple[int, int]]:
    return [(start - 1, end) for start, end in quote_spans(text)]


def mentions_terms(collection: Collection, tokenizer: Tokenizer) -> list[list[str]]:
    """The mentions field of every paragraph, article by article."""
    docs = []
    for article in collection.articles:
        texts = [p.text for p in article.paragraphs]
        for names in mention_names(texts):
            docs.append([term for name in names for term in tokenizer.terms(name)])
    return docs


def run(query_set: QuerySet, engines: Engines) -> dict[float, float]:
    """nDCG@10 for each weight of the mentions field."""
    settings = shipped()
    engine = engines.engine(query_set.collection, settings)
    tokenizer = engine.tokenizer
    started = time.perf_counter()
    field = CompiledIndex.build(mentions_terms(query_set.collection, tokenizer), settings.bm25)
    print(
        f"{query_set.name}: mentions field built in {time.perf_counter() - started:.2f} s, "
        f"{sum(1 for d in range(field.doc_count) if field.arrays['doc_len'][d])} paragraphs with a mention"
    )
    ids = query_set.collection.doc_ids
    figures = {}
    for weight in WEIGHTS:
        run_ = {}
        for query_id, text in query_set.queries.items():
            terms = tokenizer.terms(read_question(text).text)
            main = engine.index.top_k(terms, DEPTH)
            extra = field.top_k(terms, DEPTH) if weight else []
            docs = np.array(sorted({d for d, _ in main} | {d for d, _ in extra}), dtype=np.int64)
            if docs.size == 0:
                run_[query_id] = []
                continue
            scores = engine.index.scores(terms, docs) + weight * field.scores(terms, docs)
            order = np.lexsort((docs, -scores))[:DEPTH]
            run_[query_id] = [(ids[int(docs[i])], float(scores[i])) for i in order]
        figures[weight] = evaluate(run_, query_set.qrels)["nDCG@10"]
    return figures


def main() -> None:
    """nDCG@10 per mentions weight on the chosen sides' question sets."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sides", default="dev,sanity")
    args = parser.parse_args()
    sides = set(args.sides.split(","))
    sets = [s for s in query_sets(SHARED_DATASETS, QUESTIONS) if s.side in sides and s.kind == "questions"]
    engines = Engines()
    results = {s.name: run(s, engines) for s in sets}
    rows = [[f"{w:g}"] + [f"{results[s.name][w]:.4f}" for s in sets] for w in WEIGHTS]
    print(table(["mentions weight"] + [s.name for s in sets], rows))


if __name__ == "__main__":
    main()
