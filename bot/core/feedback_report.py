"""The report of what members could not find, as the stores return it: grouped questions and answers with their
counts; and the JSON Lines export for evaluation (`python -m bot report --export FILE`, format in the README).

Front ends render it: bot/discord/feedback_report.py as embeds, bot/terminal/report.py as text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.core.safe_text import visible


def as_utc(moment: datetime | str) -> datetime:
    """A stored time (SQLite keeps ISO text, PostgreSQL a timestamptz) as an aware UTC datetime."""
    parsed = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def iso(moment: datetime) -> str:
    """`2024-07-31T03:36:51Z`."""
    return as_utc(moment).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class UnansweredGroup:
    """One question that found nothing or was refused: how often, why (reason → times), first and last time."""

    command: str
    question: str
    times: int
    reasons: tuple[tuple[str, int], ...]
    first_asked: datetime
    last_asked: datetime


@dataclass(frozen=True)
class AnswerGroup:
    """One answer (a question, a page, the passages shown, the settings in force): how often it was shown and its
    votes. `passages` is the stored JSON list of {article, paragraph, text_sha256}."""

    command: str
    question: str
    page: int
    passages: tuple[dict[str, object], ...]
    settings: dict[str, object]
    shown: int
    up: int
    down: int
    first_asked: datetime
    last_asked: datetime

    @property
    def cited(self) -> str:
        """`harris-2024 ¶3, trump-rally ¶12`: the passages shown, by article id and paragraph."""
        return ", ".join(f"{passage['article']} ¶{passage['paragraph']}" for passage in self.passages)


def unanswered_groups(rows: Iterable[Sequence[Any]]) -> list[UnansweredGroup]:
    """Groups from rows of (command, question, reason, times, total, first asked, last asked), in the rows' order
    (one row per reason of a question, a question's rows together)."""
    groups: dict[tuple[str, str], UnansweredGroup] = {}
    for command, question, reason, times, total, first, last in rows:
        key = (str(command), str(question))
        known = groups.get(key)
        reasons = (known.reasons if known else ()) + ((str(reason), int(times)),)
        groups[key] = UnansweredGroup(key[0], key[1], int(total), reasons, as_utc(first), as_utc(last))
    return list(groups.values())


def answer_group(row: Sequence[Any]) -> AnswerGroup:
    """A group from a row of (command, question, page, passages JSON, settings JSON, shown, up, down, first, last)."""
    command, question, page, passages, settings, shown, up, down, first, last = row
    return AnswerGroup(
        str(command),
        str(question),
        int(page),
        tuple(json.loads(str(passages))),
        json.loads(str(settings)),
        int(shown),
        int(up),
        int(down),
        as_utc(first),
        as_utc(last),
    )


@dataclass(frozen=True)
class FeedbackReport:
    """One server's report over `days` days from `since`: the questions that found nothing (most frequent first)
    and the answers with the most 👎; `more_*` when there were more than were asked for."""

    guild_id: int
    days: int
    since: datetime
    unanswered: tuple[UnansweredGroup, ...] = ()
    disliked: tuple[AnswerGroup, ...] = ()
    more_unanswered: bool = False
    more_disliked: bool = False


@dataclass
class QuestionRecord:
    """One line of the export: a question of one server, how it fared, and its votes."""

    guild_id: int
    command: str
    question: str
    unanswered: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    answers: list[AnswerGroup] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None

    def seen(self, first: datetime, last: datetime) -> None:
        """Widen the first and last times the question was asked."""
        self.first = first if self.first is None else min(self.first, first)
        self.last = last if self.last is None else max(self.last, last)

    @property
    def answered(self) -> int:
        """How often the question was answered (its first page shown)."""
        return sum(answer.shown for answer in self.answers if answer.page == 1)

    @property
    def asked(self) -> int:
        """How often the question was asked: answered, or found nothing."""
        return self.answered + self.unanswered

    def as_json(self) -> dict[str, object]:
        """The exported object (README: What members could not find → the export)."""
        return {
            "guild_id": str(self.guild_id),
            "command": self.command,
            "question": self.question,
            "asked": self.asked,
            "answered": self.answered,
            "unanswered": self.unanswered,
            "reasons": dict(sorted(self.reasons.items())),
            "up": sum(answer.up for answer in self.answers),
            "down": sum(answer.down for answer in self.answers),
            "first_asked": iso(self.first) if self.first else None,
            "last_asked": iso(self.last) if self.last else None,
            "answers": [
                {
                    "page": answer.page,
                    "passages": list(answer.passages),
                    "settings": answer.settings,
                    "shown": answer.shown,
                    "up": answer.up,
                    "down": answer.down,
                }
                for answer in sorted(self.answers, key=lambda answer: (answer.page, -answer.shown))
            ],
        }


def question_records(
    guild_id: int, unanswered: Iterable[UnansweredGroup], answers: Iterable[AnswerGroup]
) -> list[QuestionRecord]:
    """One record per (command, question) of a server, most asked first."""
    records: dict[tuple[str, str], QuestionRecord] = {}

    def record(command: str, question: str) -> QuestionRecord:
        return records.setdefault((command, question), QuestionRecord(guild_id, command, question))

    for group in unanswered:
        found = record(group.command, group.question)
        found.unanswered += group.times
        for reason, times in group.reasons:
            found.reasons[reason] = found.reasons.get(reason, 0) + times
        found.seen(group.first_asked, group.last_asked)
    for answer in answers:
        found = record(answer.command, answer.question)
        found.answers.append(answer)
        found.seen(answer.first_asked, answer.last_asked)

    return sorted(records.values(), key=lambda item: (-item.asked, item.command, item.question))


def jsonl(records: Iterable[QuestionRecord]) -> bytes:
    """The export's bytes: one JSON object a line, UTF-8, ending with a line break when not empty."""
    lines = [json.dumps(record.as_json(), ensure_ascii=False, sort_keys=False) for record in records]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def shown_question(command: str, question: str) -> str:
    """How a report names a question, as its member asked it: `who said border czar`, `border czar` for ask."""
    text = visible(question)
    return f"who said {text}" if command == "who" else text
