"""The real storybot, on a copy of the bundled story, connected to the Discord emulator: the tests' stage."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.service import StoryService
from bot.core.settings import BUNDLED_CORPUS, Settings, load_settings
from bot.discord.app import StoryBot
from bot.discord.launch import guild_defaults
from bot.store import open_store
from testing.discord_emulator import DiscordEmulator, StandardGuild
from testing.discord_emulator.fixtures import running_bot, running_emulator
from testing.discord_emulator.records import SentMessage


@dataclass
class Stage:
    """An emulator with the standard guild, and storybot connected to it."""

    emu: DiscordEmulator
    world: StandardGuild
    bot: StoryBot
    corpus_dir: Path
    state_dir: Path

    async def say(self, author: Any, content: str, channel: Any = None, **options: Any) -> SentMessage:
        """Post a message as `author` (in #general by default) and return the bot's first reply to it."""
        channel = channel if channel is not None else self.world.general
        await self.emu.send_message(channel, author, content, **options)
        return await self.emu.wait_for_message(channel, lambda sent: sent.via == "channel", timeout=10)

    async def slash(self, author: Any, name: str, options: dict[str, Any] | None = None, channel: Any = None) -> Any:
        """Use a slash command as `author` and return its interaction record once answered."""
        channel = channel if channel is not None else self.world.general
        record = await self.emu.send_interaction(channel, author, name, options or {})
        await self.emu.wait_until(lambda: record.answered(), timeout=10, describe=record.describe)
        return record

    async def quiet(self, seconds: float = 0.3) -> list[SentMessage]:
        """Wait a moment and return every bot message posted meanwhile (to show the bot stayed silent)."""
        before = len(self.emu.bot_messages())
        await asyncio.sleep(seconds)
        return self.emu.bot_messages()[before:]


def make_settings(tmp_path: Path, guild_id: int, **overrides: Any) -> Settings:
    """Settings on a fresh copy of the bundled story and a fresh state directory, commands synced to the guild."""
    corpus_dir = tmp_path / "corpus"
    if not corpus_dir.exists():
        shutil.copytree(BUNDLED_CORPUS, corpus_dir)
    discord_overrides = {"dev_guild_id": guild_id, **overrides.pop("discord", {})}
    return load_settings(
        None, corpus_dir=corpus_dir, state_dir=tmp_path / "state", discord=discord_overrides, **overrides
    )


async def make_bot(settings: Settings) -> StoryBot:
    """storybot as `python -m bot run` builds it, minus the pauses that only matter against the real Discord."""
    service = await asyncio.to_thread(StoryService.open, settings)
    store = await open_store(settings, guild_defaults(settings))  # SQLite, or PostgreSQL with [database] url
    bot = StoryBot(settings, service, store, guild_ready_timeout=0.05)

    async def no_identify_pause(shard_id: int | None, *, initial: bool = False) -> None:
        """The emulator has no identify rate limit."""

    bot.before_identify_hook = no_identify_pause  # type: ignore[method-assign]
    return bot


@contextlib.asynccontextmanager
async def stage(tmp_path: Path, **overrides: Any) -> AsyncIterator[Stage]:
    """Start the emulator and storybot; fail at the end if the bot broke any of Discord's rules."""
    async with running_emulator() as emu:
        world = emu.add_standard_guild()
        settings = make_settings(tmp_path, world.guild.id, **overrides)
        bot = await make_bot(settings)
        async with running_bot(bot, emu):
            await emu.wait_for_commands(world.guild)
            yield Stage(emu, world, bot, settings.corpus_dir, settings.state_dir)
        emu.assert_no_violations()
