"""`help` on Discord, written from the commands themselves and the command table (bot/core/commands.py): each
prefix form with its arguments, and the slash form with its options as Discord's client shows them (`/who
words:<text>`, `/article add file:<attachment>`)."""

from __future__ import annotations

from collections.abc import Iterator

from discord import AppCommandOptionType, AppCommandType, app_commands
from discord.ext import commands

from bot.core.commands import COMMANDS, spec

OPTION_KINDS = {
    AppCommandOptionType.string: "text",
    AppCommandOptionType.integer: "number",
    AppCommandOptionType.number: "number",
    AppCommandOptionType.boolean: "true/false",
    AppCommandOptionType.user: "member",
    AppCommandOptionType.channel: "channel",
    AppCommandOptionType.role: "role",
    AppCommandOptionType.mentionable: "member or role",
    AppCommandOptionType.attachment: "attachment",
}


def slash_usage(command: app_commands.Command) -> str:
    """`/name option:<kind> [optional:<kind>]`, as the slash command is typed."""
    options = []
    for parameter in command.parameters:
        kind = OPTION_KINDS.get(parameter.type, parameter.type.name)
        if parameter.min_value is not None and parameter.max_value is not None:
            kind = f"{parameter.min_value:g}–{parameter.max_value:g}"
        option = f"{parameter.display_name}:<{kind}>"
        options.append(option if parameter.required else f"[{option}]")
    return " ".join([f"/{command.qualified_name}", *options])


def prefix_usage(command: commands.Command, prefix: str) -> str:
    """`!name <argument>` (and its aliases), as discord.py reads the command."""
    names = "|".join([command.name, *command.aliases])
    parent = f"{command.full_parent_name} " if command.full_parent_name else ""
    return f"{prefix}{parent}{names} {command.signature}".strip()


def leaf_commands(bot: commands.Bot) -> Iterator[commands.Command]:
    """Every visible command that does something itself (groups give their subcommands), in the cogs' order."""
    for cog in bot.cogs.values():
        for command in cog.walk_commands():
            if command.hidden or (isinstance(command, commands.Group) and command.commands):
                continue
            yield command


def help_lines(bot: commands.Bot, prefix: str) -> list[str]:
    """One line a command: its prefix and slash forms (and its message context menu), what it does, who may use
    it."""
    slash = {
        command.qualified_name: command
        for command in bot.tree.walk_commands()
        if isinstance(command, app_commands.Command)
    }
    menus = {menu.name for menu in bot.tree.walk_commands(type=AppCommandType.message)}
    lines = []
    for command in leaf_commands(bot):
        usage = f"`{prefix_usage(command, prefix)}`"
        if (app_command := slash.get(command.qualified_name)) is not None:
            usage += f" · `{slash_usage(app_command)}`"
        described = spec(command.qualified_name)
        if described.context_menu and described.context_menu in menus:
            usage += f" · Apps → **{described.context_menu}** on a message"
        lines.append(f"{usage} — {described.summary} ({described.audience.value})")
    for command in COMMANDS:  # the terminal's commands that are controls under an answer on Discord
        if not command.on_discord:
            control = command.not_on_discord.removeprefix("on Discord, ")
            lines.append(f"{control[0].upper()}{control[1:]}.")
    return lines
