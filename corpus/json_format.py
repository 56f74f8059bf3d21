"""JSON (.json: one article object or a list of them) and JSON Lines (.jsonl: one article object per line)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from corpus.fields import ArticleDraft, check_url, parse_published, slugify
from corpus.models import CorpusFileError
from corpus.text_format import split_paragraphs

# A `\udXXX` escape decodes to half of a surrogate pair; alone it is no character and cannot be encoded as UTF-8.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json(text: str, path: Path, *, from_utf8: bool = False) -> list[ArticleDraft | CorpusFileError]:
    """An article object, or a list of article objects (each then gets its own id or its position as id).

    A bad item of a list is returned as its error, in its place; a malformed document raises CorpusFileError.
    `from_utf8` says the text was decoded from UTF-8 strictly, so it holds no lone surrogate of its own.
    """
    surrogates = _may_hold_lone_surrogates(text, from_utf8)
    value = _decode(text, path, line=None, surrogates=False)
    if isinstance(value, dict):
        if surrogates:
            _refuse_lone_surrogates(value, text, path, None)
        return [_draft(value, path, position=None, line=None)]
    if isinstance(value, list):
        if not value:
            raise CorpusFileError(path, "the list holds no articles")
        records: list[ArticleDraft | CorpusFileError] = []
        for number, item in enumerate(value, start=1):
            try:
                if surrogates:
                    _refuse_lone_surrogates(item, text, path, None, prefix=f"item {number}: ")
                records.append(_draft(item, path, position=number, line=None))
            except CorpusFileError as error:
                records.append(error)
        return records
    raise CorpusFileError(path, f"must hold an article object or a list of them, not {_kind(value)}")


def parse_jsonl(text: str, path: Path, *, from_utf8: bool = False) -> list[ArticleDraft | CorpusFileError]:
    """One article object per non-blank line; a bad line is returned as its error (naming the line), in its place.

    `from_utf8`: as for parse_json.
    """
    records: list[ArticleDraft | CorpusFileError] = []
    surrogates = _may_hold_lone_surrogates(text, from_utf8)
    number, start, size = 0, 0, len(text)
    while start <= size:  # the lines of text.split("\n"), without copying them out of the text
        number += 1
        stop = text.find("\n", start)
        stop = size if stop < 0 else stop
        try:
            value = _decode_line(text, start, stop)
            if value is _SLOW or (surrogates and value is not _BLANK):
                line = text[start:stop]
                if line.isspace():
                    value = _BLANK
                else:
                    check = surrogates and _may_hold_lone_surrogates(line, from_utf8)
                    value = _decode(line, path, line=number, surrogates=check)
            if value is not _BLANK:
                records.append(_draft(value, path, position=len(records) + 1, line=number))
        except CorpusFileError as error:
            records.append(error)  # a bad line still takes its position: the ids after it do not shift
        start = stop + 1
    return records


_BLANK, _SLOW = object(), object()
_DECODER = json.JSONDecoder()  # the decoder json.loads uses
_JSON_SPACE = re.compile(r"[ \t\n\r]*")  # what json.loads skips around a value


def _decode_line(text: str, start: int, stop: int) -> Any:
    """The value of json.loads(text[start:stop]) when the fast way gives exactly that, else _BLANK or _SLOW.

    _BLANK: the line holds only JSON whitespace. _SLOW: the line itself must go to json.loads, for its value or
    its error: a line starting with a BOM or other whitespace (it may be blank), malformed JSON, or a value that
    would only parse by running past the end of the line.
    """
    first = _JSON_SPACE.match(text, start, stop).end()
    if first == stop:
        return _BLANK
    if text[start] == "\ufeff" or text[first].isspace():
        return _SLOW
    try:
        value, end = _DECODER.raw_decode(text, first)
    except (ValueError, RecursionError):
        return _SLOW
    if end > stop or _JSON_SPACE.match(text, end, stop).end() != stop:
        return _SLOW
    return value


def _may_hold_lone_surrogates(text: str, from_utf8: bool) -> bool:
    """Whether json.loads(text) may give a string with a lone surrogate: only a `\\udXXX` escape or one in the text.

    A cheap test, so that the walk over every decoded value runs only for the rare text that needs it.
    """
    if "\\" in text and ("\\ud" in text or "\\uD" in text):
        return True
    return not from_utf8 and not text.isascii() and _LONE_SURROGATE.search(text) is not None


def _decode(text: str, path: Path, line: int | None, *, surrogates: bool = True) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        where = line if line is not None else error.lineno
        raise CorpusFileError(path, f"malformed JSON: {error.msg} (column {error.colno})", where) from None
    except (ValueError, RecursionError) as error:
        raise CorpusFileError(path, f"malformed JSON: {error}", line) from None
    if surrogates:
        _refuse_lone_surrogates(value, text, path, line)
    return value


def _refuse_lone_surrogates(value: Any, text: str, path: Path, line: int | None, prefix: str = "") -> None:
    """Raise CorpusFileError for a string (key or value) holding an unpaired `\\udXXX` escape, naming its line."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and (found := _LONE_SURROGATE.search(item)):
            escape = f"\\u{ord(found.group()):04x}"
            offset = text.lower().find(escape)
            where = line if line is not None else (text.count("\n", 0, offset) + 1 if offset >= 0 else None)
            message = f"malformed JSON: the escape {escape} is half of a surrogate pair, not a character"
            raise CorpusFileError(path, prefix + message, where)


