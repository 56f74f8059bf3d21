"""One home per command: the Discord commands, the slash commands and the terminal's handlers are exactly the command
table's (bot/core/commands.py), each saying who may use it as its checks do; a command missing from a surface says
why. A command added in one place and forgotten in another fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
from discord import AppCommandType
from discord.ext import commands

from bot.core.commands import (
    COMMANDS,
    Audience,
    context_menus,
    discord_options,
    spec,
    terminal_commands,
    terminal_help,
)
from bot.terminal.console import HANDLERS, ConsoleSession
from testing.bot_harness import stage

CHECK_AUDIENCE = {"moderator_only": Audience.MODERATORS, "admin_only": Audience.ADMINS}


def audience_of(command: commands.Command) -> Audience:
    """Who the command's own checks let in (the strictest check on it or a parent group)."""
    found = Audience.EVERYONE
    for level in (command, *command.parents):
        for check in level.checks:
            found = CHECK_AUDIENCE.get(check.__qualname__.split(".")[0], found)
    return found


# What a context menu's own checks must be: discord.py's global check (the allow-list) does not run for it.
MENU_CHECKS = {Audience.EVERYONE: {"allowed_channel", "ask_cooldown"}}


@pytest.mark.asyncio
async def test_discord_has_exactly_the_table_s_commands_with_its_words_and_checks(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        prefix_commands = {command.qualified_name: command for command in s.bot.walk_commands()}
        slash_commands = {command.qualified_name for command in s.bot.tree.walk_commands()}
        menus = {menu.name: menu for menu in s.bot.tree.walk_commands(type=AppCommandType.message)}
        synced = {(c["name"], c["type"]): c for c in s.emu.commands[s.world.guild.id]}
    on_discord = {command.name for command in COMMANDS if command.on_discord}
    assert set(prefix_commands) == on_discord, "every Discord command is in the table, and every one there exists"
    assert slash_commands == {command.name for command in COMMANDS if command.slash}, "slash forms (hybrid)"
    assert set(menus) == {command.context_menu for command in context_menus()}, "message context menus"
    for command in context_menus():
        checks = {check.__qualname__ for check in menus[command.context_menu].checks}
        assert checks >= MENU_CHECKS[command.audience], f"{command.context_menu}: allow-list and cooldowns"
        assert command.name in prefix_commands, f"{command.context_menu} has its prefix twin"
        menu = synced[(command.context_menu, 3)]
        assert menu["description"] == "" and menu["contexts"] == [0], "synced as a message command, servers only"
    for name, command in prefix_commands.items():
        options = discord_options(name)
        assert command.description == options["description"], name
        assert list(command.aliases) == options.get("aliases", []), name
        assert audience_of(command) is spec(name).audience, f"{name}: the table says who may use it as its checks do"


def test_the_terminal_handles_exactly_the_table_s_terminal_commands() -> None:
    groups = {command.name.split()[0] for command in COMMANDS if " " in command.name}
    expected = {command.name for command in terminal_commands()} - groups
    assert set(HANDLERS) == expected


def test_every_command_missing_from_a_surface_says_why() -> None:
    for command in COMMANDS:
        assert command.in_terminal or command.not_in_terminal, f"{command.name}: why is it not in the terminal?"
        assert command.on_discord or command.not_on_discord, command.name
        assert command.slash or command.not_slash or not command.on_discord, f"{command.name}: why no slash form?"
        assert len(discord_options(command.name)["description"]) <= 100 if command.on_discord else True


def test_the_terminal_help_lists_each_of_its_commands_and_the_terminal_knows_each(tmp_path: Path) -> None:
    from bot.core.service import StoryService
    from bot.core.settings import Settings

    text = terminal_help("!")
    session = ConsoleSession(StoryService.open(Settings(state_dir=tmp_path / "state")))
    for command in terminal_commands():
        assert f"!{command.name}" in text
        for alias in command.aliases:
            assert f"!{alias}" in text
        answer = session.execute(f"!{command.name}")
        assert "Unknown command" not in answer and "Discord command only" not in answer, command.name
    listed = [line.split()[0] for line in text.splitlines()[1:]]
    for command in COMMANDS:
        if not any(other.in_terminal and other.name.startswith(command.name) for other in COMMANDS):
            assert f"!{command.name}" not in listed, f"{command.name} is not in the terminal, so not in its help"
            answer = session.execute(f"!{command.name}")
            assert "Discord command only" in answer and command.not_in_terminal in answer, command.name


def test_descriptions_of_gated_commands_say_who_may_use_them() -> None:
    assert discord_options("reload")["description"].endswith("(moderators).")
    assert discord_options("config prefix")["description"].endswith("(Manage Server).")
