"""Who may do what: one decorator per level, gating the prefix and the slash form of a hybrid command alike.

- moderators: members with a guild's moderator role, or Manage Server;
- admins: members with Manage Server (or the guild owner).
Both refuse in DMs, where there is no guild to moderate or configure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import discord
from discord.ext import commands

if TYPE_CHECKING:
    from bot.discord.app import StoryBot

T = TypeVar("T")


class NotModerator(commands.CheckFailure):
    """The member is not a moderator of this guild."""


class NotAdmin(commands.CheckFailure):
    """The member lacks Manage Server."""


class GuildOnly(commands.CheckFailure):
    """The command makes no sense in a DM."""


def is_admin(member: discord.abc.User) -> bool:
    """Manage Server (or ownership) in the guild the member belongs to."""
    if not isinstance(member, discord.Member):
        return False
    return member.guild.owner_id == member.id or member.guild_permissions.manage_guild


async def is_moderator(bot: StoryBot, member: discord.abc.User) -> bool:
    """An admin, or a member holding one of the guild's moderator roles."""
    if not isinstance(member, discord.Member):
        return False
    if is_admin(member):
        return True
    settings = await bot.guild_store.get(member.guild.id)
    return any(role.id in settings.moderator_roles for role in member.roles)


def _in_guild(ctx: commands.Context) -> None:
    if ctx.guild is None:
        raise GuildOnly("This command works in a server, not in direct messages.")


def moderator_only() -> Callable[[T], T]:
    """Allow moderators (moderator role or Manage Server) only."""

    async def predicate(ctx: commands.Context) -> bool:
        _in_guild(ctx)
        if not await is_moderator(ctx.bot, ctx.author):
            raise NotModerator("Only moderators (the moderator role or Manage Server) can do that.")
        return True

    return commands.check(predicate)


def admin_only() -> Callable[[T], T]:
    """Allow members with Manage Server only."""

    async def predicate(ctx: commands.Context) -> bool:
        _in_guild(ctx)
        if not is_admin(ctx.author):
            raise NotAdmin("Only members with Manage Server can change the bot's settings.")
        return True

    return commands.check(predicate)
