"""Showing a match, whoosh-style: a fragmenter picks the best window of a paragraph, a formatter marks it up.

`best_fragment` chooses the window; `format_fragment` turns it into text with the matched words marked (bold for
Discord) and the rest escaped. Without marks or escaping the text is never longer than the `max_chars` asked for;
with them the caller measures the result and, if it is too long, asks again with a smaller `max_chars`.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import chain, islice
from typing import NamedTuple

from index.tokenizer import Token

ELLIPSIS = "…"
_UNIT = re.compile(r"\S+")
_POSSESSIVE = re.compile(r"['’]s?$")
_RUN_GAP = " \t\u00a0"  # matches separated only by these are marked as one run


class Span(NamedTuple):
    """Characters `text[start:end]` to mark."""

    start: int
    end: int


class Fragment(NamedTuple):
    """The window `text[start:end]` to show, the spans inside it, and whether text was left out on each side."""

    start: int
    end: int
    spans: tuple[Span, ...]
    cut_left: bool
    cut_right: bool


def identity(text: str) -> str:
    """Text unchanged (the default escape)."""
    return text


def highlight_spans(tokens: Sequence[Token], query_terms: set[str]) -> list[Span]:
    """The spans of the tokens whose term was asked for, in text order, each word once."""
    spans: list[Span] = []
    for token in tokens:
        if token.term in query_terms and (not spans or spans[-1] != (token.start, token.end)):
            spans.append(Span(token.start, token.end))
    return spans


def best_fragment(text: str, spans: Sequence[Span], max_chars: int, *, ellipsis: str = ELLIPSIS) -> Fragment:
    """The window of at most `max_chars` characters (ellipses included) showing the most distinct matched words.

    The whole text when it fits; otherwise ties go to the most matches, then the earliest. The window is cut at
    whitespace, never inside a word or a span, unless one word is longer than the budget. With no spans, the start
    of the text. Pass the same `ellipsis` to `format_fragment`.
    """
    cost = len(ellipsis)
    if max_chars < 1 + 2 * cost:
        raise ValueError(f"max_chars must be at least {1 + 2 * cost}, not {max_chars}")
    spans = _clean(text, spans)
    if len(text) <= max_chars:
        return Fragment(0, len(text), tuple(spans), False, False)
    units = _units(text, spans)
    if not units:
        return Fragment(0, 0, (), False, False)
    starts = [start for start, _ in units]
    ends = [end for _, end in units]
    last = len(units) - 1

    def width(i: int, j: int) -> int:
        return ends[j] - starts[i] + cost * (i > 0) + cost * (j < last)

    where = [bisect_right(starts, span.start) - 1 for span in spans]
    group = _best_group(text, spans, lambda a, b: width(where[a], where[b]) <= max_chars)
    if group is None and spans:
        return _inside_word(text, spans, units[where[0]], max_chars - 2 * cost)
    lo, hi = (where[group[0]], where[group[1]]) if group else (0, 0)
    if width(lo, hi) > max_chars:
        return _inside_word(text, spans, units[lo], max_chars - 2 * cost)
    # Share the room left between the two sides (context before the matches, then after), snapping to whitespace.
    lo = bisect_left(starts, starts[lo] - (max_chars - width(lo, hi)) // 2, 0, lo)
    if width(lo, last) <= max_chars:
        hi = last
    else:
        hi = max(hi, bisect_right(ends, starts[lo] + max_chars - cost * (lo > 0) - cost) - 1)
    if width(0, hi) <= max_chars:
        lo = 0
    else:
        lo = min(lo, bisect_left(starts, ends[hi] + cost * (hi < last) + cost - max_chars))
    start, end = starts[lo], ends[hi]
    inside = tuple(span for span in spans if start <= span.start and span.end <= end)
    return Fragment(start, end, inside, lo > 0, hi < last)


def format_fragment(
    text: str,
    fragment: Fragment,
    *,
    mark: Callable[[str], str],
    escape: Callable[[str], str] = identity,
    ellipsis: str = ELLIPSIS,
) -> str:
    """The fragment as text: the whole window escaped at once, then its matches marked, `ellipsis` where text was
    left out.

    The window is escaped in one piece, never piecewise around the matches, so an escape that looks at context (a
    link, a line start) sees the text as it is: two unmarked pieces can never join into syntax. The runs to mark are
    carried through `escape` by two characters the window does not hold (Unicode noncharacters, made for such
    internal use); `escape` must leave them alone. Matches that overlap, touch or are separated only by spaces are
    marked as one run (`**border czar**`), and runs that nothing but escaped-away characters separate are joined, so
    Markdown marks never nest or meet.
    """
    runs: list[list[int]] = []
    for span in _clean(text, [Span(max(s, fragment.start), min(e, fragment.end)) for s, e in fragment.spans]):
        start, end = span
        if runs and not text[runs[-1][1] : start].strip(_RUN_GAP):
            runs[-1][1] = max(runs[-1][1], end)
        else:
            runs.append([start, end])
    window = text[fragment.start : fragment.end]
    if runs:
        opening, closing = _absent_characters(window)
        pieces = []
        position = fragment.start
        for start, end in runs:
            pieces += [text[position:start], opening, text[start:end], closing]
            position = end
        pieces.append(text[position : fragment.end])
        escaped = escape("".join(pieces))
        if escaped.count(opening) != len(runs) or escaped.count(closing) != len(runs):
            raise ValueError("the escape function removed or added the characters that carry the marks")
        escaped = escaped.replace(closing + opening, "")
        marked = re.compile(f"{re.escape(opening)}(.*?){re.escape(closing)}", re.DOTALL)
        body = marked.sub(lambda found: mark(found.group(1)), escaped)
    else:
        body = escape(window)
    return (ellipsis if fragment.cut_left else "") + body + (ellipsis if fragment.cut_right else "")


def _absent_characters(text: str) -> tuple[str, str]:
    """Two characters that `text` does not hold: noncharacters first (U+FDD0…), then supplementary private use."""
    present = set(text)
    candidates = (chr(code) for code in chain(range(0xFDD0, 0xFDF0), range(0xF0000, 0x10FFFE)))
    first, second = islice((char for char in candidates if char not in present), 2)
    return first, second


def _clean(text: str, spans: Sequence[Span]) -> list[Span]:
    """Spans clipped to the text, without edge whitespace, sorted, overlapping ones merged."""
    cleaned: list[Span] = []
    for raw_start, raw_end in sorted(spans):
        start, end = max(raw_start, 0), min(raw_end, len(text))
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end:
            continue
        if cleaned and start < cleaned[-1].end:
            cleaned[-1] = Span(cleaned[-1].start, max(cleaned[-1].end, end))
        else:
            cleaned.append(Span(start, end))
    return cleaned


def _units(text: str, spans: Sequence[Span]) -> list[tuple[int, int]]:
    """The places a window may start and end: whitespace-separated words, joined where a span crosses whitespace."""
    words = [match.span() for match in _UNIT.finditer(text)]
    starts = [start for start, _ in words]
    joined = [False] * len(words)
    for span in spans:
        for k in range(bisect_right(starts, span.start) - 1, bisect_right(starts, span.end - 1) - 1):
            joined[k] = True
    units: list[tuple[int, int]] = []
    for k, (start, end) in enumerate(words):
        if k and joined[k - 1]:
            units[-1] = (units[-1][0], end)
        else:
            units.append((start, end))
    return units


def _best_group(text: str, spans: Sequence[Span], fits: Callable[[int, int], bool]) -> tuple[int, int] | None:
    """The first and last span of the run of spans that fits and has the most distinct words, then most spans."""
    keys = [_POSSESSIVE.sub("", text[start:end].casefold()) for start, end in spans]
    best: tuple[int, int] | None = None
    best_score = (0, 0)
    seen: Counter[str] = Counter()
    end = 0  # spans[first:end] are in the window
    for first in range(len(spans)):
        if end <= first:
            seen.clear()
            end = first
        while end < len(spans) and fits(first, end):
            seen[keys[end]] += 1
            end += 1
        while end > first and not fits(first, end - 1):  # an ellipsis appearing can shrink the room
            end -= 1
            _forget(seen, keys[end])
        if end > first and (len(seen), end - first) > best_score:
            best, best_score = (first, end - 1), (len(seen), end - first)
        if end > first:
            _forget(seen, keys[first])
    return best


def _forget(seen: Counter[str], key: str) -> None:
    seen[key] -= 1
    if not seen[key]:
        del seen[key]


def _inside_word(text: str, spans: Sequence[Span], unit: tuple[int, int], room: int) -> Fragment:
    """A window cut inside one word longer than the budget: around its first span, or from its start."""
    first = next((span for span in spans if unit[0] <= span.start < unit[1]), Span(unit[0], unit[0]))
    if first.end - first.start >= room:
        start, end = first.start, first.start + room
    else:
        start = max(unit[0], first.start - (room - (first.end - first.start)) // 2)
        end = min(unit[1], start + room)
        start = max(unit[0], end - room)
    while start < min(first.start, end - 1) and _splits_character(text, start):
        start += 1
    floor = first.end if end >= first.end else start + 1
    while end > floor and _splits_character(text, end):
        end -= 1
    while end > start + 1 and text[end - 1].isspace():  # a span crossing whitespace was cut there
        end -= 1
    while start < end - 1 and text[start].isspace():
        start += 1
    inside = tuple(_clean(text, [Span(max(span.start, start), min(span.end, end)) for span in spans]))
    return Fragment(start, end, inside, bool(text[:start].strip()), bool(text[end:].strip()))


def _splits_character(text: str, index: int) -> bool:
    """Whether cutting before `text[index]` would separate a combining mark, joiner or surrogate from its base."""
    if not 0 < index < len(text):
        return False
    char, before = text[index], text[index - 1]
    return (
        unicodedata.category(char)[0] == "M"
        or char == "\u200d"
        or before == "\u200d"
        or "\U0001f3fb" <= char <= "\U0001f3ff"  # emoji skin tone
        or ("\udc00" <= char <= "\udfff" and "\ud800" <= before <= "\udbff")
    )
