"""Replies meant for one member only (errors, refusals, help, "nothing found"), sent the same way everywhere.

A slash command's are ephemeral: only the member sees them. A prefix command cannot be answered privately in the
channel, so its are deleted after PRIVATE_REPLY_SECONDS: long enough to read the help, short enough not to litter
a busy channel. Not DMs: many members refuse DMs from server members (Discord answers 50007), and a reply in the
channel is where the member is looking.
"""

from __future__ import annotations

from typing import Any

import discord
from discord.ext import commands

PRIVATE_REPLY_SECONDS = 120.0


async def send_private(ctx: commands.Context, content: str | None = None, **options: Any) -> discord.Message:
    """Send `content` (and embed=…) to the member who used the command, as privately as the command allows."""
    if ctx.interaction is not None:
        return await ctx.send(content, ephemeral=True, **options)
    return await ctx.send(content, delete_after=PRIVATE_REPLY_SECONDS, **options)


async def send_private_to_interaction(interaction: discord.Interaction, content: str) -> None:
    """An ephemeral reply to an interaction, whether or not it was answered or deferred already."""
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True)
    else:
        await interaction.response.send_message(content, ephemeral=True)
