"""BEIR-layout test collections: `corpus.jsonl`, `queries.jsonl` and `qrels/test.tsv`, read strictly.

Every malformed line is a BeirFormatError naming the file and the line. `as_articles` turns the collection's
documents into articles of one paragraph each (title, then text), so the bot's own engine can rank them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from corpus.models import Article, Paragraph

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


def as_articles(corpus: Mapping[str, tuple[str, str]], source: Path) -> list[Article]:
    """Each document as an article of one paragraph, its title then its text (tokenized as title terms, then text
    terms), in the collection's order; a document with neither gets a placeholder word so it still has a number."""
    articles = []
    for doc_id, (title, text) in corpus.items():
        body = "\n".join(part for part in (title, text) if part.strip()) or "(empty)"
        articles.append(Article(id=doc_id, title=doc_id, paragraphs=(Paragraph(number=1, text=body),), file=source))
    return articles
