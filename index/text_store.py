"""The articles' text and metadata, saved in the index's own generation and read back memory-mapped.

A start-up with an unchanged corpus folder reads no article file: the articles come from here. Saved beside the
postings (index/postings_io.py: the same generation, the same crc32 checks, the same atomic switch), as arrays:

    text_<n>          uint8, paragraph texts (UTF-8) back to back, in index order, in parts of at most PART_BYTES
                      (so that their checksums are verified side by side); no paragraph straddles two parts
    text_ends         int64 per paragraph: where its text ends, counted over all parts
    article_docs      int64 per article + 1: the index number of each article's first paragraph
    article_meta      uint8: JSON, per article [id, title, published (ISO) or null, url or null, file path]
    article_hashes    uint8 per article × 32: its content hash (corpus.models.Article.content_hash)

Articles read back are `Article`s like any other, but their paragraphs are read from the mapped text when asked for
(`StoredParagraphs`), and they are made when first asked for (`StoredArticles`): the million paragraphs of a large
story cost their pages of the page cache, not a Python object each.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, overload

import numpy as np

from corpus.models import Article, Paragraph

PART_BYTES = 64 << 20
TEXT_ARRAYS = ("text_ends", "article_docs", "article_meta", "article_hashes")
_FIELDS = frozenset(Article.model_fields)


def text_arrays(articles: Sequence[Article]) -> Iterator[tuple[str, np.ndarray]]:
    """The text store's arrays for `articles` (in index order), one part of text at a time (bounded memory)."""
    ends: list[int] = []
    part: list[bytes] = []
    part_size = written = parts = 0
    for article in articles:
        for paragraph in article.paragraphs:
            data = paragraph.text.encode("utf-8")
            if part and part_size + len(data) > PART_BYTES:
                yield f"text_{parts}", np.frombuffer(b"".join(part), dtype=np.uint8)
                parts, part, part_size = parts + 1, [], 0
            part.append(data)
            part_size += len(data)
            written += len(data)
            ends.append(written)
    yield f"text_{parts}", np.frombuffer(b"".join(part), dtype=np.uint8)
    yield "text_ends", np.array(ends, dtype=np.int64)
    counts = [len(article.paragraphs) for article in articles]
    yield "article_docs", np.concatenate(([0], np.cumsum(counts, dtype=np.int64))).astype(np.int64)
    meta = [[a.id, a.title, a.published.isoformat() if a.published else None, a.url, str(a.file)] for a in articles]
    yield "article_meta", np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    hashes = b"".join(bytes.fromhex(article.content_hash()) for article in articles)
    yield "article_hashes", np.frombuffer(hashes, dtype=np.uint8).reshape(len(articles), 32)


class StoredTexts:
    """The paragraph texts of a saved generation, memory-mapped; `text(doc)` decodes one."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        names = sorted((name for name in arrays if name.startswith("text_") and name[5:].isdigit()), key=_part)
        if not names or [_part(name) for name in names] != list(range(len(names))):
            raise ValueError("the text parts are missing or not numbered 0, 1, …")
        self._parts = [arrays[name] for name in names]
        self.ends = arrays["text_ends"]
        sizes = [part.size for part in self._parts]
        self._part_starts = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64)))
        if self.ends.dtype != np.int64 or self.ends.ndim != 1 or any(p.dtype != np.uint8 for p in self._parts):
            raise ValueError("the text arrays have the wrong types")
        if self.ends.size and (int(self.ends[-1]) != int(self._part_starts[-1]) or np.any(np.diff(self.ends) < 0)):
            raise ValueError("the text ends do not match the text parts")
        if self.ends.size and int(self.ends[0]) < 0:
            raise ValueError("the text ends are negative")

    @property
    def count(self) -> int:
        """How many paragraph texts there are."""
        return self.ends.size

    def text(self, doc: int) -> str:
        """The text of paragraph `doc` (index order). A paragraph never straddles two parts."""
        end = int(self.ends[doc])
        start = int(self.ends[doc - 1]) if doc else 0
        part = int(np.searchsorted(self._part_starts, start, side="right")) - 1
        base = int(self._part_starts[part])
        return self._parts[part][start - base : end - base].tobytes().decode("utf-8")


class StoredParagraphs(Sequence[Paragraph]):
    """One stored article's paragraphs, read from the mapped text when asked for; equal to the same tuple."""

    __slots__ = ("_count", "_first", "_texts", "article_hash")

    def __init__(self, texts: StoredTexts, first: int, count: int, article_hash: str) -> None:
        self._texts, self._first, self._count = texts, first, count
        self.article_hash = article_hash  # read by Article.content_hash: the hash saved with the text

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Paragraph: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Paragraph, ...]: ...
    def __getitem__(self, index: int | slice) -> Paragraph | tuple[Paragraph, ...]:
        if isinstance(index, slice):
            return tuple(self[number] for number in range(*index.indices(self._count)))
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("paragraph index out of range")
        return Paragraph.model_construct(number=index + 1, text=self._texts.text(self._first + index))

    def __iter__(self) -> Iterator[Paragraph]:
        return (self[number] for number in range(self._count))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StoredParagraphs | tuple | list):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"StoredParagraphs({self._count} paragraphs from {self._first})"


