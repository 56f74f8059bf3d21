"""What members could not find, in SQLite: the `GuildStore` feedback methods of `GuildSettingsStore`.

Times are ISO text in UTC to the second (`2024-07-31T03:36:51+00:00`), one format throughout, so they compare as
text. Writes go through the store's one connection under its write lock; a vote is one statement. The records of
shown answers and unanswered questions are committed in groups: every record that arrives while a commit waits for
the lock joins it, so a busy server costs one fsync a group, not one an answer, and a settings change or a
moderation log line waits behind at most one group, never behind a backlog of answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

import aiosqlite

from bot.core.feedback import ShownAnswer, Unanswered, VoteChoice, VoteOutcome
from bot.core.feedback_report import AnswerGroup, UnansweredGroup, answer_group, as_utc, unanswered_groups
from bot.store import feedback_sql as sql

# One statement: the vote is kept only if its answer is (the same server's, not older than `not_before`); a second
# vote of the same member on the same page replaces the first.
VOTE = """
INSERT INTO feedback_votes (answer_id, page, voter_id, vote, voted_at)
SELECT answer_id, page, ?, ?, ? FROM feedback_answers
WHERE answer_id = ? AND page = ? AND guild_id = ? AND asked_at >= ?
ON CONFLICT (answer_id, page, voter_id) DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at
"""


def stored_time(moment: datetime) -> str:
    """A time as the SQLite store keeps it."""
    return as_utc(moment).isoformat(timespec="seconds")


Statement = tuple[str, tuple[object, ...]]


@dataclass
class GroupedWrite:
    """Inserts committed together in one transaction; `done` resolves (or fails) for all of them at once."""

    done: asyncio.Future[None]
    statements: list[Statement] = field(default_factory=list)
    started: bool = False  # once its commit has the lock, later inserts go to the next group
    task: asyncio.Task[None] | None = None


class SqliteFeedback:
    """Mixin of GuildSettingsStore: needs its `_connection` and `_writing` lock."""

    _connection: aiosqlite.Connection
    _writing: asyncio.Lock
    _grouped: GroupedWrite | None = None

    @contextlib.asynccontextmanager
    async def _committed(self) -> AsyncIterator[None]:
        """Commit what the block wrote, or roll it back if the block (or the commit) fails. Use it with `_writing`
        held: every write of the store, settings and feedback alike, goes through here."""
        try:
            yield
            await self._connection.commit()
        except BaseException:
            await self._connection.rollback()
            raise

    async def _write_grouped(self, statement: Statement) -> None:
        """Insert with whatever else is queued meanwhile, in one transaction (see the module's docstring); raises
        what the commit raised."""
        group = self._grouped
        if group is None or group.started:
            done = asyncio.get_running_loop().create_future()
            done.add_done_callback(lambda future: future.cancelled() or future.exception())  # never "unretrieved"
            group = self._grouped = GroupedWrite(done)
            group.task = asyncio.ensure_future(self._commit_group(group))
        group.statements.append(statement)
        await asyncio.shield(group.done)

    async def _commit_group(self, group: GroupedWrite) -> None:
        async with self._writing:
            group.started = True
            try:
                async with self._committed():
                    for sql_text, rows in itertools.groupby(group.statements, key=lambda statement: statement[0]):
                        await self._connection.executemany(sql_text, [parameters for _, parameters in rows])
            except BaseException as error:
                group.done.set_exception(error)
                if not isinstance(error, Exception):
                    raise
            else:
                group.done.set_result(None)

    async def _finish_grouped(self) -> None:
        """Wait for the group being committed, if any (before the connection closes)."""
        group = self._grouped
        if group is not None and group.task is not None:
            await asyncio.gather(group.task, return_exceptions=True)

    async def _write(self, *statements: tuple[str, tuple[object, ...]]) -> int:
        """Run the statements in one transaction; the rows the last one changed."""
        async with self._writing, self._committed():
            changed = 0
            for statement, parameters in statements:
                async with self._connection.execute(statement, parameters) as cursor:
                    changed = cursor.rowcount
        return changed

    async def record_answer(self, answer: ShownAnswer) -> None:
        """Keep one page of an answer as it was shown (again: nothing happens)."""
        values = (answer.answer_id, answer.page, answer.guild_id, stored_time(answer.at), answer.command)
        values += (answer.question, answer.passages_json, answer.settings)
        await self._write_grouped((sql.RECORD_ANSWER, values))

    async def record_unanswered(self, question: Unanswered) -> None:
        """Keep a question that found nothing, with the reason."""
        values = (question.question_id, question.guild_id, stored_time(question.at), question.command)
        values += (question.question, question.reason)
        await self._write_grouped((sql.RECORD_UNANSWERED, values))

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
            removed = await self._write((sql.WITHDRAW_VOTE, (answer_id, page, voter_id)))
            return VoteOutcome.WITHDRAWN if removed else VoteOutcome.NOT_VOTED
        parameters = (voter_id, choice.value, stored_time(at), answer_id, page, guild_id, stored_time(not_before))
        kept = await self._write((VOTE, parameters))
        return VoteOutcome.RECORDED if kept else VoteOutcome.UNKNOWN_ANSWER

    async def unanswered_report(self, guild_id: int, since: datetime, limit: int | None) -> list[UnansweredGroup]:
        """The server's questions that found nothing since `since`, most frequent first (the first `limit`)."""
        parameters = (guild_id, stored_time(since), sql.EVERYTHING if limit is None else limit)
        async with self._connection.execute(sql.UNANSWERED_RANKED, parameters) as cursor:
            return unanswered_groups(await cursor.fetchall())

    async def answers_report(
        self, guild_id: int, since: datetime, limit: int | None, *, disliked_only: bool
    ) -> list[AnswerGroup]:
        """The server's answers shown since `since` with their votes, most 👎 first (with a 👎 only, if asked)."""
        limit = sql.EVERYTHING if limit is None else limit
        parameters = (guild_id, stored_time(since), int(disliked_only), limit)
        async with self._connection.execute(sql.ANSWERS_RANKED, parameters) as cursor:
            return [answer_group(row) for row in await cursor.fetchall()]

    async def feedback_guilds(self, since: datetime) -> list[int]:
        """The servers with feedback since `since`."""
        async with self._connection.execute(sql.FEEDBACK_GUILDS, (stored_time(since),) * 2) as cursor:
            return [int(row[0]) for row in await cursor.fetchall()]

    async def purge_feedback(self, before: datetime) -> int:
        """Delete the questions, answers and votes older than `before`; how many questions and answers went."""
        cutoff = (stored_time(before),)
        async with self._writing, self._committed():
            removed = 0
            for number, statement in enumerate(sql.PURGE):
                async with self._connection.execute(statement, cutoff) as cursor:
                    removed += cursor.rowcount if number else 0
        return removed
