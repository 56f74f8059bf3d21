"""One central error handler: every failure becomes a short, friendly reply; the full context goes to the log."""

from __future__ import annotations

import logging
import math

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.app import ChannelNotAllowed, StoryBot
from bot.discord.cogs.asking import MissingEmbedLinks
from bot.discord.embeds import escape, shorten
from bot.discord.permissions import GuildOnly, NotAdmin, NotModerator
from bot.discord.replies import send_private, send_private_to_interaction
from bot.store import StoreUnavailable

log = logging.getLogger(__name__)

GENERIC_FAILURE = "Sorry, something went wrong on my side. It has been logged; please try again in a moment."
DATABASE_AWAY = "I can't reach my settings database right now, so nothing was changed; please try again in a minute."
# Discord's codes for "the bot may not do that here": Missing Access, Missing Permissions.
PERMISSION_CODES = (50001, 50013)


def unwrapped(error: BaseException) -> BaseException:
    """The error a command raised, out of discord.py's wrappers."""
    while isinstance(
        error, commands.HybridCommandError | commands.CommandInvokeError | app_commands.CommandInvokeError
    ):
        error = error.original
    return error


def refused_by_discord(error: BaseException) -> discord.Forbidden | None:
    """The 403 Discord answered when the bot lacks a permission in the channel (None for any other error)."""
    error = unwrapped(error)
    return error if isinstance(error, discord.Forbidden) and error.code in PERMISSION_CODES else None


def where(guild: discord.Guild | None, channel: object) -> str:
    """`guild Name (id), channel #name (id)` for a log line."""
    channel_name = getattr(channel, "name", None)
    channel_id = getattr(channel, "id", None)
    place = f"guild {guild.name!r} ({guild.id})" if guild else "a direct message"
    return f"{place}, channel #{channel_name} ({channel_id})" if channel_name else f"{place}, channel {channel_id}"


def friendly_message(error: Exception, prefix: str = "!") -> str | None:
    """The reply for an error (None: stay silent)."""
    error = unwrapped(error)
    if isinstance(error, commands.CommandNotFound):
        return None
    if isinstance(error, commands.CommandOnCooldown):
        wait = math.ceil(error.retry_after)
        if error.type is commands.BucketType.guild:
            return f"This server is asking a lot right now: try again in {wait} s."
        return f"You're asking quickly: try again in {wait} s."
    if isinstance(error, NotModerator | NotAdmin | GuildOnly | ChannelNotAllowed | MissingEmbedLinks):
        return str(error)
    if isinstance(error, commands.NoPrivateMessage):
        return "That works in a server, not in direct messages."
    if isinstance(error, commands.MissingRequiredArgument | commands.MissingRequiredAttachment):
        return f"Missing `{error.param.name}`. Type `{prefix}help` for how to use the commands."
    if isinstance(error, commands.BadArgument | commands.BadUnionArgument | commands.TooManyArguments):
        return shorten(f"I couldn't read that: {escape(str(error))}", 500)
    if isinstance(error, commands.CheckFailure):
        return "You can't use that command here."
    if isinstance(error, StoreUnavailable):  # PostgreSQL away (bot/store/postgres.py): cached settings keep serving
        return DATABASE_AWAY
    return None if isinstance(error, commands.UserInputError) else GENERIC_FAILURE


class Errors(commands.Cog):
    """Handles errors of every command, prefix or slash."""

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        bot.tree.on_error = self.on_app_command_error

    @commands.Cog.listener()
    async def on_command_error(self, ctx: commands.Context, error: commands.CommandError) -> None:
        """Reply briefly and privately (bot/discord/replies.py) and log unexpected failures with their context; a
        missing permission is one warning line naming the guild and channel."""
        if refused := refused_by_discord(error):
            log_missing_permission(ctx.guild, ctx.channel, refused)
            return
        message = friendly_message(error, ctx.clean_prefix if ctx.prefix else "!")
        if isinstance(unwrapped(error), MissingEmbedLinks):
            log.warning("no Embed Links permission in %s: answers cannot be shown there", where(ctx.guild, ctx.channel))
        if isinstance(unwrapped(error), StoreUnavailable):
            log.warning("%s failed in %s: %s", ctx.command, where(ctx.guild, ctx.channel), unwrapped(error))
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
            await send_private(ctx, message)
        except discord.Forbidden as refused:
            log_missing_permission(ctx.guild, ctx.channel, refused)
        except discord.HTTPException as failure:
            log.warning("could not send the error reply in %s: %s", where(ctx.guild, ctx.channel), failure)

    async def on_app_command_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Errors of pure slash commands and autocomplete (hybrid commands go through on_command_error)."""
        if refused := refused_by_discord(error):
            log_missing_permission(interaction.guild, interaction.channel, refused)
            return
        message = friendly_message(error)
        if message == GENERIC_FAILURE:
            log.error("slash command failed (user %s)", interaction.user.id, exc_info=error)
        if message is None:
            return
        try:
            await send_private_to_interaction(interaction, message)
        except discord.HTTPException as failure:
            place = where(interaction.guild, interaction.channel)
            log.warning("could not send the error reply in %s: %s", place, failure)


def log_missing_permission(guild: discord.Guild | None, channel: object, refused: discord.Forbidden) -> None:
    """One warning line: where the bot could not answer, and what Discord said."""
    log.warning(
        "cannot answer in %s: Discord refused (%s %s); give the bot View Channel, Send Messages and Embed Links there",
        where(guild, channel),
        refused.code,
        refused.text or "Missing Permissions",
    )


async def setup(bot: StoryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Errors(bot))
