"""👍 / 👎 under answers, and the questions that found nothing, recorded through the settings store.

The buttons are not part of any view's dispatch: a press is handled by the Feedback cog (bot/discord/cogs/feedback.py)
from its custom id (`sb:vote:<answer id>:<page>:up`), whatever view, if any, is still live on the answer. So they
keep working after **More passages** expired, after a restart, and on a slash answer whose 15-minute token is long
gone (each press is an interaction of its own); they are accepted for as long as the answer is kept
(`[feedback] retention_days`). Pressing one never counts as a press of More (whose life and checks are the asker's).

Recording never delays an answer: it happens after the answer is sent, in the background; a vote that arrives
before its answer's record is written waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta

import discord
from discord.ext import commands

from answers.engine import SearchResult
from bot.core.feedback import (
    ShownAnswer,
    Unanswered,
    VoteChoice,
    VoteOutcome,
    answer_settings,
    normalized_question,
    now,
    page_number,
    passages_of,
    reason_name,
)
from bot.core.questions import Question
from bot.core.settings import Settings
from bot.store import GuildStore

log = logging.getLogger(__name__)

# Answer ids are Discord snowflakes (below 2**63: at most 19 digits); pages count from 1 (at most 20 pages).
VOTE_ID = re.compile(r"sb:vote:(?P<answer>[1-9][0-9]{0,18}):(?P<page>[1-9][0-9]?):(?P<choice>up|down)")
WITHDRAW_ID = re.compile(r"sb:unvote:(?P<answer>[1-9][0-9]{0,18}):(?P<page>[1-9][0-9]?)")
WITHDRAW_LABEL = "Withdraw my vote"
DRAIN_SECONDS = 5.0  # how long closing waits for records still being written
# A vote on an answer asked this recently whose record is not written yet waits (at most RECORD_WAIT_SECONDS) for
# it: the member pressed as the answer arrived, before the bot went on to record it.
RECENT_ANSWER_SECONDS = 60.0
RECORD_WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class Press:
    """A press of a vote button (`choice`) or of the withdraw button (`choice` None)."""

    answer_id: int
    page: int
    choice: VoteChoice | None


def press_of(custom_id: str) -> Press | None:
    """The vote or withdrawal a component's custom id stands for (None: not one of these buttons)."""
    if found := VOTE_ID.fullmatch(custom_id):
        choice = VoteChoice.UP if found["choice"] == "up" else VoteChoice.DOWN
        return Press(int(found["answer"]), int(found["page"]), choice)
    if found := WITHDRAW_ID.fullmatch(custom_id):
        return Press(int(found["answer"]), int(found["page"]), None)
    return None


class FeedbackButton(discord.ui.Button):
    """A button the Feedback cog answers, never a view: not dispatchable, so a view holding it neither checks
    nor times out its presses (bot/discord/answer_controls.py's view holds the vote buttons of an answer)."""

    def is_dispatchable(self) -> bool:
        """Never dispatched through a view (see the class docstring)."""
        return False


class VoteButton(FeedbackButton):
    """👍 or 👎 under one page of an answer."""

    def __init__(self, choice: VoteChoice, answer_id: int, page: int) -> None:
        super().__init__(style=discord.ButtonStyle.secondary, emoji=choice.emoji)
        self.choice = choice
        self.point_at(answer_id, page)

    def point_at(self, answer_id: int, page: int) -> None:
        """Make the button vote on that page (the More button turned to it)."""
        self.custom_id = f"sb:vote:{answer_id}:{page}:{'up' if self.choice is VoteChoice.UP else 'down'}"


def withdraw_view(press: Press) -> discord.ui.View:
    """The button under a vote's private acknowledgement that withdraws it."""
    view = discord.ui.View(timeout=None)
    button = FeedbackButton(style=discord.ButtonStyle.secondary, label=WITHDRAW_LABEL)
    button.custom_id = f"sb:unvote:{press.answer_id}:{press.page}"
    view.add_item(button)
    return view


def asked_id(ctx: commands.Context) -> int:
    """The id of what asked: the slash command's interaction, else the member's message (unique, known before the
    answer is sent, and not a member's id)."""
    return ctx.interaction.id if ctx.interaction is not None else ctx.message.id


