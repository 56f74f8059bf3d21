"""Confirm / Cancel under a change that would remove or change several articles: only the moderator who asked can
press them, and they expire (nothing changes then)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import discord
from discord.ext import commands

from bot.core.changes import ChangePlan, NeedsConfirmation
from bot.discord.embeds import shorten

T = TypeVar("T")
CONFIRM_TIMEOUT_SECONDS = 60.0
# A change is planned again after each confirmation; the corpus folder changing under it every time ends the attempt.
MAX_CONFIRMATIONS = 3


class ConfirmChange(discord.ui.View):
    """The two buttons under a change's plan; `confirmed` is True, False (cancelled) or None (expired, or not yet).

    A press answers at once by editing the question (buttons gone) and sets `decided`; the view stays alive until
    its timeout, so a second press already on its way (a double click) is told privately that it was decided.
    """

    def __init__(self, moderator_id: int, question: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.moderator_id = moderator_id
        self.question = question
        self.confirmed: bool | None = None
        self.decided = asyncio.Event()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only the moderator who asked decides, once; anyone else (or a second press) is told so privately."""
        if interaction.user.id != self.moderator_id:
            await interaction.response.send_message(
                "Only the moderator who asked for this change can confirm or cancel it.", ephemeral=True
            )
            return False
        if self.confirmed is not None:
            done = "confirmed" if self.confirmed else "cancelled"
            await interaction.response.send_message(f"This change was already {done}.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Go ahead with the change as shown."""
        await self._decide(interaction, True, "Confirmed; working on it…")

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        """Change nothing."""
        await self._decide(interaction, False, "Cancelled: nothing changed.")

    async def _decide(self, interaction: discord.Interaction, confirmed: bool, outcome: str) -> None:
        self.confirmed = confirmed
        self.decided.set()
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.edit_message(content=f"{self.question}\n{outcome}", view=None)

    async def on_timeout(self) -> None:
        """Expired: nothing was decided (or the decision is long done)."""
        self.decided.set()


@contextlib.asynccontextmanager
async def working(ctx: commands.Context) -> AsyncIterator[None]:
    """Show that slow work is under way: typing in the channel for a prefix command, a deferred answer for slash."""
    typing = ctx.typing()
    try:
        await typing.__aenter__()
    except discord.HTTPException:  # no permission to type: the work goes on all the same
        yield
        return
    try:
        yield
    finally:
        await typing.__aexit__(None, None, None)


async def ask(ctx: commands.Context, plan: ChangePlan) -> bool:
    """Show the plan with Confirm / Cancel and wait; True only when the moderator who asked confirmed in time."""
    question = shorten(plan.summary, 1_800)
    view = ConfirmChange(ctx.author.id, question, CONFIRM_TIMEOUT_SECONDS)
    message = await ctx.send(f"{question}\nConfirm within {CONFIRM_TIMEOUT_SECONDS:.0f} s?", view=view)
    await view.decided.wait()  # set by a press, or by the view's own timeout
    if view.confirmed is None:
        with contextlib.suppress(discord.HTTPException):
            await message.edit(content=f"{question}\nExpired: nothing changed.", view=None)
    return bool(view.confirmed)


async def with_confirmation(ctx: commands.Context, change: Callable[[frozenset[str]], Awaitable[T]]) -> T | None:
    """Run `change(confirmed ids)`, showing typing; when it needs confirmation, ask and run it again with the ids
    confirmed. None when nothing was done (cancelled, expired, or the folder kept changing; the reply is sent)."""
    confirmed: frozenset[str] = frozenset()
    for _ in range(MAX_CONFIRMATIONS):
        try:
            async with working(ctx):
                return await change(confirmed)
        except NeedsConfirmation as needed:
            if not await ask(ctx, needed.plan):
                return None
            confirmed = needed.plan.going
    await ctx.send("The corpus folder kept changing while you confirmed, so nothing changed; try again in a moment.")
    return None
