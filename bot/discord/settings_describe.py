"""How a guild's settings read in Discord: lists that mark deleted channels and roles, within one message."""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.store import GuildSettings

LIST_BUDGET = 1_800  # characters for one list shown alone (a message holds 2,000)
SHOW_BUDGETS = (1_000, 500)  # the channels and the roles in `config show`, which also says results and prefix


def _joined(items: list[str], budget: int = LIST_BUDGET) -> str:
    """Items separated by commas, cut to the budget with "… and N more"."""
    shown: list[str] = []
    used = 0
    for index, item in enumerate(items):
        if used + len(item) + 2 > budget:
            return ", ".join(shown) + f", … and {len(items) - index} more"
        shown.append(item)
        used += len(item) + 2
    return ", ".join(shown)


def channel_entries(settings: GuildSettings, guild: discord.Guild) -> tuple[list[str], bool]:
    """The allow-list as mentions; channels this server no longer has are shown by id. (entries, any missing)."""
    entries, missing = [], False
    for channel_id in settings.channels:
        if guild.get_channel_or_thread(channel_id) is None:
            entries.append(f"not found (deleted?) `{channel_id}`")
            missing = True
        else:
            entries.append(f"<#{channel_id}>")
    return entries, missing


def role_entries(settings: GuildSettings, guild: discord.Guild) -> tuple[list[str], bool]:
    """The moderator roles as mentions; deleted ones are shown by id. (entries, any deleted)."""
    entries, missing = [], False
    for role_id in settings.moderator_roles:
        if guild.get_role(role_id) is None:
            entries.append(f"deleted role `{role_id}`")
            missing = True
        else:
            entries.append(f"<@&{role_id}>")
    return entries, missing


def channel_list(settings: GuildSettings, guild: discord.Guild, budget: int = LIST_BUDGET) -> str:
    """`Answers in: …`, with how to remove channels that are gone."""
    entries, missing = channel_entries(settings, guild)
    text = "Answers in: " + (_joined(entries, budget) if entries else "every channel (the list is empty)")
    if missing:
        text += "\nA channel that is not found can be removed by its id: `config channels remove <id>`."
    return text


def role_list(settings: GuildSettings, guild: discord.Guild, budget: int = LIST_BUDGET) -> str:
    """`Moderator roles: …`, with how to remove roles that are gone."""
    entries, missing = role_entries(settings, guild)
    text = "Moderator roles: " + (_joined(entries, budget) if entries else "none (Manage Server only)")
    if missing:
        text += "\nA deleted role can be removed by its id: `config modrole remove <id>`."
    return text


def describe(settings: GuildSettings, guild: discord.Guild) -> str:
    """A guild's settings as admins read them."""
    channels, roles = SHOW_BUDGETS
    return (
        f"{channel_list(settings, guild, channels)}\n{role_list(settings, guild, roles)}\n"
        f"Passages per answer: {settings.results}\nPrefix: `{settings.prefix}`"
    )


def unknown_subcommand(rest: str, group: commands.Group) -> str:
    """`config frobnicate`: name the unknown word (the first of the rest of the message) and the real subcommands."""
    typed = discord.utils.escape_markdown(discord.utils.escape_mentions(rest.split()[0][:50]))
    names = ", ".join(f"`{name}`" for name in dict.fromkeys(c.name for c in group.all_commands.values()))
    return f"`{group.qualified_name}` has no subcommand “{typed}”. Its subcommands: {names}."
