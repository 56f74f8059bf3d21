"""Quotations in an article's paragraphs: where each one is, and who said it when the article says so.

Marks: straight or curly, double or single. `’` or `'` between two letters or before a digit is an apostrophe (`it’s`,
`CNN’s`, `’90s`), as is one opening a known elision (`’em`, `rock ’n’ roll`); after a word ending in s/x/z (`Harris’
team`) it closes an open single quotation only if no other closing mark comes before the next opening one. When a
paragraph ends inside a quotation and the next paragraph opens with the same mark, the quotation runs on (news
convention) and all its parts share one speaker.

Speakers, precision first (no speaker rather than a doubtful one). A *direct* quotation starts a sentence or follows
`said,` / `stating:`. It is attributed by, in order: what follows it (`“…,” Harris said`, `“…,” the voiceover in the
video states`, `‘…,’ Cris Ramon, an immigration consultant, told CNN`, `“…,” said Harris`, `“…,” according to X`;
whoever is told, CNN or Dana Bash, is never the speaker); what precedes it (`Symone Sanders, senior adviser to Harris,
said: ‘…’`, `when she said, “…”`, `stating: “…”`); a speech verb earlier in its sentence; and, only when nothing
attributes it and it has more than three words, the speaker of the previous direct quotation in its paragraph or, if
it opens its paragraph, of the previous paragraph's last one (a statement going on, like Harris's ‘It’s not going to
be solved overnight …’ after ‘…,’ she told CNN’s Dana Bash). A quotation inside a sentence is attributed by a label
phrase (`the Republican label “border czar”` → "Republicans"), else by the nearest speech or labelling verb before it
in its sentence (`Biden announced …, telling reporters she had been appointed ‘…’`, `her critics say makes her ‘…’`),
else by what follows it. Labels (scare quotes: one to three words inside a sentence, like `“tanking”`) are quotes
with `label=True`, attributed only by those rules. Quotations nested in another have no speaker of their own.
Subjects and pronouns: see `index.attribution`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index.attribution import FINITE, PARTICIPLES, POSSESSIVE, TITLES, Key, Mention, Narrative, is_name, is_verb

__all__ = ["Quote", "find_quotes", "people_in", "quotes_containing"]

MASK = "\ufffc"
OPENING_CONTEXT = "([{—–-/“‘\"'"
CLOSING_CONTEXT = ".,;:!?)]}—–-…”’\"'"
# Words written with a leading apostrophe that are not quotations ('em, 'til, rock 'n' roll).
ELISIONS = frozenset({"em", "til", "tis", "twas", "cause", "n", "bout", "round", "nuff", "kay"})
LETTERS = re.compile(r"[A-Za-z]+")
WORDS = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*")
LABEL_NOUNS = frozenset({"label", "nickname", "moniker", "term", "slogan", "epithet", "tag"})
ATTRIBUTION_PUNCTUATION = frozenset({",", "?", "!", "—", "–", "…"})


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


@dataclass(frozen=True)
class _Span:
    paragraph: int  # 0-based
    opened: int  # offset of the opening mark
    closed: int | None  # offset of the closing mark; None when it runs to the paragraph's end
    start: int
    end: int
    depth: int
    chain: int  # index of the first part of a quotation running over paragraphs
    continues: bool


def find_quotes(paragraphs: Sequence[str], *, known_names: Iterable[str] = ()) -> list[Quote]:
    """Every quotation in one article's paragraphs, in reading order (an outer quotation before those inside it).

    `known_names` are full names from the story's other articles (see `people_in`), for an article that gives only
    a surname ("President Biden" is "Joe Biden" when another article says so).
    """
    spans: list[_Span] = []
    chain_start: int | None = None
    for number, text in enumerate(paragraphs):
        following = paragraphs[number + 1] if number + 1 < len(paragraphs) else ""
        continuing, chain_start = chain_start, None
        for opened, closed, depth, kind in _scan(text):
            start, end = _trim(text, opened + 1, len(text) if closed is None else closed)
            if start >= end:
                continue
            runs_on = closed is None and depth == 0 and _opens_with(following, kind)
            # Only a paragraph's opening quotation can continue the previous paragraph's.
            chain = continuing if continuing is not None and opened == _first_char(text) else len(spans)
            spans.append(_Span(number, opened, closed, start, end, depth, chain, runs_on))
            if runs_on:
                chain_start = chain
    speakers = _Attributor(paragraphs, spans, known_names).speakers()
    return [
        Quote(span.paragraph + 1, span.start, span.end, text[span.start : span.end], who, span.continues, label)
        for span, (who, label) in zip(spans, speakers, strict=True)
        for text in [paragraphs[span.paragraph]]
    ]


def people_in(paragraphs: Sequence[str]) -> list[str]:
    """Full names of the people an article names (with a title, also by surname alone, or as a speaker; titles
    dropped), to pass as `known_names` for the story's other articles."""
    narrative = Narrative([_mask(text, _scan(text)) for text in paragraphs])
    narrative.resolve_all()
    names = list(narrative.people.full)
    for key in sorted(narrative.entities):
        entity = narrative.entities[key]
        if entity and entity.person and " " in entity.name and entity.name not in names:
            names.append(entity.name)
    return names