class FeedbackRecorder:
    """Records answers and questions for one bot, and votes on them, through its store."""

    def __init__(self, settings: Settings, store: GuildStore) -> None:
        self.settings = settings
        self.store = store
        self._pending: dict[tuple[int, int], asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def enabled(self) -> bool:
        """Whether feedback is collected (`[feedback] enabled`)."""
        return self.settings.feedback.enabled

    def vote_buttons(self, guild_id: int | None, answer_id: int) -> list[VoteButton]:
        """👍 and 👎 for the first page of an answer; none when feedback is off or outside a server."""
        if not self.enabled or guild_id is None:
            return []
        return [VoteButton(VoteChoice.UP, answer_id, 1), VoteButton(VoteChoice.DOWN, answer_id, 1)]

    def shown(
        self,
        guild_id: int | None,
        answer_id: int,
        command: str,
        question: Question,
        result: SearchResult,
        results: int,
        buttons: list[VoteButton],
    ) -> None:
        """A page of an answer was (or is about to be) shown under `buttons`: point them at it and record it."""
        if not buttons or guild_id is None or not result.hits:
            return
        page = page_number(result, results)
        for button in buttons:
            button.point_at(answer_id, page)
        answer = ShownAnswer(
            guild_id,
            answer_id,
            page,
            command,
            normalized_question(question),
            passages_of(result),
            answer_settings(self.settings, results),
            now(),
        )
        self._pending[(answer_id, page)] = self._background(self.store.record_answer(answer), "an answer")
        self._pending[(answer_id, page)].add_done_callback(lambda _: self._pending.pop((answer_id, page), None))

    def unanswered(
        self, guild_id: int | None, question_id: int, command: str, question: Question, result: SearchResult
    ) -> None:
        """A question found nothing or was refused: record it with the reason (not outside a server)."""
        if not self.enabled or guild_id is None or question.empty:
            return
        text = normalized_question(question)
        if text:
            record = Unanswered(question_id, guild_id, command, text, reason_name(result.no_match), now())
            self._background(self.store.record_unanswered(record), "a question that found nothing")

    async def vote(self, guild_id: int, voter_id: int, press: Press) -> VoteOutcome:
        """Keep (or withdraw) a member's vote; an answer still being recorded is waited for first. Raises what the
        store raises when the database fails."""
        await self._recorded(press, wait=0.0)
        outcome = await self._vote(guild_id, voter_id, press)
        asked_at = discord.utils.snowflake_time(press.answer_id)
        recent = (discord.utils.utcnow() - asked_at).total_seconds() < RECENT_ANSWER_SECONDS
        unknown = outcome is VoteOutcome.UNKNOWN_ANSWER and press.choice is not None
        if unknown and recent and await self._recorded(press, wait=RECORD_WAIT_SECONDS):
            outcome = await self._vote(guild_id, voter_id, press)
        return outcome

    async def _vote(self, guild_id: int, voter_id: int, press: Press) -> VoteOutcome:
        moment = now()
        not_before = moment - timedelta(days=self.settings.feedback.retention_days)
        return await self.store.vote(
            guild_id, press.answer_id, press.page, voter_id, press.choice, at=moment, not_before=not_before
        )

    async def _recorded(self, press: Press, wait: float) -> bool:
        """Wait for the answer page's record if it is being written (or, up to `wait` seconds, until it starts
        being written); whether there was one."""
        key = (press.answer_id, press.page)
        deadline = asyncio.get_running_loop().time() + wait
        while key not in self._pending:
            if asyncio.get_running_loop().time() >= deadline:
                return False
            await asyncio.sleep(0.05)
        with contextlib.suppress(Exception):
            await asyncio.shield(self._pending[key])
        return True

    async def drain(self) -> None:
        """Wait (a few seconds at most) for the records still being written: before the store closes."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=DRAIN_SECONDS)

    def _background(self, writing: Awaitable[None], what: str) -> asyncio.Task[None]:
        async def write() -> None:
            try:
                await writing
            except Exception as error:  # the answer was sent; a lost record is one warning line, never a reply
                log.warning("could not record %s: %s", what, " ".join(str(error).splitlines()) or type(error).__name__)

        task = asyncio.create_task(write())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