def _draft(value: Any, path: Path, *, position: int | None, line: int | None) -> ArticleDraft:
    """Check one article object's fields; errors name the key, and the item for a list."""
    prefix = f"item {position}: " if position is not None and line is None else ""

    def fail(message: str) -> CorpusFileError:
        return CorpusFileError(path, prefix + message, line)

    if not isinstance(value, dict):
        raise fail(f"an article must be a JSON object, not {_kind(value)}")
    title = value.get("title")
    if not isinstance(title, str) or not title.strip():
        raise fail("`title` is required and must be a non-empty string")

    published = None
    if value.get("published") is not None:
        if not isinstance(value["published"], str):
            raise fail(f"`published` must be a date string like 2024-07-31, not {_kind(value['published'])}")
        try:
            published = parse_published(value["published"])
        except ValueError as error:
            raise fail(f"`published`: {error}") from None

    url = None
    if value.get("url") is not None:
        if not isinstance(value["url"], str):
            raise fail(f"`url` must be a string, not {_kind(value['url'])}")
        try:
            url = check_url(value["url"])
        except ValueError as error:
            raise fail(f"`url`: {error}") from None

    own_id = None
    if value.get("id") is not None and position is not None:
        raw_id = value["id"]
        if isinstance(raw_id, bool) or not isinstance(raw_id, str | int):
            raise fail(f"`id` must be a string, not {_kind(raw_id)}")
        own_id = slugify(str(raw_id))
        if not own_id:
            raise fail(f"`id` {raw_id!r} gives an empty article id; use some letters or digits")

    return ArticleDraft(
        title=title.strip(),
        paragraphs=_paragraphs(value, fail),
        published=published,
        url=url,
        own_id=own_id,
        position=position,
        line=line,
    )


def _paragraphs(value: dict[str, Any], fail: Callable[[str], CorpusFileError]) -> list[str]:
    has_list, has_text = value.get("paragraphs") is not None, value.get("text") is not None
    if has_list == has_text:
        raise fail("give either `paragraphs` (a list of strings) or `text` (a string), not both or neither")
    if has_text:
        if not isinstance(value["text"], str):
            raise fail(f"`text` must be a string, not {_kind(value['text'])}")
        lines = value["text"].replace("\r\n", "\n").replace("\r", "\n").split("\n")
        paragraphs = split_paragraphs(lines, headings=False)
        if not paragraphs:
            raise fail("`text` has no paragraphs")
        return paragraphs
    items = value["paragraphs"]
    if not isinstance(items, list):
        raise fail(f"`paragraphs` must be a list of strings, not {_kind(items)}")
    if not items:
        raise fail("`paragraphs` is empty")
    paragraphs = [item.strip() if isinstance(item, str) else "" for item in items]
    if not all(paragraphs):
        raise fail(f"`paragraphs` entry {paragraphs.index('') + 1} must be a non-empty string")
    return paragraphs


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "a number", float: "a number"}
    return names.get(type(value), "null")
