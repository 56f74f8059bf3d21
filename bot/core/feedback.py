"""What members could not find: the records behind 👍 / 👎 and the questions that found nothing.

An answer shown (one page of it) is recorded with its question, the passages shown and the settings in force; a vote
is one member's 👍 or 👎 on such a page; a question that found nothing is recorded with the reason. No record holds
the asker's id: a vote holds its voter's, because a vote must be one per member. Everything is kept
`[feedback] retention_days` and then purged; votes are accepted for as long as their answer is kept.

The stores (bot/store/) keep these rows; the Discord layer makes them; `python -m bot report` reads them back.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from answers.engine import NoMatch, SearchResult
from bot.core.questions import Question, without_mentions
from bot.core.safe_text import visible
from bot.core.settings import Settings

# A report covers 1 to MAX_REPORT_DAYS days, REPORT_DAYS unless the moderator or operator says otherwise.
REPORT_DAYS, MAX_REPORT_DAYS = 30, 365
# Punctuation around a question that does not change it: `who said border czar?` counts with `who said border czar`.
_AROUND = re.compile(r"^[\s?!.,;:…¿¡\"'“”‘’«»]+|[\s?!.,;:…¿¡\"'“”‘’«»]+$")


class VoteChoice(Enum):
    """A member's verdict on an answer: 👍 (helpful) or 👎 (not what they were looking for)."""

    UP = 1
    DOWN = -1

    @property
    def emoji(self) -> str:
        """👍 or 👎."""
        return "👍" if self is VoteChoice.UP else "👎"


class VoteOutcome(Enum):
    """What became of a vote: kept, withdrawn, or refused because the answer is not (or no longer) kept."""

    RECORDED = "recorded"
    WITHDRAWN = "withdrawn"
    NOT_VOTED = "not voted"  # a withdrawal where there was no vote
    UNKNOWN_ANSWER = "unknown answer"  # older than the retention, purged, or never recorded (the database was away)


@dataclass(frozen=True)
class Passage:
    """One passage shown: the article's id, the paragraph's number, and a hash of its text then (so a later edit
    of the article is seen: the vote was on the text as it was)."""

    article: str
    paragraph: int
    text_sha256: str

    def as_json(self) -> dict[str, object]:
        """The passage as it is stored and exported."""
        return {"article": self.article, "paragraph": self.paragraph, "text_sha256": self.text_sha256}


@dataclass(frozen=True)
class ShownAnswer:
    """One page of an answer, as shown under its vote buttons. `answer_id` is the id of the message or
    interaction that asked (unique, known before the answer is sent); `page` counts from 1."""

    guild_id: int
    answer_id: int
    page: int
    command: str
    question: str
    passages: tuple[Passage, ...]
    settings: str  # JSON: everything that changes which passages are shown
    at: datetime

    @property
    def passages_json(self) -> str:
        """The passages as stored: a JSON list of {article, paragraph, text_sha256}."""
        return json.dumps([passage.as_json() for passage in self.passages], separators=(",", ":"))


@dataclass(frozen=True)
class Unanswered:
    """A question that found nothing or was refused, with the reason (a NoMatch name in lower case).
    `question_id` is the id of the message or interaction that asked: a question is kept once."""

    question_id: int
    guild_id: int
    command: str
    question: str
    reason: str
    at: datetime


def now() -> datetime:
    """The current time in UTC, to the second (what every record holds)."""
    return datetime.now(UTC).replace(microsecond=0)


def normalized_question(question: Question) -> str:
    """The question as it is counted and kept: what was searched for (no mention syntax, no `who said` frame, at
    most 300 characters), without invisible characters, in one case (casefold) and Unicode form (NFKC), spaces
    folded, without punctuation around it. `Who said  Border Czar?` and `who said border czar` are one question."""
    text = unicodedata.normalize("NFKC", visible(without_mentions(question.text)))
    return _AROUND.sub("", " ".join(text.casefold().split()))


def reason_name(reason: NoMatch | None) -> str:
    """The stored name of a NoMatch reason: `unknown_words`, `weak_match` …"""
    return (reason or NoMatch.NO_PASSAGE).name.lower()


def reason_words(name: str) -> str:
    """A stored reason in words: `unknown_words` → `unknown words`."""
    return name.replace("_", " ")


def answer_settings(settings: Settings, results: int) -> str:
    """The settings that decide which passages an answer shows, as compact JSON: the BM25 variant and parameters,
    the tokenizer's switches, the no-answer rule, the cut of weak passages, and the passages per page."""
    search = settings.search
    chosen = {
        "variant": search.variant,
        "k1": search.k1,
        "b": search.b,
        "epsilon": search.epsilon,
        "delta": search.effective_delta,
        "stemming": search.stemming,
        "stop_words": search.stop_words,
        "min_coverage": search.min_coverage,
        "enough_terms": search.enough_terms,
        "cut_score_ratio": search.cut_score_ratio,
        "cut_coverage_ratio": search.cut_coverage_ratio,
        "plain_bm25": search.plain_bm25,
        "results": results,
    }
    return json.dumps(chosen, separators=(",", ":"), sort_keys=True)


def passages_of(result: SearchResult) -> tuple[Passage, ...]:
    """The passages a page of an answer shows, in order."""
    return tuple(
        Passage(hit.article.id, hit.paragraph.number, hashlib.sha256(hit.paragraph.text.encode()).hexdigest()[:16])
        for hit in result.hits
    )


def page_number(result: SearchResult, results: int) -> int:
    """Which page of its answer a result is (1 for the first)."""
    return result.offset // max(results, 1) + 1


def cutoff(days: int, moment: datetime | None = None) -> datetime:
    """The moment `days` days before `moment` (now by default)."""
    return (moment or now()) - timedelta(days=days)


def report_since(days: int, retention_days: int, moment: datetime | None = None) -> datetime:
    """Where a report of the last `days` days starts: never before what the retention keeps."""
    return cutoff(min(days, retention_days), moment)


def days_problem(days: int) -> str | None:
    """Why a report cannot cover `days` days (None when it can)."""
    if not 1 <= days <= MAX_REPORT_DAYS:
        return f"must be from 1 to {MAX_REPORT_DAYS} days (got {days})"
    return None
