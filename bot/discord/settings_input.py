"""Reading the channels and roles admins name in `config` commands, in the prefix and the slash form alike.

Each argument type is a prefix converter and a slash transformer at once. Nothing here refuses: a name that matches
nothing, a channel of another server, a deleted channel given by id all come back as a `Pick` the command explains.
`remove` takes mentions, ids and names of channels and roles that no longer exist, so nothing can get stuck on a list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.permissions import is_admin

MENTION = {"channel": re.compile(r"<#(\d{1,20})>"), "role": re.compile(r"<@&(\d{1,20})>")}
CHANNEL_LINK = re.compile(r"https://(?:\w+\.)?discord(?:app)?\.com/channels/\d{1,20}/(\d{1,20})/?")
BARE_ID = re.compile(r"\d{1,20}")
ANSWER_CHANNEL_TYPES = [
    discord.ChannelType.text,
    discord.ChannelType.news,
    discord.ChannelType.public_thread,
    discord.ChannelType.private_thread,
    discord.ChannelType.news_thread,
]
CHOICES = 25


@dataclass(frozen=True)
class Pick:
    """What an admin named: an id (None when nothing matched), the object if this server has it, and whether it
    belongs to another server the bot is in."""

    typed: str
    id: int | None
    found: Any = None
    elsewhere: bool = False


def _parse_id(kind: str, text: str) -> int | None:
    text = text.strip()
    for pattern in (MENTION[kind], CHANNEL_LINK if kind == "channel" else None, BARE_ID):
        match = pattern.fullmatch(text) if pattern is not None else None
        if match:
            return int(match.group(1) if pattern is not BARE_ID else match.group(0))
    return None


def _by_name(candidates: list[Any], name: str) -> Any:
    exact = [item for item in candidates if item.name == name]
    if exact:
        return exact[0]
    folded = [item for item in candidates if item.name.casefold() == name.casefold()]
    return folded[0] if folded else None


def pick_channel(bot: discord.Client, guild: discord.Guild, text: str) -> Pick:
    """A channel (or thread) named by mention, id, link or name; deleted and foreign ones come back by id."""
    channel_id = _parse_id("channel", text)
    if channel_id is not None:
        found = guild.get_channel_or_thread(channel_id)
        other = None if found is not None else bot.get_channel(channel_id)
        return Pick(text, channel_id, found, elsewhere=other is not None)
    everything = [*guild.channels, *guild.threads]
    found = _by_name(everything, text.strip().removeprefix("#"))
    return Pick(text, found.id if found is not None else None, found)


def pick_role(bot: discord.Client, guild: discord.Guild, text: str) -> Pick:
    """A role named by mention, id or name (`@everyone` included); deleted and foreign ones come back by id."""
    role_id = _parse_id("role", text)
    if role_id is not None:
        found = guild.get_role(role_id)
        other = (
            None if found is not None else next((g.get_role(role_id) for g in bot.guilds if g.get_role(role_id)), None)
        )
        return Pick(text, role_id, found, elsewhere=other is not None)
    name = text.strip()
    found = _by_name(list(guild.roles), name) or _by_name(list(guild.roles), name.removeprefix("@"))
    if found is None and name.removeprefix("@").casefold() == "everyone":
        found = guild.default_role
    return Pick(text, found.id if found is not None else None, found)


class _PrefixAndSlash(commands.Converter, app_commands.Transformer):
    """Base: the prefix form reads text; the slash form gets Discord's resolved object or a string."""

    kind = "channel"

    async def convert(self, ctx: commands.Context, argument: str) -> Pick:
        """The prefix form."""
        return self.pick(ctx.bot, ctx.guild, argument)

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> Pick:
        """The slash form: a resolved channel or role, or the string the admin typed or picked."""
        if isinstance(value, str):
            return self.pick(interaction.client, interaction.guild, value)
        found = interaction.guild.get_channel_or_thread(value.id) if self.kind == "channel" else value
        return Pick(str(value.id), value.id, found or value)

    def pick(self, bot: discord.Client, guild: discord.Guild, text: str) -> Pick:
        """Look the text up in the guild."""
        return pick_channel(bot, guild, text) if self.kind == "channel" else pick_role(bot, guild, text)


class AnswerChannel(_PrefixAndSlash):
    """A channel to answer in: slash offers only text channels, announcement channels and threads."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Discord's channel picker."""
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        """What the picker offers."""
        return ANSWER_CHANNEL_TYPES


class ModeratorRole(_PrefixAndSlash):
    """A role to make moderators of: slash offers Discord's role picker."""

    kind = "role"

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Discord's role picker."""
        return discord.AppCommandOptionType.role


class _Listed(_PrefixAndSlash):
    """An entry of a stored list, chosen from autocomplete (deleted entries included) or typed."""

    async def autocomplete(self, interaction: discord.Interaction, value: Any, /) -> list[app_commands.Choice[str]]:
        """The guild's listed entries matching what was typed, for admins only (members see nothing)."""
        if interaction.guild is None or not is_admin(interaction.user):
            return []
        settings = await interaction.client.guild_store.get(interaction.guild.id)
        listed = settings.channels if self.kind == "channel" else settings.moderator_roles
        typed = str(value).casefold().lstrip("#@")
        choices = []
        for entry in listed:
            label = self.label(interaction.guild, entry)
            if typed in label.casefold() or typed in str(entry):
                choices.append(app_commands.Choice(name=label[:100], value=str(entry)))
        return choices[:CHOICES]

    def label(self, guild: discord.Guild, entry: int) -> str:
        """How an entry reads in the autocomplete list."""
        found = guild.get_channel_or_thread(entry) if self.kind == "channel" else guild.get_role(entry)
        if found is None:
            return f"deleted {self.kind} ({entry})"
        return f"#{found.name}" if self.kind == "channel" else f"@{found.name}"


class ListedChannel(_Listed):
    """A channel on the allow-list, existing or not."""


class ListedRole(_Listed):
    """A moderator role, existing or not."""

    kind = "role"