def quotes_containing(quotes: Iterable[Quote], paragraph: int, start: int, end: int) -> list[Quote]:
    """The quotes of `paragraph` (1-based) whose quoted text contains the character span [start, end)."""
    return [q for q in quotes if q.paragraph == paragraph and q.start <= start and end <= q.end]


def _mask(text: str, quotations: Iterable[tuple[int, int | None, int, str]]) -> str:
    """The paragraph with each outermost quotation's inside masked, keeping its final punctuation (sentence ends)."""
    chars = list(text)
    for opened, closed, depth, _ in quotations:
        if depth == 0:
            _, end = _trim(text, opened + 1, len(text) if closed is None else closed)
            chars[opened + 1 : end] = MASK * max(0, end - opened - 1)
            if end > opened + 1 and text[end - 1] in ",.?!;:—–…":
                chars[end - 1] = text[end - 1]
    return "".join(chars)


def _first_char(text: str) -> int:
    return len(text) - len(text.lstrip())


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _opens_with(text: str, kind: str) -> bool:
    first = _first_char(text)
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
    marks = [(i, *role) for i, char in enumerate(text) if char in "“”\"‘’'" and (role := _classify(text, i))]
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


class _Attributor:
    """Applies the attribution rules (module docstring) to one article's quotations."""

    def __init__(self, paragraphs: Sequence[str], spans: Sequence[_Span], known_names: Iterable[str]) -> None:
        self.paragraphs, self.spans = paragraphs, spans
        outer: list[list[tuple[int, int | None, int, str]]] = [[] for _ in paragraphs]
        for span in spans:
            if span.depth == 0:
                outer[span.paragraph].append((span.opened, span.closed, 0, ""))
        masked = [_mask(text, outer[n]) for n, text in enumerate(paragraphs)]
        self.narrative = Narrative(masked, known_names)
        self.chains: dict[int, list[_Span]] = {}
        for span in spans:
            if span.depth == 0:
                self.chains.setdefault(span.chain, []).append(span)

    def speakers(self) -> list[tuple[str | None, bool]]:
        """(speaker or None, is a label) for every span."""
        targets: dict[int, Key | str | None] = {}
        direct = {chain: self._direct(parts[0]) for chain, parts in self.chains.items()}
        long = {chain: self._words(parts[0]) > 3 for chain, parts in self.chains.items()}
        labels = {
            chain: not direct[chain] and not long[chain] and len(parts) == 1 for chain, parts in self.chains.items()
        }
        for chain, parts in self.chains.items():
            first = parts[0]
            if direct[chain]:
                found = next((key for part in reversed(parts) if (key := self._after(part))), None)
                targets[chain] = found or self._before(first) or self._reported(first)
            else:
                label = self._label_source(first) if labels[chain] else None
                targets[chain] = label or self._reported(first) or self._after(first)
        self.narrative.resolve_all()
        speakers = {chain: self.narrative.speaker(target) for chain, target in targets.items()}
        last_in: dict[int, int] = {}  # paragraph -> its last quotation's chain so far
        for chain, parts in self.chains.items():
            first = parts[0]
            before = last_in.get(first.paragraph)
            if before is None and first.opened == _first_char(self.paragraphs[first.paragraph]):
                before = last_in.get(first.paragraph - 1)
            if targets[chain] is None and direct[chain] and long[chain] and before is not None and direct[before]:
                speakers[chain] = speakers[before]
            for part in parts:
                last_in[part.paragraph] = chain
        return [
            (speakers[span.chain], labels[span.chain]) if span.depth == 0 else (None, self._words(span) <= 3)
            for span in self.spans
        ]

    def _words(self, span: _Span) -> int:
        return len(WORDS.findall(self.paragraphs[span.paragraph][span.start : span.end]))

    def _direct(self, span: _Span) -> bool:
        """Starts a sentence, or follows a colon or a speech verb (`said,`, `stating:`, `concluding with:`)."""
        p = span.paragraph
        tokens, o = self.narrative.tokens[p], self.narrative.token_at(p, span.opened)
        if o == self.narrative.lo(p, o) or tokens[o - 1].text == ":" or is_verb(tokens[o - 1], FINITE | PARTICIPLES):
            return True
        verb = tokens[o - 2] if o >= 2 and tokens[o - 1].text == "," else None
        return verb is not None and (is_verb(verb, FINITE | PARTICIPLES) or verb.low == "with")

    def _after(self, span: _Span) -> Key | None:
        """`“…,” Harris said`, `“…,” said Harris`, `“…,” according to CNN`."""
        p, narrative = span.paragraph, self.narrative
        tokens = narrative.tokens[p]
        t = narrative.token_at(p, span.closed) + 1 if span.closed is not None else len(tokens)
        if t >= len(tokens):
            return None
        comma = tokens[t].text == ","
        text = self.paragraphs[p][span.start : span.end]
        if not comma and text[-1] not in ATTRIBUTION_PUNCTUATION:
            return None  # "“…stop her.” The video …" starts a new sentence
        t += comma
        hi = narrative.hi(p, t) if t < len(tokens) else -1
        if t > hi or tokens[t].kind != "w":
            return None
        if tokens[t].low == "according" and t < hi and tokens[t + 1].low == "to":
            found = narrative.phrase_after(p, t + 2, hi) if t + 2 <= hi else None
            source = tokens[t + 2] if t + 2 <= hi else None
            if found is None and source is not None and source.kind == "w" and source.text[0].isupper():
                found = Mention(p, source.start, "name", (POSSESSIVE.sub("", source.text),))  # "according to CNN"
            return narrative.add(found) if found else None
        if is_verb(tokens[t], FINITE):
            found = narrative.phrase_after(p, t + 1, hi)
            return narrative.add(found) if found else None
        for v in range(t, min(t + 16, hi + 1)):
            if tokens[v].kind == "q":
                break
            if (p, v) in narrative.verb_subject:
                key = narrative.verb_subject[(p, v)]
                first = next(n for n in range(t, v + 1) if tokens[n].text not in TITLES)  # "Vice President Kamala …"
                return key if key == (p, tokens[first].start) else None
        return None

    def _before(self, span: _Span) -> Key | None:
        """`… said: ‘…’`, `when she said, “…”`, `concluding with: “…”`."""
        p = span.paragraph
        tokens, o = self.narrative.tokens[p], self.narrative.token_at(p, span.opened)
        lo, k = self.narrative.lo(p, o), o - 1
        if k >= lo and tokens[k].text in (":", ","):
            k -= 1
        if k >= lo and tokens[k].low == "with":
            k -= 1
        return self.narrative.subject_of(p, k) if k >= lo and is_verb(tokens[k], FINITE | PARTICIPLES) else None

    def _reported(self, span: _Span) -> Key | None:
        """The nearest speech or labelling verb before the quotation in its sentence: `critics say makes her ‘…’`."""
        p = span.paragraph
        tokens, o = self.narrative.tokens[p], self.narrative.token_at(p, span.opened)
        for v in range(o - 1, self.narrative.lo(p, o) - 1, -1):
            if is_verb(tokens[v], FINITE | PARTICIPLES):
                return self.narrative.subject_of(p, v)
        return None

    def _label_source(self, span: _Span) -> str | None:
        """`the Republican label “border czar”` → "Republicans"; `Trump’s nickname “…”` → Trump's full name."""
        p = span.paragraph
        tokens, o = self.narrative.tokens[p], self.narrative.token_at(p, span.opened)
        if o < 2 or tokens[o - 1].low not in LABEL_NOUNS or tokens[o - 2].kind != "w":
            return None
        word = tokens[o - 2].text
        if POSSESSIVE.search(word) and is_name(word):
            return self.narrative.people.resolve([POSSESSIVE.sub("", word)])
        if not (is_name(word) or word.isupper()):
            return None
        return "Democrats" if word == "Democratic" else word + "s" if word.endswith("an") else word
