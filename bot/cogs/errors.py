"""One central error handler: every failure becomes a short, friendly reply; the full context goes to the log."""

from __future__ import annotations

import logging
import math

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import ChannelNotAllowed, StoryBot
from bot.embeds import shorten
from bot.permissions import GuildOnly, NotAdmin, NotModerator

log = logging.getLogger(__name__)

GENERIC_FAILURE = "Sorry, something went wrong on my side. It has been logged; please try again in a moment."


def friendly_message(error: Exception, prefix: str = "!") -> str | None:
    """The reply for an error (None: stay silent)."""
    if isinstance(error, commands.HybridCommandError):
        error = error.original
    if isinstance(error, commands.CommandInvokeError | app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, commands.CommandNotFound):
        return None
    if isinstance(error, commands.CommandOnCooldown):
        wait = math.ceil(error.retry_after)
        if error.type is commands.BucketType.guild:
            return f"This server is asking a lot right now: try again in {wait} s."
        return f"You're asking quickly: try again in {wait} s."
    if isinstance(error, NotModerator | NotAdmin | GuildOnly | ChannelNotAllowed):
        return str(error)
    if isinstance(error, commands.NoPrivateMessage):
        return "That works in a server, not in direct messages."
    if isinstance(error, commands.MissingRequiredArgument | commands.MissingRequiredAttachment):
        return f"Missing `{error.param.name}`. Type `{prefix}help` for how to use the commands."
    if isinstance(error, commands.BadArgument | commands.BadUnionArgument | commands.TooManyArguments):
        return shorten(f"I couldn't read that: {discord.utils.escape_markdown(str(error))}", 500)
    if isinstance(error, commands.CheckFailure):
        return "You can't use that command here."
    return None if isinstance(error, commands.UserInputError) else GENERIC_FAILURE


class Errors(commands.Cog):
    """Handles errors of every command, prefix or slash."""

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        bot.tree.on_error = self.on_app_command_error

    @commands.Cog.listener()
    async def on_command_error(self, ctx: commands.Context, error: commands.CommandError) -> None:
        """Reply briefly (privately for slash commands) and log unexpected failures with their context."""
        message = friendly_message(error, ctx.clean_prefix if ctx.prefix else "!")
        if message == GENERIC_FAILURE:
            log.error(
                "command %r failed (guild %s, channel %s, user %s, message %r)",
                ctx.command.qualified_name if ctx.command else None,
                ctx.guild.id if ctx.guild else None,
                ctx.channel.id if ctx.channel else None,
                ctx.author.id,
                ctx.message.content[:200] if ctx.message else None,
                exc_info=error,
            )
        if message is None:
            return
        if isinstance(error, ChannelNotAllowed) and ctx.interaction is None:
            return  # prefix commands in other channels are ignored quietly, as if the bot weren't there
        try:
            await ctx.send(message, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not send the error reply", exc_info=True)

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Errors of pure slash commands and autocomplete (hybrid commands go through on_command_error)."""
        message = friendly_message(error)
        if message == GENERIC_FAILURE:
            log.error("slash command failed (user %s)", interaction.user.id, exc_info=error)
        if message is None:
            return
        try:
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True)
            else:
                await interaction.response.send_message(message, ephemeral=True)
        except discord.HTTPException:
            log.warning("could not send the error reply", exc_info=True)


async def setup(bot: StoryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Errors(bot))
