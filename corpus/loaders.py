"""Loading one corpus file: size and encoding checks, then the parser chosen by the file's suffix."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from corpus.fields import ArticleDraft, article_id_for, build_article
from corpus.json_format import parse_json, parse_jsonl
from corpus.models import Article, CorpusFileError
from corpus.text_format import parse_markdown, parse_story_text

__all__ = ["SUPPORTED_SUFFIXES", "article_id_for", "decode_text", "load_file", "parse_articles"]

Parser = Callable[[str, Path], list[ArticleDraft]]

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
# C0 control characters other than tab, line feed, form feed and carriage return: text files do not contain them.
_CONTROL_BYTES = np.zeros(0x20, dtype=bool)
_CONTROL_BYTES[[*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20)]] = True


def parse_articles(name: str, data: bytes, *, max_bytes: int, path: Path | None = None) -> list[Article]:
    """Parse a file's content in memory, choosing the format by the suffix of `name`.

    `path` is recorded as each article's file (default: `name`). Raises CorpusFileError naming the file, the line
    where one applies, and what is wrong.
    """
    where = path if path is not None else Path(name)
    text = decode_text(where, data, max_bytes=max_bytes)
    suffix = Path(name).suffix.lower()
    parser = PARSERS.get(suffix)
    if parser is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise CorpusFileError(where, f"unsupported file type {suffix or '(no suffix)'!r}; use one of {supported}")
    return _number_articles(name, parser(text, where), where)


def decode_text(path: Path, data: bytes, *, max_bytes: int) -> str:
    """Check a file's bytes (size cap, not empty, not binary, UTF-8) and return its text with `\\n` line endings."""
    if len(data) > max_bytes:
        raise CorpusFileError(path, f"is {len(data):,} bytes, over the {max_bytes:,}-byte limit")
    body = data.removeprefix(_UTF8_BOM)
    if not body:
        raise CorpusFileError(path, "is empty")
    if body.isspace():  # the same ASCII whitespace as `not body.strip()`, without copying the file
        raise CorpusFileError(path, "contains only whitespace")
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


def _first_control_byte(body: bytes) -> int | None:
    """The offset of the first control byte that text does not contain (see _CONTROL_BYTES), if any."""
    codes = np.frombuffer(body, dtype=np.uint8)
    low = np.flatnonzero(codes < 0x20)  # line feeds mostly: few, and found at memory speed
    if not low.size:
        return None
    control = low[_CONTROL_BYTES[codes[low]]]
    return int(control[0]) if control.size else None


def load_file(path: Path, *, max_bytes: int) -> list[Article]:
    """Read a file and parse it; an unreadable file raises CorpusFileError too."""
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            data = handle.read(max_bytes + 1)
    except OSError as error:
        raise CorpusFileError(path, f"cannot be read: {error.strerror or error}") from error
    if len(data) > max_bytes:
        raise CorpusFileError(path, f"is {max(size, len(data)):,} bytes, over the {max_bytes:,}-byte limit")
    return parse_articles(path.name, data, max_bytes=max_bytes, path=path)


def _line_at(data: bytes, offset: int) -> int:
    """The 1-based line of a byte offset, counting `\\r\\n`, `\\n` and `\\r` as line endings."""
    before = data[:offset]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


def _number_articles(name: str, drafts: list[ArticleDraft], path: Path) -> list[Article]:
    """Give each draft its id: the file's for a one-article format, else its own `id` or `<file id>-<position>`."""
    articles: list[Article] = []
    seen: set[str] = set()
    file_id: str | None = None
    for draft in drafts:
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
            raise CorpusFileError(path, f"{item}the article id {article_id!r} is used twice in this file", draft.line)
        seen.add(article_id)
        articles.append(build_article(draft, article_id, path))
    return articles
