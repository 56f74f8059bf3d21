"""Experiment: proximity of the question's words in a passage, as a rerank of the first passages (by hand; not shipped).

    .venv/bin/python bench/try_proximity.py [--sides dev]

The question is ranked as the engine ranks it (shipped settings); its first `RERANKED` passages get a bonus: for each
pair of distinct question terms found in the passage, the smaller idf over the square of their least distance in
positions (stop words counted, as `Token.position` does), when that distance is at most `WINDOW`; the passage's score
plus `weight` × bonus reorders them. nDCG@10 per weight on the chosen sides' sets.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answers.engine import SearchEngine
from answers.questions import read_question
from bench.protocol import DEPTH, Engines, shipped, table
from bench.protocol_data import SHARED_DATASETS, QuerySet, query_sets
from evaluation.metrics import evaluate
from testing.story_questions import QUESTIONS

RERANKED, WINDOW = 30, 8
WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0)


def bonus(engine: SearchEngine, terms: set[str], doc: int) -> float:
    """The passage's proximity bonus for the question's terms."""
    positions: dict[str, list[int]] = {}
    for token in engine.tokenizer.tokens(engine.place(doc)[2]):
        if token.term in terms:
            positions.setdefault(token.term, []).append(token.position)
    total = 0.0
    for first, second in itertools.combinations(sorted(positions), 2):
        distance = min(abs(a - b) for a in positions[first] for b in positions[second])
        if distance <= WINDOW:
            total += min(engine.index.idf_of(first), engine.index.idf_of(second)) / distance**2
    return total


def measure(engines: Engines, query_set: QuerySet) -> dict[float, float]:
    """nDCG@10 per proximity weight."""
    engine = engines.engine(query_set.collection, shipped())
    ids = query_set.collection.doc_ids
    prepared = []
    for query_id, text in query_set.queries.items():
        ranked = engine.rank(text, DEPTH).ranked[:DEPTH]
        terms = set(engine.tokenizer.terms(read_question(text).text))
        bonuses = [bonus(engine, terms, doc) for doc, _ in ranked[:RERANKED]]
        prepared.append((query_id, ranked, bonuses))
    figures = {}
    for weight in WEIGHTS:
        run = {}
        for query_id, ranked, bonuses in prepared:
            head = sorted(
                ((doc, score + weight * extra) for (doc, score), extra in zip(ranked, bonuses, strict=False)),
                key=lambda pair: -pair[1],
            )
            order = head + list(ranked[RERANKED:])
            run[query_id] = [(ids[doc], float(DEPTH - n)) for n, (doc, _) in enumerate(order)]
        figures[weight] = evaluate(run, query_set.qrels)["nDCG@10"]
    return figures


def main() -> None:
    """nDCG@10 per proximity weight on the chosen sides."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sides", default="dev")
    args = parser.parse_args()
    sides = set(args.sides.split(","))
    sets = [s for s in query_sets(SHARED_DATASETS, QUESTIONS) if s.side in sides]
    engines = Engines()
    results = {s.name: measure(engines, s) for s in sets}
    rows = [[f"{weight:g}"] + [f"{results[s.name][weight]:.4f}" for s in sets] for weight in WEIGHTS]
    print(table(["proximity weight"] + [s.name for s in sets], rows))


if __name__ == "__main__":
    main()
