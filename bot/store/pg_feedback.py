"""What members could not find, in PostgreSQL: the `GuildStore` feedback methods of `PostgresGuildStore`.

Every write is one statement, safe to run again after a dropped connection (the store's `run` may): an answer or
a question is keyed by the id of what asked, a vote by (answer, page, voter). Votes of a purged answer go with it
(ON DELETE CASCADE), also when the purge and a vote meet.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import asyncpg

from bot.core.feedback import ShownAnswer, Unanswered, VoteChoice, VoteOutcome
from bot.core.feedback_report import AnswerGroup, UnansweredGroup, answer_group, as_utc, unanswered_groups
from bot.store import feedback_sql as sql

T = TypeVar("T")

# One statement: the vote is kept only if its answer is (the same server's, not older than `not_before`); a second
# vote of the same member on the same page replaces the first.
VOTE = """
INSERT INTO feedback_votes (answer_id, page, voter_id, vote, voted_at)
SELECT answer_id, page, $1::bigint, $2::smallint, $3::timestamptz FROM feedback_answers
WHERE answer_id = $4 AND page = $5 AND guild_id = $6 AND asked_at >= $7
ON CONFLICT (answer_id, page, voter_id) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at
"""


def _changed(status: str) -> int:
    """The row count of a command status such as `INSERT 0 1` or `DELETE 3`."""
    return int(status.rsplit(" ", 1)[-1])


class PostgresFeedback:
    """Mixin of PostgresGuildStore: needs its `run`."""

    run: Callable[[str, Callable[[asyncpg.Connection], Awaitable[Any]]], Awaitable[Any]]

    async def record_answer(self, answer: ShownAnswer) -> None:
        """Keep one page of an answer as it was shown (again: nothing happens)."""
        values = (answer.answer_id, answer.page, answer.guild_id, as_utc(answer.at), answer.command, answer.question)
        statement = sql.numbered(sql.RECORD_ANSWER)
        await self.run(
            "recording an answer",
            lambda connection: connection.execute(statement, *values, answer.passages_json, answer.settings),
        )

    async def record_unanswered(self, question: Unanswered) -> None:
        """Keep a question that found nothing, with the reason."""
        values = (question.question_id, question.guild_id, as_utc(question.at), question.command, question.question)
        statement = sql.numbered(sql.RECORD_UNANSWERED)
        await self.run(
            "recording a question that found nothing",
            lambda connection: connection.execute(statement, *values, question.reason),
        )

    async def vote(
        self,
        guild_id: int,
        answer_id: int,
        page: int,
        voter_id: int,
        choice: VoteChoice | None,
        *,
        at: datetime,
        not_before: datetime,
    ) -> VoteOutcome:
        """Keep (or, with `choice` None, withdraw) one member's vote on one page of an answer, in one statement."""
        if choice is None:
            statement = sql.numbered(sql.WITHDRAW_VOTE)
            status = await self.run(
                "withdrawing a vote", lambda connection: connection.execute(statement, answer_id, page, voter_id)
            )
            return VoteOutcome.WITHDRAWN if _changed(status) else VoteOutcome.NOT_VOTED
        values = (voter_id, choice.value, as_utc(at), answer_id, page, guild_id, as_utc(not_before))
        try:
            status = await self.run("recording a vote", lambda connection: connection.execute(VOTE, *values))
        except asyncpg.ForeignKeyViolationError:  # the answer was purged while the vote was being written
            return VoteOutcome.UNKNOWN_ANSWER
        return VoteOutcome.RECORDED if _changed(status) else VoteOutcome.UNKNOWN_ANSWER

    async def unanswered_report(self, guild_id: int, since: datetime, limit: int | None) -> list[UnansweredGroup]:
        """The server's questions that found nothing since `since`, most frequent first (the first `limit`)."""
        values = (guild_id, as_utc(since), sql.EVERYTHING if limit is None else limit)
        statement = sql.numbered(sql.UNANSWERED_RANKED)
        rows = await self._fetch("reading the questions that found nothing", statement, values)
        return unanswered_groups(rows)

    async def answers_report(
        self, guild_id: int, since: datetime, limit: int | None, *, disliked_only: bool
    ) -> list[AnswerGroup]:
        """The server's answers shown since `since` with their votes, most 👎 first (with a 👎 only, if asked)."""
        values = (guild_id, as_utc(since), int(disliked_only), sql.EVERYTHING if limit is None else limit)
        rows = await self._fetch("reading the answers' votes", sql.numbered(sql.ANSWERS_RANKED), values)
        return [answer_group(row) for row in rows]

    async def feedback_guilds(self, since: datetime) -> list[int]:
        """The servers with feedback since `since`."""
        rows = await self._fetch(
            "listing the servers with feedback", sql.numbered(sql.FEEDBACK_GUILDS), (as_utc(since),) * 2
        )
        return [int(row[0]) for row in rows]

    async def purge_feedback(self, before: datetime) -> int:
        """Delete the questions, answers and votes older than `before`; how many questions and answers went."""

        async def transaction(connection: asyncpg.Connection) -> int:
            async with connection.transaction():
                answers = await connection.execute(sql.numbered(sql.PURGE[1]), as_utc(before))  # votes cascade
                questions = await connection.execute(sql.numbered(sql.PURGE[2]), as_utc(before))
                return _changed(answers) + _changed(questions)

        return int(await self.run("purging old feedback", transaction))

    async def _fetch(self, what: str, statement: str, values: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        records = await self.run(what, lambda connection: connection.fetch(statement, *values))
        return [tuple(record) for record in records]
