"""What members could not find: presses of 👍 / 👎 under answers, `report` for moderators, and the purge of old
feedback. The buttons themselves and the recording are bot/discord/feedback.py's."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.core.commands import discord_options
from bot.core.feedback import MAX_REPORT_DAYS, REPORT_DAYS, VoteOutcome, cutoff
from bot.discord.app import StoryBot
from bot.discord.feedback import Press, press_of, withdraw_view
from bot.discord.feedback_report import SHOWN_LINES, report_embeds
from bot.discord.permissions import moderator_only
from bot.discord.replies import send_private
from bot.store import StoreUnavailable
from bot.store.reports import feedback_report

log = logging.getLogger(__name__)

# A press is acknowledged at once when the database answers within this; else it is deferred (Discord's 3 s).
DEFER_AFTER_SECONDS = 1.0
PURGE_HOURS = 6.0
COULD_NOT_RECORD = "I couldn't record your vote right now (my database is away); please try again in a minute."
FEEDBACK_OFF = "Feedback is switched off on this bot: nothing was recorded."
REPORT_AWAY = "I can't reach my database right now, so there is no report; please try again in a minute."


def acknowledgement(press: Press, outcome: VoteOutcome, retention_days: int) -> str:
    """What the member who pressed reads (privately)."""
    if outcome is VoteOutcome.RECORDED and press.choice is not None:
        other = "👎" if press.choice.emoji == "👍" else "👍"
        return (
            f"Your vote on this answer: {press.choice.emoji}. Thank you: it shows the moderators which answers "
            f"missed. Press {other} to change it."
        )
    if outcome is VoteOutcome.WITHDRAWN:
        return "Your vote on this answer is withdrawn."
    if outcome is VoteOutcome.NOT_VOTED:
        return "You have no vote on this answer to withdraw."
    return (
        f"This answer can't take votes any more: answers are kept {retention_days} days (or it was given while my "
        "database was away). Ask again to vote on a new answer."
    )


class Feedback(commands.Cog):
    """Votes under answers and the moderators' report."""

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Purge feedback past its retention now and every few hours."""
        self.purge.start()

    async def cog_unload(self) -> None:
        """Stop purging."""
        self.purge.cancel()

    @tasks.loop(hours=PURGE_HOURS)
    async def purge(self) -> None:
        """Delete questions, answers and votes older than `[feedback] retention_days` (also when collection is off:
        what was kept still goes when its time is up)."""
        try:
            removed = await self.bot.feedback.store.purge_feedback(cutoff(self.bot.settings.feedback.retention_days))
        except Exception as error:  # the database away: the next round tries again
            log.warning("could not purge old feedback: %s", " ".join(str(error).splitlines()) or type(error).__name__)
            return
        if removed:
            log.info("purged %d questions and answers older than the feedback retention", removed)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A press of 👍, 👎 or "Withdraw my vote", whatever view (if any) is live on its message."""
        if interaction.type is not discord.InteractionType.component or interaction.guild_id is None:
            return
        press = press_of(str((interaction.data or {}).get("custom_id", "")))
        if press is None:
            return
        if not self.bot.feedback.enabled:
            await interaction.response.send_message(FEEDBACK_OFF, ephemeral=True)
            return
        voting = asyncio.ensure_future(self.bot.feedback.vote(interaction.guild_id, interaction.user.id, press))
        done, _ = await asyncio.wait({voting}, timeout=DEFER_AFTER_SECONDS)
        deferred = not done
        if deferred:
            with contextlib.suppress(discord.NotFound):  # too late already: the vote is still kept
                await interaction.response.defer(ephemeral=True, thinking=press.choice is not None)
        try:
            outcome = await voting
        except Exception as error:
            describe = " ".join(str(error).splitlines()) or type(error).__name__
            if isinstance(error, StoreUnavailable | OSError) or "database" in describe.lower():
                log.warning("could not record a vote in guild %s: %s", interaction.guild_id, describe)
            else:
                log.error("could not record a vote in guild %s", interaction.guild_id, exc_info=error)
            await self._reply(interaction, press, COULD_NOT_RECORD, deferred=deferred, view=None)
            return
        retention = self.bot.settings.feedback.retention_days
        view = withdraw_view(press) if outcome is VoteOutcome.RECORDED else None
        await self._reply(interaction, press, acknowledgement(press, outcome, retention), deferred=deferred, view=view)

    async def _reply(
        self, interaction: discord.Interaction, press: Press, text: str, *, deferred: bool, view: discord.ui.View | None
    ) -> None:
        """A vote's acknowledgement, privately; a withdrawal replaces the acknowledgement it was pressed under."""
        try:
            if press.choice is None:  # pressed under the private acknowledgement: update it in place
                if deferred:
                    await interaction.edit_original_response(content=text, view=None)
                else:
                    await interaction.response.edit_message(content=text, view=None)
                return
            if deferred:
                await interaction.edit_original_response(content=text, view=view or discord.utils.MISSING)
            else:
                await interaction.response.send_message(text, view=view or discord.utils.MISSING, ephemeral=True)
        except discord.HTTPException as error:
            log.warning("could not answer a vote in guild %s: %s %s", interaction.guild_id, error.status, error.text)

    @commands.hybrid_command(**discord_options("report"))
    @app_commands.describe(days=f"how many days back, 1–{MAX_REPORT_DAYS} (default {REPORT_DAYS})")
    @moderator_only()
    async def report(self, ctx: commands.Context, days: commands.Range[int, 1, MAX_REPORT_DAYS] = REPORT_DAYS) -> None:
        """The questions that found nothing and the answers with the most 👎, most frequent first, each counted."""
        assert ctx.guild is not None, "moderator_only refuses DMs"
        if ctx.interaction is not None:
            await ctx.defer(ephemeral=True)
        settings = self.bot.settings.feedback
        try:
            found = await feedback_report(
                self.bot.feedback.store, ctx.guild.id, days, settings.retention_days, SHOWN_LINES
            )
        except StoreUnavailable as error:
            log.warning("report in guild %s: %s", ctx.guild.id, error)
            await send_private(ctx, REPORT_AWAY)
            return
        embeds = report_embeds(found, enabled=settings.enabled, retention_days=settings.retention_days)
        await send_private(ctx, embeds=embeds)


async def setup(bot: StoryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Feedback(bot))
