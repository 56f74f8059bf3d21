"""A member's question read as a question: `who is Symone Sanders` searches for `Symone Sanders`.

The opening question word and its auxiliary (`who is`, `what did`, `when was`, `how long is`, or a bare `did`/`is`
opening a yes-no question) say what kind of answer is wanted, not what it is about. On a story of a few dozen
paragraphs BM25 gives them a large idf by chance ("what" and "do" are in 2 of the 41 paragraphs), so `what did
Harris call on Trump to do` would rank `… what’s happening …, Everything you’re doing …` first. Only the frame at the
start goes; the same words later in a question (`say it to my face`, `who will fix`) still count. Scores are
unchanged for the words that remain (still equal to rank-bm25's).

In a question (one that opened with such a frame), the framing words elsewhere in it go too, outside double quotes:
`what did Trump say about Harris` searches for `Trump Harris`, `what did Harris call on Trump to do` for `Harris
call on Trump` (the gap verb `do` and `say about` tell what kind of answer is wanted). A question that starts `who
said …` or `who says …` asks who said the words after it: `read_question` hands them to the who-said ranking.
Keyword searches without a frame keep every word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from answers.coverage import FRAMING_WORDS

_AUXILIARY = r"(?:did|does|do|is|are|was|were|has|have|had|can|could|would|should|will)"
_FRAME = re.compile(
    rf"^\s*(?:(?:who|whom|whose|what|when|where|why|how|which)(?:\s+(?:long|much|many|often))?(?:\s+{_AUXILIARY})?"
    rf"|{_AUXILIARY})\b[\s,]*",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w")


def without_question_frame(question: str) -> str:
    """The question without its opening question word and auxiliary; unchanged when nothing else would remain."""
    rest = _FRAME.sub("", question, count=1)
    return rest if _WORD.search(rest) else question


_WHO_SAID = re.compile(r"^\s*who\s+(?:said|says|has\s+said|had\s+said)\b[\s,:]*", re.IGNORECASE)
_FRAMING = re.compile(r"\b(?:" + "|".join(FRAMING_WORDS.split()) + r")\b(?![’'-]\w)", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“”„‟«»][^\"“”„‟«»]*[\"“”„‟«»]")


@dataclass(frozen=True)
class Reading:
    """How a question is searched: the `text` to search for, whether it asks who said those words, and whether it
    is a question made of framing words only (`what did she say`: nothing to search for)."""

    text: str
    who_said: bool = False
    only_framing: bool = False


def read_question(question: str) -> Reading:
    """The question's searchable text: `who said X` gives X with `who_said`; a question loses its opening frame and
    its framing words outside quotes (`only_framing` when nothing else is left); a search without a frame is
    unchanged."""
    who = _WHO_SAID.match(question)
    if who and _WORD.search(question[who.end() :]):
        return Reading(question[who.end() :].strip(), who_said=True)
    rest = _FRAME.sub("", question, count=1)
    if rest == question:
        return Reading(question)
    kept = _without_framing_words(rest)
    return Reading(kept) if _WORD.search(kept) else Reading(question, only_framing=True)


def _without_framing_words(text: str) -> str:
    """`text` without FRAMING_WORDS, except inside double-quoted phrases."""
    pieces, end = [], 0
    for quoted in _QUOTED.finditer(text):
        pieces += [_FRAMING.sub(" ", text[end : quoted.start()]), quoted.group()]
        end = quoted.end()
    pieces.append(_FRAMING.sub(" ", text[end:]))
    return " ".join("".join(pieces).split())


_WHEN = re.compile(r"^\s*when\b", re.IGNORECASE)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s+\d{{1,4}}|\d{{1,2}}\s+(?:{_MONTHS})\b|(?:1[89]|20)\d\d\b"
    r"|(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tonight)\b"
    r"|(?:last|next|this)\s+(?:week|month|year|spring|summer|fall|autumn|winter))",
    re.IGNORECASE,
)


def asks_when(question: str) -> bool:
    """Whether the question asks when something happened (`when did …`)."""
    return bool(_WHEN.match(question))


def mentions_a_time(text: str) -> bool:
    """Whether the text says when: a month and day or year, a year, a weekday, `last week` and the like."""
    return bool(_DATE.search(text))
