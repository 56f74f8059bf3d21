"""Find the source's private answer and its **Post in channel** button: the asker may share the answer once.

The post replies to the message that was checked (or stands alone when that message was deleted meanwhile), pings
nobody, and says who asked for it with a mention that does not notify (`allowed_mentions` none). A second press, or
two presses at once, post once: the others are told where the post is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord.answer_controls import AnswerControls
from bot.discord.context_select import ShownPassage

if TYPE_CHECKING:
    from bot.discord.app import StoryBot

log = logging.getLogger(__name__)

POST_LABEL, POSTED_LABEL = "Post in channel", "Posted"
CANNOT_POST = (
    "I can't post in this channel: I need View Channel, Send Messages, Embed Links and Read Message History here "
    "(a server admin can grant them)."
)


def posted_by(user_id: int) -> str:
    """The post's first line: who asked for it, as a mention that pings nobody (allowed mentions none)."""
    return f"Find the source, posted at the request of <@{user_id}>:"


class SourceAnswerControls(AnswerControls):
    """The private answer's controls: Post in channel (the asker), and the Context menu."""

    def __init__(
        self,
        bot: StoryBot,
        asker_id: int,
        embed: discord.Embed,
        target: discord.Message,
        passages: Sequence[ShownPassage],
        timeout: float,
    ) -> None:
        super().__init__(asker_id, bot.service, passages, timeout, slash=True)
        self.bot = bot
        self.embed = embed
        self.target = target
        self.passages = list(passages)
        self.posted: discord.Message | None = None
        self._posting = asyncio.Lock()

    @discord.ui.button(label=POST_LABEL, style=discord.ButtonStyle.primary, row=0)
    async def post(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Post the answer in the channel for everyone, once; then show the button as Posted."""
        await interaction.response.defer()
        async with self._posting:
            if self.posted is not None:
                await interaction.followup.send(f"Already posted: {self.posted.jump_url}", ephemeral=True)
                return
            problem = await self._allowed_here(interaction)
            if problem:
                await interaction.followup.send(problem, ephemeral=True)
                return
            try:
                self.posted = await self._send(interaction)
            except discord.Forbidden:
                await interaction.followup.send(CANNOT_POST, ephemeral=True)
                return
            button.disabled, button.label = True, POSTED_LABEL
            await interaction.edit_original_response(view=self)

    async def _allowed_here(self, interaction: discord.Interaction) -> str:
        """ "" when the channel still allows the bot's answers, else the reason (the allow-list may have changed)."""
        try:
            await self.bot.check_allowed_channel(interaction.guild, interaction.channel)
        except commands.CheckFailure as refused:
            return str(refused)
        return ""

    async def _send(self, interaction: discord.Interaction) -> discord.Message:
        """The post: a reply to the checked message (alone if it was deleted), with the Context menu."""
        channel = interaction.channel
        assert isinstance(channel, discord.abc.Messageable), "a context menu is used in a channel"
        view = AnswerControls(
            interaction.user.id,
            self.bot.service,
            self.passages,
            self.bot.settings.discord.page_timeout_seconds,
            slash=False,
        )
        view.message = await channel.send(
            posted_by(interaction.user.id),
            embed=self.embed,
            view=view if self.passages else discord.utils.MISSING,
            reference=self.target.to_reference(fail_if_not_exists=False),
            mention_author=False,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        return view.message