class StoredArticles(Sequence[Article]):
    """A saved generation's articles in index order, each made the first time it is asked for (thread-safe)."""

    def __init__(self, arrays: dict[str, np.ndarray], corpus_dir: Path | None) -> None:
        """`corpus_dir`: where the articles' files are now (None: where they were when saved)."""
        self.texts = StoredTexts(arrays)
        self.doc_starts = arrays["article_docs"]
        meta = json.loads(arrays["article_meta"].tobytes().decode("utf-8"))
        hashes = arrays["article_hashes"]
        if not isinstance(meta, list) or len(meta) + 1 != self.doc_starts.size or hashes.shape != (len(meta), 32):
            raise ValueError("the article table does not match the article offsets or hashes")
        if self.doc_starts.dtype != np.int64 or int(self.doc_starts[0]) != 0 or np.any(np.diff(self.doc_starts) < 1):
            raise ValueError("the article offsets are not increasing from 0")
        if int(self.doc_starts[-1]) != self.texts.count:
            raise ValueError("the articles hold another number of paragraphs than the text store")
        if not all(_well_formed(row) for row in meta):
            raise ValueError("the article table has a malformed row")
        self._meta, self._hashes, self._corpus_dir = meta, hashes, corpus_dir
        self._files: dict[str, Path] = {}
        self._made: list[Article | None] = [None] * len(meta)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._meta)

    @overload
    def __getitem__(self, index: int) -> Article: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Article, ...]: ...
    def __getitem__(self, index: int | slice) -> Article | tuple[Article, ...]:
        if isinstance(index, slice):
            return tuple(self[number] for number in range(*index.indices(len(self))))
        made = self._made[index]
        return made if made is not None else self._make(index if index >= 0 else index + len(self))

    def __iter__(self) -> Iterator[Article]:
        return (self[number] for number in range(len(self)))

    def _make(self, index: int) -> Article:
        article_id, title, published, url, file_name = self._meta[index]
        first, stop = int(self.doc_starts[index]), int(self.doc_starts[index + 1])
        paragraphs = StoredParagraphs(self.texts, first, stop - first, self._hashes[index].tobytes().hex())
        with self._lock:
            made = self._made[index]
            if made is not None:
                return made
            file = self._files.get(file_name)
            if file is None:
                saved = Path(file_name)
                file = self._files[file_name] = saved if self._corpus_dir is None else self._corpus_dir / saved.name
            fields = {
                "id": article_id,
                "title": title,
                "published": datetime.fromisoformat(published) if published else None,
                "url": url,
                "file": file,
                "paragraphs": paragraphs,
            }
            article = Article.model_construct(_fields_set=_FIELDS, **fields)  # validated when it was saved
            self._made[index] = article
            return article


def _part(name: str) -> int:
    return int(name[5:])


def _well_formed(row: Any) -> bool:
    return (
        isinstance(row, list)
        and len(row) == 5
        and isinstance(row[0], str)
        and isinstance(row[1], str)
        and all(value is None or isinstance(value, str) for value in row[2:4])
        and isinstance(row[4], str)
    )


def text_array_names(names: Iterable[str]) -> set[str]:
    """Which of these array names belong to the text store."""
    return {name for name in names if name in TEXT_ARRAYS or (name.startswith("text_") and name[5:].isdigit())}
