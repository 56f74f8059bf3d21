"""The "More" button under an answer: only the member who asked can press it, and it expires."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

import discord

from index.engine import SearchResult

PageLoader = Callable[[int], Awaitable[tuple[SearchResult, discord.Embed]]]


class MorePassages(discord.ui.View):
    """Pages through further results of one question by editing the answer in place."""

    def __init__(self, asker_id: int, loader: PageLoader, next_offset: int, pages_left: int, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.asker_id = asker_id
        self.loader = loader
        self.next_offset = next_offset
        self.pages_left = pages_left
        self.message: discord.Message | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the member who asked pages through the answer; others are told so privately."""
        if interaction.user.id == self.asker_id:
            return True
        await interaction.response.send_message(
            "Only the member who asked can page through this answer; ask your own question to get yours.",
            ephemeral=True,
        )
        return False

    @discord.ui.button(label="More passages", style=discord.ButtonStyle.secondary)
    async def more(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Show the next page in place of this one."""
        await interaction.response.defer()
        result, embed = await self.loader(self.next_offset)
        self.next_offset += len(result.hits)
        self.pages_left -= 1
        if not result.has_more or self.pages_left <= 0:
            button.disabled = True
            button.label = "No more passages"
            self.stop()
        await interaction.edit_original_response(embed=embed, view=self)

    async def on_timeout(self) -> None:
        """Expired: disable the button so nobody presses a dead one."""
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
                item.label = "Expired"
        if self.message is not None:
            with contextlib.suppress(discord.HTTPException):
                await self.message.edit(view=self)
