"""Who said each quotation of an article: the attribution rules, applied to the quotations `quotations.quotes` found.

Speakers, precision first (no speaker rather than a doubtful one). A *direct* quotation starts a sentence or follows
`said,` / `stating:`. It is attributed by, in order: what follows it (`“…,” Harris said`, `“…,” the voiceover in the
video states`, `‘…,’ Cris Ramon, an immigration consultant, told CNN`, `“…,” said Harris`, `“…,” according to X`;
whoever is told, CNN or Dana Bash, is never the speaker); what precedes it (`Symone Sanders, senior adviser to Harris,
said: ‘…’`, `when she said, “…”`, `stating: “…”`); a speech verb earlier in its sentence; and, only when nothing
attributes it and it has more than three words, the speaker of the previous direct quotation in its paragraph or, if
it opens its paragraph, of the previous paragraph's last one (a statement going on, like Harris's ‘It’s not going to
be solved overnight …’ after ‘…,’ she told CNN’s Dana Bash). A quotation inside a sentence is attributed by a label
phrase (`the Republican label “border czar”` → "Republicans"), else by the nearest speech or labelling verb before it
in its sentence (`Biden announced …, telling reporters she had been appointed ‘…’`, `her critics say makes her ‘…’`,
`she … then blamed Trump for “tanking”`), else by what follows it, else by `according to X` later in its sentence
(`after ‘panicking’ when …, according to a new report`). Labels (scare quotes: one to three words inside a sentence,
like `“tanking”`) are quotes with `label=True`, attributed only by those rules. Quotations nested in another have no
speaker of their own.
Subjects and pronouns: see `quotations.attribution`; names and speech verbs: `quotations.people`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from quotations.attribution import Key, Mention, Narrative
from quotations.people import FINITE, PARTICIPLES, POSSESSIVE, TITLES, is_name, is_verb

MASK = "\ufffc"
WORDS = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*")
LABEL_NOUNS = frozenset({"label", "nickname", "moniker", "term", "slogan", "epithet", "tag"})
ATTRIBUTION_PUNCTUATION = frozenset({",", "?", "!", "—", "–", "…"})
Quotation = tuple[int, int | None, int, str]  # opening mark, closing mark (None: to the paragraph's end), depth, kind


@dataclass(frozen=True)
class QuotationSpan:
    """Where one quotation (or one paragraph's part of it) is."""

    paragraph: int  # 0-based
    opened: int  # offset of the opening mark
    closed: int | None  # offset of the closing mark; None when it runs to the paragraph's end
    start: int
    end: int
    depth: int
    chain: int  # index of the first part of a quotation running over paragraphs
    continues: bool


def mask(text: str, quotations: Iterable[Quotation]) -> str:
    """The paragraph with each outermost quotation's inside masked, keeping its final punctuation (sentence ends)."""
    chars = list(text)
    for opened, closed, depth, _ in quotations:
        if depth == 0:
            _, end = trim(text, opened + 1, len(text) if closed is None else closed)
            chars[opened + 1 : end] = MASK * max(0, end - opened - 1)
            if end > opened + 1 and text[end - 1] in ",.?!;:—–…":
                chars[end - 1] = text[end - 1]
    return "".join(chars)


def first_char(text: str) -> int:
    """Offset of the first character that is not whitespace."""
    return len(text) - len(text.lstrip())


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """`text[start:end]` without whitespace on either side, as (start, end)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class Attributor:
    """Applies the attribution rules (module docstring) to one article's quotations."""

    def __init__(self, paragraphs: Sequence[str], spans: Sequence[QuotationSpan], known_names: Iterable[str]) -> None:
        self.paragraphs, self.spans = paragraphs, spans
        outer: list[list[Quotation]] = [[] for _ in paragraphs]
        for span in spans:
            if span.depth == 0:
                outer[span.paragraph].append((span.opened, span.closed, 0, ""))
        masked = [mask(text, outer[index]) for index, text in enumerate(paragraphs)]
        self.narrative = Narrative(masked, known_names)
        self.chains: dict[int, list[QuotationSpan]] = {}
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
                targets[chain] = label or self._reported(first) or self._after(first) or self._according(first)
        self.narrative.resolve_all()
        speakers = {chain: self.narrative.speaker(target) for chain, target in targets.items()}
        last_in: dict[int, int] = {}  # paragraph -> its last quotation's chain so far
        for chain, parts in self.chains.items():
            first = parts[0]
            before = last_in.get(first.paragraph)
            if before is None and first.opened == first_char(self.paragraphs[first.paragraph]):
                before = last_in.get(first.paragraph - 1)
            if targets[chain] is None and direct[chain] and long[chain] and before is not None and direct[before]:
                speakers[chain] = speakers[before]
            for part in parts:
                last_in[part.paragraph] = chain
        return [
            (speakers[span.chain], labels[span.chain]) if span.depth == 0 else (None, self._words(span) <= 3)
            for span in self.spans
        ]

    def _words(self, span: QuotationSpan) -> int:
        return len(WORDS.findall(self.paragraphs[span.paragraph][span.start : span.end]))

    def _direct(self, span: QuotationSpan) -> bool:
        """Starts a sentence, or follows a colon or a speech verb (`said,`, `stating:`, `concluding with:`)."""
        paragraph = span.paragraph
        tokens, opened_at = self.narrative.tokens[paragraph], self.narrative.token_at(paragraph, span.opened)
        if (
            opened_at == self.narrative.sentence_first(paragraph, opened_at)
            or tokens[opened_at - 1].text == ":"
            or is_verb(tokens[opened_at - 1], FINITE | PARTICIPLES)
        ):
            return True
        verb = tokens[opened_at - 2] if opened_at >= 2 and tokens[opened_at - 1].text == "," else None
        return verb is not None and (is_verb(verb, FINITE | PARTICIPLES) or verb.low == "with")

    def _after(self, span: QuotationSpan) -> Key | None:
        """`“…,” Harris said`, `“…,” said Harris`, `“…,” according to CNN`."""
        paragraph, narrative = span.paragraph, self.narrative
        tokens = narrative.tokens[paragraph]
        after_at = narrative.token_at(paragraph, span.closed) + 1 if span.closed is not None else len(tokens)
        if after_at >= len(tokens):
            return None
        comma = tokens[after_at].text == ","
        text = self.paragraphs[paragraph][span.start : span.end]
        if not comma and text[-1] not in ATTRIBUTION_PUNCTUATION:
            return None  # "“…stop her.” The video …" starts a new sentence
        after_at += comma
        sentence_last = narrative.sentence_last(paragraph, after_at) if after_at < len(tokens) else -1
        if after_at > sentence_last or tokens[after_at].kind != "w":
            return None
        if tokens[after_at].low == "according" and after_at < sentence_last and tokens[after_at + 1].low == "to":
            return self._source(paragraph, after_at + 2, sentence_last)
        if is_verb(tokens[after_at], FINITE):
            found = narrative.phrase_after(paragraph, after_at + 1, sentence_last)
            return narrative.add(found) if found else None
        for verb_at in range(after_at, min(after_at + 16, sentence_last + 1)):
            if tokens[verb_at].kind == "q":
                break
            if (paragraph, verb_at) in narrative.verb_subject:
                key = narrative.verb_subject[(paragraph, verb_at)]
                first = next(
                    index for index in range(after_at, verb_at + 1) if tokens[index].text not in TITLES
                )  # "Vice President Kamala …"
                return key if key == (paragraph, tokens[first].start) else None
        return None

    def _according(self, span: QuotationSpan) -> Key | None:
        """`Harris’s team … after ‘panicking’ when …, according to a new report.`"""
        paragraph, narrative = span.paragraph, self.narrative
        tokens = narrative.tokens[paragraph]
        if span.closed is None:
            return None
        after_at = narrative.token_at(paragraph, span.closed) + 1
        sentence_last = narrative.sentence_last(paragraph, after_at) if after_at < len(tokens) else -1
        for ahead in range(after_at, sentence_last):
            if tokens[ahead].kind == "q":
                return None  # another quotation comes first: the source may be its own
            if tokens[ahead].low == "according" and tokens[ahead + 1].low == "to":
                return self._source(paragraph, ahead + 2, sentence_last)
        return None

    def _source(self, paragraph: int, index: int, sentence_last: int) -> Key | None:
        """The source named after `according to`: a subject phrase, or a capitalised word (`according to CNN`)."""
        narrative = self.narrative
        found = narrative.phrase_after(paragraph, index, sentence_last) if index <= sentence_last else None
        source = narrative.tokens[paragraph][index] if index <= sentence_last else None
        if found is None and source is not None and source.kind == "w" and source.text[0].isupper():
            found = Mention(paragraph, source.start, "name", (POSSESSIVE.sub("", source.text),))
        return narrative.add(found) if found else None

    def _before(self, span: QuotationSpan) -> Key | None:
        """`… said: ‘…’`, `when she said, “…”`, `concluding with: “…”`."""
        paragraph = span.paragraph
        tokens, opened_at = self.narrative.tokens[paragraph], self.narrative.token_at(paragraph, span.opened)
        sentence_first, scan = self.narrative.sentence_first(paragraph, opened_at), opened_at - 1
        if scan >= sentence_first and tokens[scan].text in (":", ","):
            scan -= 1
        if scan >= sentence_first and tokens[scan].low == "with":
            scan -= 1
        return (
            self.narrative.subject_of(paragraph, scan)
            if scan >= sentence_first and is_verb(tokens[scan], FINITE | PARTICIPLES)
            else None
        )

    def _reported(self, span: QuotationSpan) -> Key | None:
        """The nearest speech or labelling verb before the quotation in its sentence: `critics say makes her ‘…’`."""
        paragraph = span.paragraph
        tokens, opened_at = self.narrative.tokens[paragraph], self.narrative.token_at(paragraph, span.opened)
        for verb_at in range(opened_at - 1, self.narrative.sentence_first(paragraph, opened_at) - 1, -1):
            if is_verb(tokens[verb_at], FINITE | PARTICIPLES):
                return self.narrative.subject_of(paragraph, verb_at)
        return None

    def _label_source(self, span: QuotationSpan) -> str | None:
        """`the Republican label “border czar”` → "Republicans"; `Trump’s nickname “…”` → Trump's full name."""
        paragraph = span.paragraph
        tokens, opened_at = self.narrative.tokens[paragraph], self.narrative.token_at(paragraph, span.opened)
        if opened_at < 2 or tokens[opened_at - 1].low not in LABEL_NOUNS or tokens[opened_at - 2].kind != "w":
            return None
        word = tokens[opened_at - 2].text
        if POSSESSIVE.search(word) and is_name(word):
            return self.narrative.people.resolve([POSSESSIVE.sub("", word)])
        if not (is_name(word) or word.isupper()):
            return None
        return "Democrats" if word == "Democratic" else word + "s" if word.endswith("an") else word
