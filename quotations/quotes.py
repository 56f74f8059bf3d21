"""Quotations in an article's paragraphs: where each one is, and who said it when the article says so.

Marks: straight or curly, double or single. `’` or `'` between two letters or before a digit is an apostrophe (`it’s`,
`CNN’s`, `’90s`), as is one opening a known elision (`’em`, `rock ’n’ roll`); after a word ending in s/x/z (`Harris’
team`) it closes an open single quotation only if no other closing mark comes before the next opening one. When a
paragraph ends inside a quotation and the next paragraph opens with the same mark, the quotation runs on (news
convention) and all its parts share one speaker.

Who said each quotation: see `quotations.speakers`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from quotations.attribution import Narrative
from quotations.speakers import Attributor, QuotationSpan, first_char, mask, trim

__all__ = ["Quote", "find_quotes", "people_in", "quote_spans", "quotes_containing"]

OPENING_CONTEXT = "([{—–-/“‘\"'"
CLOSING_CONTEXT = ".,;:!?)]}—–-…”’\"'"
# Words written with a leading apostrophe that are not quotations ('em, 'til, rock 'n' roll).
ELISIONS = frozenset({"em", "til", "tis", "twas", "cause", "n", "bout", "round", "nuff", "kay"})
LETTERS = re.compile(r"[A-Za-z]+")
MARKS = re.compile("[“”\"‘’']")


@dataclass(frozen=True)
class Quote:
    """One quoted passage in one paragraph.

    `paragraph` is 1-based; `start`/`end` are offsets of the quoted text, without its marks, in that paragraph's text.
    `speaker` is who said it (a full name, or a description such as "the Trump campaign ads"), None when the article
    does not say. `continues`: the quotation runs on into the next paragraph. `label`: a scare quote (one to three
    words inside a sentence), usually without a speaker.
    """

    paragraph: int
    start: int
    end: int
    text: str
    speaker: str | None = None
    continues: bool = False
    label: bool = False


def find_quotes(paragraphs: Sequence[str], *, known_names: Iterable[str] = ()) -> list[Quote]:
    """Every quotation in one article's paragraphs, in reading order (an outer quotation before those inside it).

    `known_names` are full names from the story's other articles (see `people_in`), for an article that gives only
    a surname ("President Biden" is "Joe Biden" when another article says so).
    """
    spans: list[QuotationSpan] = []
    chain_start: int | None = None
    for number, text in enumerate(paragraphs):
        following = paragraphs[number + 1] if number + 1 < len(paragraphs) else ""
        continuing, chain_start = chain_start, None
        for opened, closed, depth, kind in _scan(text):
            start, end = trim(text, opened + 1, len(text) if closed is None else closed)
            if start >= end:
                continue
            runs_on = closed is None and depth == 0 and _opens_with(following, kind)
            # Only a paragraph's opening quotation can continue the previous paragraph's.
            chain = continuing if continuing is not None and opened == first_char(text) else len(spans)
            spans.append(QuotationSpan(number, opened, closed, start, end, depth, chain, runs_on))
            if runs_on:
                chain_start = chain
    speakers = Attributor(paragraphs, spans, known_names).speakers()
    return [
        Quote(span.paragraph + 1, span.start, span.end, text[span.start : span.end], who, span.continues, label)
        for span, (who, label) in zip(spans, speakers, strict=True)
        for text in [paragraphs[span.paragraph]]
    ]


def people_in(paragraphs: Sequence[str]) -> list[str]:
    """Full names of the people an article names (with a title, also by surname alone, or as a speaker; titles
    dropped), to pass as `known_names` for the story's other articles."""
    narrative = Narrative([mask(text, _scan(text)) for text in paragraphs])
    narrative.resolve_all()
    names = list(narrative.people.full)
    for key in sorted(narrative.entities):
        entity = narrative.entities[key]
        if entity and entity.person and " " in entity.name and entity.name not in names:
            names.append(entity.name)
    return names


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quotation's text in one paragraph, as `find_quotes` gives them, without who said them.

    Cheap (no attribution): each paragraph's quotations are found on its own; only speakers need the article.
    """
    found = []
    for opened, closed, _, _ in _scan(text):
        start, end = trim(text, opened + 1, len(text) if closed is None else closed)
        if start < end:
            found.append((start, end))
    return found


def quotes_containing(quotes: Iterable[Quote], paragraph: int, start: int, end: int) -> list[Quote]:
    """The quotes of `paragraph` (1-based) whose quoted text contains the character span [start, end)."""
    return [q for q in quotes if q.paragraph == paragraph and q.start <= start and end <= q.end]


def _opens_with(text: str, kind: str) -> bool:
    first = first_char(text)
    return first < len(text) and _classify(text, first) == (kind, "open")


def _classify(text: str, i: int) -> tuple[str, str] | None:
    """A quote mark's kind ("D" double, "S" single) and role: open, close, weak (maybe a possessive) or either."""
    char = text[i]
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    spaced_before = not before or before.isspace() or before in OPENING_CONTEXT
    spaced_after = not after or after.isspace() or after in CLOSING_CONTEXT
    if char in "“”":
        return ("D", "open" if char == "“" else "close")
    if char == '"':
        if spaced_before and spaced_after:
            return None
        return ("D", "open" if spaced_before else "close" if spaced_after else "either")
    if char == "‘":
        return None if after.isdigit() or before.isalnum() else ("S", "open")
    if char not in "’'":
        return None
    if before.isalnum() and after.isalnum():
        return None
    if spaced_before:
        word = LETTERS.match(text, i + 1)
        if not after.isalpha() or (word and word.group().lower() in ELISIONS):
            return None
        return ("S", "open")
    if after.isalnum():
        return ("S", "close") if before in CLOSING_CONTEXT else None
    return ("S", "weak" if before in "sSxXzZ" and after.isspace() else "close")


def _scan(text: str) -> list[tuple[int, int | None, int, str]]:
    """Quotations of one paragraph as (opening mark, closing mark or None, nesting depth, kind), by opening mark."""
    marks = [(i, *role) for match in MARKS.finditer(text) if (role := _classify(text, i := match.start()))]
    stack: list[tuple[str, int]] = []
    found: list[tuple[int, int | None, int, str]] = []
    for n, (i, kind, role) in enumerate(marks):
        level = next((d for d in range(len(stack) - 1, -1, -1) if stack[d][0] == kind), None)
        if role == "either":
            role = "open" if level is None else "close"
        elif role == "weak":
            if level is None or _clearer_close_follows(marks, n, kind):
                continue
            role = "close"
        if role == "open":
            if stack and stack[-1][0] == kind:
                stack.pop()  # the same mark again before a close: the earlier one was never closed
            stack.append((kind, i))
        elif level is not None:
            found.append((stack[level][1], i, level, kind))
            del stack[level:]
    if stack:
        found.append((stack[0][1], None, 0, stack[0][0]))
    return sorted(found, key=lambda quote: quote[0])


def _clearer_close_follows(marks: Sequence[tuple[int, str, str]], n: int, kind: str) -> bool:
    for _, other_kind, role in marks[n + 1 :]:
        if other_kind == kind and role != "weak":
            return role in ("close", "either")
    return False
