"""Slash-command sync: only when the commands changed since the last sync (a hash in the state directory)."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING

import discord

from bot.core.settings import Settings
from storage.durable_files import atomic_write

if TYPE_CHECKING:
    from discord.ext import commands

log = logging.getLogger(__name__)

SYNC_STATE_FILE = "command-sync.json"


def commands_hash(bot: commands.Bot) -> str:
    """A hash of every slash command's definition as Discord would receive it."""
    payload = sorted((command.to_dict(bot.tree) for command in bot.tree.get_commands()), key=lambda c: c["name"])
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


async def sync_if_changed(bot: commands.Bot, settings: Settings, *, force: bool) -> bool:
    """Sync to the development guild when configured, else globally; skip when nothing changed. True if synced."""
    target = f"guild:{settings.discord.dev_guild_id}" if settings.discord.dev_guild_id else "global"
    state_file = settings.state_dir / SYNC_STATE_FILE
    current = commands_hash(bot)
    try:
        previous = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = {}
    if not force and previous.get(target) == current:
        log.info("slash commands unchanged since the last sync (%s): not syncing", target)
        return False
    if settings.discord.dev_guild_id:
        guild = discord.Object(id=settings.discord.dev_guild_id)
        bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
    else:
        synced = await bot.tree.sync()
    previous[target] = current
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(state_file, json.dumps(previous, indent=2).encode())
    log.info("synced %d slash commands (%s)", len(synced), target)
    return True
