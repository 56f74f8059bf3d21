"""The controls under an answer: **More passages** (only the member who asked; presses turn one page each, in
order) and the **Context** menu (anyone; bot/discord/context_select.py), beside the 👍 / 👎 votes when feedback is on.
The controls expire together, with a last edit that Discord still accepts; the votes stay."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import discord

from answers.engine import SearchResult
from bot.discord.context_select import PassageContextSelect, ShownPassage, shown_passages

if TYPE_CHECKING:
    from bot.core.service import StoryService

log = logging.getLogger(__name__)

PageLoader = Callable[[int], Awaitable[tuple[SearchResult, discord.Embed]]]
# An interaction token (what edits a slash answer) works for 15 minutes after its interaction. Controls on a slash
# answer expire with a margin before that, counted from the last press, whose token makes the expiry edit.
INTERACTION_TOKEN_SECONDS = 15 * 60.0
TOKEN_MARGIN_SECONDS = 60.0
MORE_LABEL, NO_MORE_LABEL, EXPIRED_LABEL = "More passages", "No more passages", "Expired"


def button_lifetime(wanted: float, *, slash: bool) -> float:
    """How long the controls stay live: as configured, but for a slash answer inside its interaction token's life."""
    return min(wanted, INTERACTION_TOKEN_SECONDS - TOKEN_MARGIN_SECONDS) if slash else wanted


class AnswerControls(discord.ui.View):
    """More passages (when `loader` is given) and the Context menu (when passages are shown), under one answer.

    Page turns are served one at a time: two quick presses show the next two pages, never the same page twice with
    one skipped; each turn lists the new page's passages in the Context menu. `message` is the answer; for a prefix
    answer (a channel message) the expiry edit goes through the channel, for an interaction's answer through the
    token of the newest interaction (the answer's, then each press's). `beside` are buttons shown with them that
    this view never dispatches (the 👍 / 👎 of bot/discord/feedback.py): they stay as they are when More turns a page
    or the controls expire.
    """

    def __init__(
        self,
        asker_id: int,
        service: StoryService,
        passages: Sequence[ShownPassage],
        timeout: float,
        *,
        slash: bool,
        loader: PageLoader | None = None,
        next_offset: int = 0,
        pages_left: int = 0,
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
        if loader is None:
            self.remove_item(self.more)
        self.context: PassageContextSelect | None = None
        if passages:
            self.context = PassageContextSelect(service, passages)
            self.add_item(self.context)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Anyone may read a passage's context; only the member who asked uses the other controls (others are told
        so privately)."""
        if interaction.user.id == self.asker_id or self._is_context(interaction):
            # Every control answers by updating the answer, so this press's token edits it for 15 minutes: the
            # expiry edit uses the newest.
            self._newest_press = interaction
            return True
        await interaction.response.send_message(
            "Only the member who asked can page through this answer; ask your own question to get yours.",
            ephemeral=True,
        )
        return False

    def _is_context(self, interaction: discord.Interaction) -> bool:
        custom_id = (interaction.data or {}).get("custom_id")
        return self.context is not None and custom_id == self.context.custom_id

    @discord.ui.button(label=MORE_LABEL, style=discord.ButtonStyle.secondary, row=0)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Show the next page in place of this one (or say there is none, and disable the button)."""
        try:
            await interaction.response.defer()
        except discord.NotFound:  # the answer was deleted (or the press came too late): nothing left to page
            self.stop()
            return
        assert self.loader is not None, "the More button exists only with a loader"
        async with self._turning:
            if self.exhausted:  # an earlier press, queued before this one, already showed the last page
                return
            result, embed = await self.loader(self.next_offset)
            changes: dict[str, Any] = {}
            if result.hits:
                if self.context is not None:
                    self.context.show(shown_passages(result.hits, result.offset + 1))
                self.next_offset += len(result.hits)
                self.pages_left -= 1
                changes["embed"] = embed
            if not result.hits or not result.has_more or self.pages_left <= 0:
                self.exhausted = True
            self._show_more(MORE_LABEL if not self.exhausted else NO_MORE_LABEL, disabled=self.exhausted)
            await interaction.edit_original_response(**changes, view=self)

    async def on_timeout(self) -> None:
        """Expired: disable every control so nobody presses a dead one."""
        if not self.exhausted:
            self._show_more(EXPIRED_LABEL, disabled=True)
        for item in self.children:
            if not item.is_dispatchable():  # the votes beside the controls: not this view's to expire
                continue
            if isinstance(item, discord.ui.Select):
                item.disabled, item.placeholder = True, EXPIRED_LABEL
            elif isinstance(item, discord.ui.Button):
                item.disabled = True
        try:
            if self.slash and self._newest_press is not None:
                await self._newest_press.edit_original_response(view=self)
            elif self.message is not None:
                await self.message.edit(view=self)
        except discord.NotFound:
            log.debug("the answer with expired controls was deleted")
        except discord.HTTPException as error:
            log.warning(
                "could not disable an answer's expired controls (%s %s): %s", error.status, error.code, error.text
            )

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        """Discord refusing an edit is one warning line; anything else is a bug, logged with its traceback."""
        if isinstance(error, discord.HTTPException):
            log.warning(
                "could not update an answer's controls in channel %s (%s %s): %s",
                interaction.channel_id,
                error.status,
                error.code,
                error.text,
            )
        else:
            log.error("an answer's control failed (channel %s)", interaction.channel_id, exc_info=error)

    def _show_more(self, label: str, *, disabled: bool) -> None:
        if self.loader is not None:
            self.more.label, self.more.disabled = label, disabled
