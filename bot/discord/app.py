"""The Discord bot: an AutoShardedBot whose cogs adapt Discord to the story service, never pinging anyone."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import OrderedDict

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.service import StoryService
from bot.core.settings import Settings
from bot.core.shards import (
    HEARTBEAT_FILE,
    shard_label,
    shard_options,
    shard_states,
    status_file,
    syncs_commands,
    write_status,
)
from bot.discord.command_sync import sync_if_changed
from bot.discord.cooldowns import AskCooldowns
from bot.discord.feedback import FeedbackRecorder
from bot.discord.permissions import GuildOnly, is_admin
from bot.store import GuildStore

log = logging.getLogger(__name__)

__all__ = ["HEARTBEAT_FILE", "HEARTBEAT_SECONDS", "StoryBot"]
HEARTBEAT_SECONDS = 30.0
EXTENSIONS = (
    "bot.discord.cogs.asking",
    "bot.discord.cogs.finding",
    "bot.discord.cogs.moderation",
    "bot.discord.cogs.guild_config",
    "bot.discord.cogs.settings_upkeep",
    "bot.discord.cogs.cluster",
    "bot.discord.cogs.feedback",
    "bot.discord.cogs.errors",
)
# How many message ids `on_message` remembers to answer a redelivered message once (minutes of a busy bot).
RECENT_MESSAGE_IDS = 10_000
# Commands that still work where the channel allow-list or DMs would otherwise stop them.
ANYWHERE_COMMANDS = {"help"}
ALLOWED_SHOWN = 20  # channels named in a refusal (the list may hold 50)
STALE_ALLOW_LIST = "stale_allow_list"  # dispatched when no listed channel can be found: upkeep checks with Discord


class ChannelNotAllowed(commands.CheckFailure):
    """The guild's admins chose other channels for the bot (`channels`: those of them that still exist)."""

    def __init__(self, channels: tuple[int, ...]) -> None:
        self.channels = channels
        if channels:
            shown = ", ".join(f"<#{channel}>" for channel in channels[:ALLOWED_SHOWN])
            more = f" and {len(channels) - ALLOWED_SHOWN} more" if len(channels) > ALLOWED_SHOWN else ""
            super().__init__(f"I only answer in {shown}{more}.")
        else:
            super().__init__(
                "I only answer in channels that can't be found any more (deleted?): "
                "an admin can fix that with `config channels clear`."
            )


def intents() -> discord.Intents:
    """Guilds, guild messages and the privileged message-content intent (prefix commands need it; slash don't)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = True
    return wanted


class StoryBot(commands.AutoShardedBot):
    """storybot on Discord."""

    def __init__(self, settings: Settings, service: StoryService, guild_store: GuildStore, **options) -> None:
        super().__init__(
            command_prefix=self._prefix_for,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **{**shard_options(settings), **options},
        )
        self.settings = settings
        self.service = service
        self.guild_store = guild_store
        self.ask_cooldowns = AskCooldowns(settings.discord)
        self.feedback = FeedbackRecorder(
            settings, guild_store
        )  # 👍 / 👎 and what found nothing (bot/discord/feedback.py)
        # Slash commands are offered in servers only: the story, its moderators and its settings are per server.
        self.tree.allowed_contexts = app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False)
        self.add_check(self._channel_allowed)

    async def setup_hook(self) -> None:
        """Load one cog per concern, then sync slash commands if they changed since the last sync (the process
        running shard 0 does it for the whole cluster)."""
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if syncs_commands(self.settings):
            await sync_if_changed(self, self.settings, force=False)
        else:
            log.info("running %s: the process running shard 0 syncs the slash commands", shard_label(self.settings))
        self._heartbeat_task = asyncio.create_task(self._heartbeat())

    async def close(self) -> None:
        """Close Discord, then the settings database."""
        task = getattr(self, "_heartbeat_task", None)
        if task is not None:
            task.cancel()
        await super().close()
        await self.feedback.drain()
        await self.guild_store.close()

    async def _heartbeat(self) -> None:
        """Rewrite this process's status file while connected, for `python -m bot health` (the HEALTHCHECK)."""
        while True:
            if self.is_ready() and not self.is_closed():
                await self.record_status()
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def record_status(self) -> None:
        """Write the time and each shard's connection and latency to the status file (bot/core/shards.py)."""
        closed = [shard_id for shard_id, shard in self.shards.items() if shard.is_closed()]
        states = shard_states(self.latencies, closed)
        await asyncio.to_thread(write_status, status_file(self.settings), self.shard_count, states)

    async def _prefix_for(self, bot: commands.Bot, message: discord.Message) -> list[str]:
        guild_settings = await self.guild_store.get(message.guild.id if message.guild else None)
        return commands.when_mentioned_or(guild_settings.prefix)(bot, message)

    @functools.cached_property
    def _delivered_messages(self) -> OrderedDict[int, None]:
        """The ids of the latest messages seen, oldest first (at most RECENT_MESSAGE_IDS)."""
        return OrderedDict()

    async def on_message(self, message: discord.Message) -> None:
        """Ignore bots (this one included) and a message delivered again (the gateway may redeliver an event, e.g.
        after a resume: it is answered once); everything else may be a command."""
        if message.author.bot:
            return
        delivered = self._delivered_messages
        if message.id in delivered:
            log.info("ignored a second delivery of message %s in channel %s", message.id, message.channel.id)
            return
        delivered[message.id] = None
        if len(delivered) > RECENT_MESSAGE_IDS:
            delivered.popitem(last=False)
        await self.process_commands(message)

    async def _channel_allowed(self, ctx: commands.Context) -> bool:
        """The guild's channel allow-list, for prefix and slash commands alike; admins always reach `config`."""
        command = ctx.command.root_parent or ctx.command if ctx.command else None
        if command is not None and command.name in ANYWHERE_COMMANDS:
            return True
        if ctx.guild is None:
            raise GuildOnly("I answer in servers only: ask me in a channel of your server.")
        if command is not None and command.name == "config" and is_admin(ctx.author):
            return True
        await self.check_allowed_channel(ctx.guild, ctx.channel)
        return True

    async def check_allowed_channel(self, guild: discord.Guild | None, channel: object) -> None:
        """Raise ChannelNotAllowed unless the guild's allow-list admits the channel (GuildOnly in a DM): the check
        of every member command, also for what discord.py's global check does not see (a context menu, a button)."""
        if guild is None:
            raise GuildOnly("I answer in servers only: ask me in a channel of your server.")
        guild_settings = await self.guild_store.get(guild.id)
        if channel_allowed(channel, guild_settings.channels):  # type: ignore[arg-type]
            return
        existing = tuple(c for c in guild_settings.channels if guild.get_channel_or_thread(c) is not None)
        if not existing:
            # Deleted while the bot was away, or archived threads: settings upkeep asks Discord which, and forgets
            # the deleted ones (an empty list answers everywhere). Until then, stay where the admins said.
            self.dispatch(STALE_ALLOW_LIST, guild)
        raise ChannelNotAllowed(existing)


def channel_allowed(channel: discord.abc.Messageable | None, allowed: tuple[int, ...]) -> bool:
    """Whether a channel (or a thread, through its parent) is on the allow-list; an empty list allows all."""
    if not allowed:
        return True
    if channel is None:
        return False
    parent_id = getattr(channel, "parent_id", None) if isinstance(channel, discord.Thread) else None
    return getattr(channel, "id", None) in allowed or (parent_id is not None and parent_id in allowed)
