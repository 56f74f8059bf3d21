"""Retrieval evaluation on BEIR-layout test collections, with trec_eval's semantics.

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

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from storage.durable_files import atomic_write

Ranking = Sequence[tuple[str, float]]
Run = Mapping[str, Ranking]
Qrels = Mapping[str, Mapping[str, int]]

QRELS_HEADER = ["query-id", "corpus-id", "score"]


class BeirFormatError(ValueError):
    """A BEIR file that cannot be read: names the file, the line (1-based) and the problem."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class BeirDataset:
    """A test collection: documents (title, text) by id, the test queries by id, and their graded judgments."""

    corpus: dict[str, tuple[str, str]]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def load_beir(directory: Path) -> BeirDataset:
    """Load `corpus.jsonl`, `queries.jsonl` and `qrels/test.tsv` from a BEIR-layout directory.

    Only the queries that appear in the qrels are kept (SciFact's queries.jsonl also holds its training queries).
    Every qrels row is kept, grade-0 rows included: they are judged non-relevant, which trec_eval distinguishes
    from unjudged. Raises BeirFormatError naming the file and line of anything malformed.
    """
    directory = Path(directory)
    corpus: dict[str, tuple[str, str]] = {}
    for path, line, record in _jsonl(directory / "corpus.jsonl"):
        doc_id = _record_id(path, line, record)
        if doc_id in corpus:
            raise BeirFormatError(path, line, f"duplicate document _id {doc_id!r}")
        corpus[doc_id] = (_string_field(path, line, record, "title", default=""), _string_field(path, line, record))

    qrels = _load_qrels(directory / "qrels" / "test.tsv")
    all_queries: dict[str, str] = {}
    for path, line, record in _jsonl(directory / "queries.jsonl"):
        all_queries[_record_id(path, line, record)] = _string_field(path, line, record)
    missing = [query_id for query_id in qrels if query_id not in all_queries]
    if missing:
        raise BeirFormatError(directory / "qrels" / "test.tsv", None, f"query {missing[0]!r} is not in queries.jsonl")
    return BeirDataset(corpus=corpus, queries={q: all_queries[q] for q in qrels}, qrels=qrels)


def _load_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    lines = _read_text(path).split("\n")
    if lines[0].rstrip("\r").split("\t") != QRELS_HEADER:
        raise BeirFormatError(path, 1, f"expected the header line {chr(9).join(QRELS_HEADER)!r}")
    for number, raw in enumerate(lines[1:], start=2):
        text = raw.rstrip("\r")
        if not text.strip():
            continue
        fields = text.split("\t")
        if len(fields) != 3 or not all(field.strip() for field in fields):
            raise BeirFormatError(
                path, number, f"expected 3 tab-separated fields (query-id, corpus-id, score): {text!r}"
            )
        query_id, doc_id, score = (field.strip() for field in fields)
        try:
            grade = int(score)
        except ValueError:
            raise BeirFormatError(path, number, f"score {score!r} is not an integer") from None
        if grade < 0:
            raise BeirFormatError(path, number, f"score {grade} is negative")
        judged = qrels.setdefault(query_id, {})
        if doc_id in judged:
            raise BeirFormatError(path, number, f"query {query_id!r} judges document {doc_id!r} twice")
        judged[doc_id] = grade
    return qrels


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BeirFormatError(path, None, "file not found") from None
    except UnicodeDecodeError as error:
        raise BeirFormatError(path, None, f"not UTF-8 ({error.reason} at byte {error.start})") from None
    except OSError as error:  # a folder where the file should be, no permission, a read error
        raise BeirFormatError(path, None, f"cannot be read: {error.strerror or error}") from None


def _jsonl(path: Path) -> list[tuple[Path, int, dict[str, object]]]:
    records = []
    for number, text in enumerate(_read_text(path).split("\n"), start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            raise BeirFormatError(path, number, f"invalid JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise BeirFormatError(path, number, "expected a JSON object")
        records.append((path, number, record))
    return records


def _record_id(path: Path, line: int, record: Mapping[str, object]) -> str:
    value = record.get("_id")
    # bool is an int subclass; an id of `true` is a mistake, not the id "True".
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise BeirFormatError(path, line, "missing or invalid '_id' (must be a non-empty string)")
    return str(value).strip()


def _string_field(
    path: Path, line: int, record: Mapping[str, object], key: str = "text", default: str | None = None
) -> str:
    value = record.get(key, default)
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise BeirFormatError(path, line, f"missing or invalid {key!r} (must be a string)")
    return value


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
