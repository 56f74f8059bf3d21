"""Loading one corpus file: size and encoding checks, then the parser chosen by the file's suffix."""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from corpus.fields import ArticleDraft, article_id_for, build_article
from corpus.json_format import parse_json, parse_jsonl
from corpus.models import Article, CorpusFileError
from corpus.text_format import parse_markdown, parse_story_text

__all__ = [
    "SUPPORTED_SUFFIXES",
    "BadRecords",
    "FileContents",
    "RecordSource",
    "article_id_for",
    "decode_text",
    "load_file",
    "parse_articles",
    "parse_file",
    "read_file",
]

# A parser returns, in file order, each record's draft or, for a bad record of a multi-article file, its error.
Parser = Callable[[str, Path], list[ArticleDraft | CorpusFileError]]

PARSERS: dict[str, Parser] = {
    ".txt": parse_story_text,
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    # decode_text's strict UTF-8 decoding leaves no lone surrogate in the text: only `\\udXXX` escapes can make one.
    ".json": partial(parse_json, from_utf8=True),
    ".jsonl": partial(parse_jsonl, from_utf8=True),
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(PARSERS)

_UTF8_BOM = b"\xef\xbb\xbf"
# Checked in this order: UTF-32's little-endian mark starts with UTF-16's.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_WIDE_CODECS = (("utf-32-le", "UTF-32"), ("utf-32-be", "UTF-32"), ("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"))
# The control characters text does not contain (as _CONTROL_BYTES), and DEL.
_WIDE_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_WIDE_SAMPLE = 1 << 16  # bytes looked at to recognise UTF-16 or UTF-32 without a byte-order mark
# C0 control characters other than tab, line feed, form feed and carriage return: text files do not contain them.
_CONTROL_BYTES = np.zeros(0x20, dtype=bool)
_CONTROL_BYTES[[*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20)]] = True


@dataclass(frozen=True)
class RecordSource:
    """Where an article of a multi-article file comes from: its 1-based position among the file's records, the line
    it starts on (.jsonl; None in a .json list) and whether its id is its own `id` field (else from its position)."""

    position: int
    line: int | None
    own_id: bool


@dataclass(frozen=True)
class FileContents:
    """What one file holds: its good articles, where each comes from (None for a file holding one article by its
    format), and its bad records.

    Only a multi-article file (a .jsonl, a .json list) can have both: each bad record is one error naming its line
    (or item), and the good records around it keep their ids.
    """

    articles: tuple[Article, ...]
    sources: tuple[RecordSource | None, ...]
    errors: tuple[CorpusFileError, ...]

    @property
    def lines(self) -> tuple[int | None, ...]:
        """The line each article starts on, where the file has several and the line is known."""
        return tuple(source.line if source is not None else None for source in self.sources)


class BadRecords(CorpusFileError):
    """A multi-article file with bad records, refused as a whole (an upload): `errors` lists each of them."""

    def __init__(self, path: Path, errors: tuple[CorpusFileError, ...]) -> None:
        self.errors = errors
        first = errors[0]
        more = f" (and {len(errors) - 1} more bad records)" if len(errors) > 1 else ""
        super().__init__(path, first.message + more, first.line)


def parse_file(name: str, data: bytes, *, max_bytes: int, path: Path | None = None) -> FileContents:
    """Parse a file's content in memory, choosing the format by the suffix of `name`; bad records are collected.

    `path` is recorded as each article's file (default: `name`). A problem of the whole file (size, encoding,
    unsupported type, malformed JSON document, a text file without title) raises CorpusFileError naming the file,
    the line where one applies, and what is wrong.
    """
    where = path if path is not None else Path(name)
    text = decode_text(where, data, max_bytes=max_bytes)
    suffix = Path(name).suffix.lower()
    parser = PARSERS.get(suffix)
    if parser is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise CorpusFileError(where, f"unsupported file type {suffix or '(no suffix)'!r}; use one of {supported}")
    return _number_articles(name, parser(text, where), where)


def parse_articles(name: str, data: bytes, *, max_bytes: int, path: Path | None = None) -> list[Article]:
    """Like `parse_file`, but strict: any bad record refuses the file (BadRecords lists them all)."""
    contents = parse_file(name, data, max_bytes=max_bytes, path=path)
    if contents.errors:
        if len(contents.errors) == 1:
            raise contents.errors[0]
        raise BadRecords(path if path is not None else Path(name), contents.errors)
    return list(contents.articles)


