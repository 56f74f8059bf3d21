"""The "More passages" button under an answer: only the member who asked can press it, presses turn one page each in
order, and it expires with a last edit that Discord still accepts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from answers.engine import SearchResult

log = logging.getLogger(__name__)

PageLoader = Callable[[int], Awaitable[tuple[SearchResult, discord.Embed]]]
# An interaction token (what edits a slash answer) works for 15 minutes after its interaction. A button on a slash
# answer expires with a margin before that, counted from the last press, whose token makes the expiry edit.
INTERACTION_TOKEN_SECONDS = 15 * 60.0
TOKEN_MARGIN_SECONDS = 60.0
MORE_LABEL, NO_MORE_LABEL, EXPIRED_LABEL = "More passages", "No more passages", "Expired"


def button_lifetime(wanted: float, *, slash: bool) -> float:
    """How long the button stays live: as configured, but for a slash answer inside its interaction token's life."""
    return min(wanted, INTERACTION_TOKEN_SECONDS - TOKEN_MARGIN_SECONDS) if slash else wanted


class MorePassages(discord.ui.View):
    """Pages through further results of one question by editing the answer in place.

    Presses are served one at a time: two quick presses show the next two pages, never the same page twice with one
    skipped. `message` is the answer; for a prefix answer (a channel message) the expiry edit goes through the
    channel, for a slash answer through the token of the newest interaction (the answer's, then each press's).
    `beside` are buttons shown next to More that this view never dispatches (the 👍 / 👎 of bot/discord/feedback.py):
    they stay as they are when More turns a page or expires.
    """

    def __init__(
        self,
        asker_id: int,
        loader: PageLoader,
        next_offset: int,
        pages_left: int,
        timeout: float,
        *,
        slash: bool,
        beside: Sequence[discord.ui.Item] = (),
    ) -> None:
        super().__init__(timeout=button_lifetime(timeout, slash=slash))
        for item in beside:
            self.add_item(item)
        self.asker_id = asker_id
        self.loader = loader
        self.next_offset = next_offset
        self.pages_left = pages_left
        self.slash = slash
        self.message: discord.Message | discord.InteractionMessage | discord.WebhookMessage | None = None
        self.exhausted = False
        self._turning = asyncio.Lock()
        self._newest_press: discord.Interaction | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the member who asked pages through the answer; others are told so privately."""
        if interaction.user.id == self.asker_id:
            return True
        await interaction.response.send_message(
            "Only the member who asked can page through this answer; ask your own question to get yours.",
            ephemeral=True,
        )
        return False

    @discord.ui.button(label=MORE_LABEL, style=discord.ButtonStyle.secondary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Show the next page in place of this one (or say there is none, and disable the button)."""
        try:
            await interaction.response.defer()
        except discord.NotFound:  # the answer was deleted (or the press came too late): nothing left to page
            self.stop()
            return
        self._newest_press = interaction  # its token is good for 15 minutes: the expiry edit uses the newest
        async with self._turning:
            if self.exhausted:  # an earlier press, queued before this one, already showed the last page
                return
            result, embed = await self.loader(self.next_offset)
            changes: dict[str, Any] = {}
            if result.hits:
                self.next_offset += len(result.hits)
                self.pages_left -= 1
                changes["embed"] = embed
            if not result.hits or not result.has_more or self.pages_left <= 0:
                self.exhausted = True
                self.stop()
            self._show(MORE_LABEL if not self.exhausted else NO_MORE_LABEL, disabled=self.exhausted)
            await interaction.edit_original_response(**changes, view=self)

    async def on_timeout(self) -> None:
        """Expired: disable the button so nobody presses a dead one."""
        self._show(EXPIRED_LABEL, disabled=True)
        try:
            if self.slash and self._newest_press is not None:
                await self._newest_press.edit_original_response(view=self)
            elif self.message is not None:
                await self.message.edit(view=self)
        except discord.NotFound:
            log.debug("the answer with an expired More button was deleted")
        except discord.HTTPException as error:
            log.warning("could not disable an expired More button (%s %s): %s", error.status, error.code, error.text)

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        """Discord refusing an edit is one warning line; anything else is a bug, logged with its traceback."""
        if isinstance(error, discord.HTTPException):
            log.warning(
                "could not turn the page of an answer in channel %s (%s %s): %s",
                interaction.channel_id,
                error.status,
                error.code,
                error.text,
            )
        else:
            log.error("the More button failed (channel %s)", interaction.channel_id, exc_info=error)

    def _show(self, label: str, *, disabled: bool) -> None:
        self.more.label, self.more.disabled = label, disabled
