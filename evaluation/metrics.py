"""Retrieval measures with trec_eval's semantics: nDCG@10, Recall@100, MRR@10, and TREC run files.

A run is `{query_id: [(doc_id, score), ...]}`. Before any metric is computed a ranking is put in trec_eval's order:
score descending, ties broken by doc id *descending* (plain string comparison, as trec_eval's `strcmp`), whatever
order the list came in. So a run scores the same here, in `trec_eval` on a file from `write_trec_run`, and in
pytrec_eval (which BEIR uses).

Relevance follows trec_eval's defaults: a judged grade > 0 is relevant, grade 0 is judged non-relevant (Cranfield's
"not relevant" code), and nDCG's gain is the grade itself (linear, trec_eval's `ndcg_cut`), discounted by
log2(rank + 1).

Which queries are averaged: every query of the qrels with at least one relevant document; a query the run has no
results for scores 0 on every measure (like `trec_eval -c`). Queries whose judgments are all 0 are skipped, since no
ranking could score on them; queries of the run that are not in the qrels are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from storage.durable_files import atomic_write

Ranking = Sequence[tuple[str, float]]
Run = Mapping[str, Ranking]
Qrels = Mapping[str, Mapping[str, int]]


def trec_order(ranking: Ranking) -> list[tuple[str, float]]:
    """The ranking as trec_eval reads it: score descending, equal scores by doc id descending (string order).

    Raises ValueError for a doc id listed twice or a NaN score (trec_eval rejects the first; the second has no order).
    """
    seen: set[str] = set()
    for doc_id, score in ranking:
        if doc_id in seen:
            raise ValueError(f"document {doc_id!r} appears twice in one ranking")
        if math.isnan(score):
            raise ValueError(f"document {doc_id!r} has a NaN score")
        seen.add(doc_id)
    return sorted(
        ((doc_id, float(score)) for doc_id, score in ranking), key=lambda pair: (pair[1], pair[0]), reverse=True
    )


def _top_grades(ranking: Ranking, qrel: Mapping[str, int], k: int) -> list[int]:
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    return [qrel.get(doc_id, 0) for doc_id, _ in trec_order(ranking)[:k]]


def ndcg_at_k(ranking: Ranking, qrel: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k as trec_eval's `ndcg_cut.k`: gain = grade, discount log2(rank + 1), ideal from the qrels' grades."""
    dcg = sum(grade / math.log2(rank + 1) for rank, grade in enumerate(_top_grades(ranking, qrel, k), 1) if grade > 0)
    ideal = sorted((grade for grade in qrel.values() if grade > 0), reverse=True)[:k]
    idcg = sum(grade / math.log2(rank + 1) for rank, grade in enumerate(ideal, 1))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranking: Ranking, qrel: Mapping[str, int], k: int = 100) -> float:
    """The share of the query's relevant documents (grade > 0) found in the top k; 0 when none are relevant."""
    relevant = sum(1 for grade in qrel.values() if grade > 0)
    found = sum(1 for grade in _top_grades(ranking, qrel, k) if grade > 0)
    return found / relevant if relevant else 0.0


def mrr_at_k(ranking: Ranking, qrel: Mapping[str, int], k: int = 10) -> float:
    """1 / rank of the first relevant document in the top k, 0 when there is none."""
    for rank, grade in enumerate(_top_grades(ranking, qrel, k), 1):
        if grade > 0:
            return 1 / rank
    return 0.0


def evaluate(run: Run, qrels: Qrels) -> dict[str, float]:
    """Mean nDCG@10, Recall@100 and MRR@10 over the qrels' queries that have a relevant document.

    A query missing from the run scores 0. Raises ValueError when no query has a relevant document.
    """
    judged = [query_id for query_id, qrel in qrels.items() if any(grade > 0 for grade in qrel.values())]
    if not judged:
        raise ValueError("no query in the qrels has a relevant document")
    totals = {"nDCG@10": 0.0, "Recall@100": 0.0, "MRR@10": 0.0}
    for query_id in judged:
        ranking, qrel = run.get(query_id, ()), qrels[query_id]
        totals["nDCG@10"] += ndcg_at_k(ranking, qrel, 10)
        totals["Recall@100"] += recall_at_k(ranking, qrel, 100)
        totals["MRR@10"] += mrr_at_k(ranking, qrel, 10)
    return {name: total / len(judged) for name, total in totals.items()}


def write_trec_run(run: Run, path: Path, tag: str) -> None:
    """Write `qid Q0 docid rank score tag` lines, each ranking in trec_order, ranks from 1; atomically.

    Scores are written with Python's shortest round-trip repr, so trec_eval reads back exactly the ties (and only
    the ties) that were scored here. Raises ValueError for ids or a tag containing whitespace.
    """
    if not tag or any(char.isspace() for char in tag):
        raise ValueError(f"run tag {tag!r} must be non-empty and contain no whitespace")
    lines = []
    for query_id, ranking in run.items():
        for rank, (doc_id, score) in enumerate(trec_order(ranking), 1):
            for value in (query_id, doc_id):
                if not value or any(char.isspace() for char in value):
                    raise ValueError(f"id {value!r} must be non-empty and contain no whitespace")
            lines.append(f"{query_id} Q0 {doc_id} {rank} {score!r} {tag}\n")
    path = Path(path)
    atomic_write(path, "".join(lines).encode("utf-8"))