def decode_text(path: Path, data: bytes, *, max_bytes: int) -> str:
    """Check a file's bytes (size cap, not empty, not binary, UTF-8) and return its text with `\\n` line endings."""
    if len(data) > max_bytes:
        raise CorpusFileError(path, f"is {len(data):,} bytes, over the {max_bytes:,}-byte limit")
    body = data.removeprefix(_UTF8_BOM)
    if not body:
        raise CorpusFileError(path, "is empty")
    if body.isspace():  # the same ASCII whitespace as `not body.strip()`, without copying the file
        raise CorpusFileError(path, "contains only whitespace")
    wide = _wide_encoding(body)
    if wide is not None:
        raise CorpusFileError(path, f"is {wide} text: save it as UTF-8")
    control = _first_control_byte(body)
    if control is not None:
        byte = body[control]
        what = "a NUL byte" if byte == 0 else f"the control character 0x{byte:02X}"
        raise CorpusFileError(path, f"is a binary file, not text: it contains {what}", _line_at(body, control))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        message = f"is not UTF-8 text (byte 0x{body[error.start]:02X} cannot be decoded); save it as UTF-8"
        raise CorpusFileError(path, message, _line_at(body, error.start)) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isspace():  # not empty here, so the same test as `not text.strip()`
        raise CorpusFileError(path, "contains only whitespace")
    return text


def _wide_encoding(body: bytes) -> str | None:
    """ "UTF-16" or "UTF-32" when the bytes are text in one of them (with a byte-order mark, or without one when they
    hold NUL bytes and decode in that encoding to text with spaces or line breaks and no control character)."""
    for mark, name in _WIDE_BOMS:
        if body.startswith(mark):
            return name
    sample = body[:_WIDE_SAMPLE]
    if b"\x00" not in sample:
        return None
    for codec, name in _WIDE_CODECS:
        try:  # incremental: a character cut at the end of the sample is not an error
            text = codecs.getincrementaldecoder(codec)().decode(sample, final=len(sample) == len(body))
        except UnicodeDecodeError:
            continue
        # Text has spaces or line breaks; bytes that merely decode (an image) almost never give them without controls.
        if any(space in text for space in " \n\t") and not _WIDE_CONTROL.search(text):
            return name
    return None


def _first_control_byte(body: bytes) -> int | None:
    """The offset of the first control byte that text does not contain (see _CONTROL_BYTES), if any."""
    codes = np.frombuffer(body, dtype=np.uint8)
    low = np.flatnonzero(codes < 0x20)  # line feeds mostly: few, and found at memory speed
    if not low.size:
        return None
    control = low[_CONTROL_BYTES[codes[low]]]
    return int(control[0]) if control.size else None


def load_file(path: Path, *, max_bytes: int) -> list[Article]:
    """Read a file and parse it strictly (see `parse_articles`); an unreadable file raises CorpusFileError too."""
    contents = read_file(path, max_bytes=max_bytes)
    if contents.errors:
        raise contents.errors[0] if len(contents.errors) == 1 else BadRecords(path, contents.errors)
    return list(contents.articles)


def read_file(path: Path, *, max_bytes: int) -> FileContents:
    """Read a file and parse it, collecting bad records (see `parse_file`); an unreadable file raises
    CorpusFileError."""
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise CorpusFileError(path, f"cannot be read: {error.strerror or error}") from error
    if len(data) > max_bytes:
        raise CorpusFileError(path, f"is {max(size, len(data)):,} bytes, over the {max_bytes:,}-byte limit")
    return parse_file(path.name, data, max_bytes=max_bytes, path=path)


def _line_at(data: bytes, offset: int) -> int:
    """The 1-based line of a byte offset, counting `\\r\\n`, `\\n` and `\\r` as line endings."""
    before = data[:offset]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


def _number_articles(name: str, records: list[ArticleDraft | CorpusFileError], path: Path) -> FileContents:
    """Give each draft its id: the file's for a one-article format, else its own `id` or `<file id>-<position>`.

    A bad record (an error in `records`, or a second use of an id in the file) is collected; its position was still
    counted by the parser, so the ids of the records after it do not depend on whether it loads.
    """
    articles: list[Article] = []
    sources: list[RecordSource | None] = []
    errors: list[CorpusFileError] = []
    seen: set[str] = set()
    file_id: str | None = None
    for draft in records:
        if isinstance(draft, CorpusFileError):
            errors.append(draft)
            continue
        if draft.own_id is not None:
            article_id = draft.own_id
        else:
            if file_id is None:
                try:
                    file_id = article_id_for(name)
                except ValueError as error:
                    raise CorpusFileError(path, str(error)) from None
            article_id = file_id if draft.position is None else f"{file_id}-{draft.position}"
        if article_id in seen:
            item = f"item {draft.position}: " if draft.line is None else ""
            message = f"{item}the article id {article_id!r} is used twice in this file"
            errors.append(CorpusFileError(path, message, draft.line))
            continue
        try:
            article = build_article(draft, article_id, path)
        except CorpusFileError as error:
            if draft.position is None:
                raise
            errors.append(error)
            continue
        seen.add(article_id)
        articles.append(article)
        own = draft.own_id is not None
        sources.append(RecordSource(draft.position, draft.line, own) if draft.position is not None else None)
    return FileContents(tuple(articles), tuple(sources), tuple(errors))
