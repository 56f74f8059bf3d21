"""Experiment: RM3-style pseudo-relevance feedback on the development sets (run by hand; not shipped).

    .venv/bin/python bench/try_rm3.py [--sides dev]

The question is ranked as the engine ranks it (shipped settings); the terms of its first `DOCS` passages, weighted
by each passage's share of their scores and the term's share of the passage, give an expansion distribution; its
`TERMS` heaviest terms join the question's own (each original term weighs 1/len, times `original`; the expansion
1 − `original`), and the top `CANDIDATES` of the expanded bag are rescored with those weights (BM25 per term, so
each term's score still equals rank-bm25's). `min_terms` applies it only to questions of at least that many terms.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from answers.engine import SearchEngine
from answers.questions import read_question
from bench.protocol import DEPTH, Engines, shipped, table
from bench.protocol_data import SHARED_DATASETS, QuerySet, query_sets
from evaluation.metrics import evaluate
from testing.story_questions import QUESTIONS

DOCS, TERMS, CANDIDATES = 10, 10, 1000
VARIANTS = [(None, 0)] + [(original, min_terms) for original in (0.5, 0.7, 0.9) for min_terms in (1, 6)]


def expanded(engine: SearchEngine, text: str, original: float, min_terms: int) -> list[tuple[int, float]]:
    """The question's ranking with feedback (or without, when it is shorter than `min_terms` terms)."""
    terms = engine.tokenizer.terms(read_question(text).text)
    first = engine.rank(text, DEPTH).ranked[:DEPTH]
    if len(set(terms)) < min_terms or not first:
        return list(first)
    top = first[:DOCS]
    total = sum(score for _, score in top)
    mass: Counter[str] = Counter()
    for doc, score in top:
        counts = Counter(engine.tokenizer.terms(engine.place(doc)[2]))
        length = sum(counts.values())
        for term, count in counts.items():
            mass[term] += (score / total) * count / length
    expansion = [term for term, _ in mass.most_common(TERMS + len(terms)) if term not in terms][:TERMS]
    weights: dict[str, float] = Counter()
    for term in terms:
        weights[term] += original / len(terms)
    spread = sum(mass[term] for term in expansion) or 1.0
    for term in expansion:
        weights[term] += (1 - original) * mass[term] / spread
    docs = np.array(sorted({d for d, _ in engine.index.top_k(list(weights), CANDIDATES)}), dtype=np.int64)
    scores = sum(weight * engine.index.scores([term], docs) for term, weight in weights.items())
    order = np.lexsort((docs, -scores))[:DEPTH]
    return [(int(docs[i]), float(scores[i])) for i in order]


def measure(engines: Engines, query_set: QuerySet) -> dict[tuple[float | None, int], float]:
    """nDCG@10 per variant."""
    engine = engines.engine(query_set.collection, shipped())
    ids = query_set.collection.doc_ids
    figures = {}
    for original, min_terms in VARIANTS:
        run = {}
        for query_id, text in query_set.queries.items():
            ranked = (
                engine.rank(text, DEPTH).ranked[:DEPTH]
                if original is None
                else expanded(engine, text, original, min_terms)
            )
            run[query_id] = [(ids[doc], float(DEPTH - n)) for n, (doc, _) in enumerate(ranked)]
        figures[(original, min_terms)] = evaluate(run, query_set.qrels)["nDCG@10"]
    return figures


def main() -> None:
    """nDCG@10 of each feedback variant on the chosen sides."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sides", default="dev")
    args = parser.parse_args()
    sides = set(args.sides.split(","))
    sets = [s for s in query_sets(SHARED_DATASETS, QUESTIONS) if s.side in sides]
    engines = Engines()
    results = {s.name: measure(engines, s) for s in sets}
    rows = []
    for original, min_terms in VARIANTS:
        label = "no feedback" if original is None else f"original weight {original:g}, questions of ≥ {min_terms} terms"
        rows.append([label] + [f"{results[s.name][(original, min_terms)]:.4f}" for s in sets])
    print(table(["RM3 variant"] + [s.name for s in sets], rows))


if __name__ == "__main__":
    main()
