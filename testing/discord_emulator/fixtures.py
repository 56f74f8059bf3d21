"""Pointing discord.py at the emulator, running a bot against it, and a pytest fixture for `tests/conftest.py`.

from testing.discord_emulator.fixtures import discord_emulator, running_bot  # noqa: F401  (in conftest.py)

@pytest.mark.asyncio
async def test_ping(discord_emulator):
    world = discord_emulator.add_standard_guild()
    async with running_bot(make_bot(), discord_emulator):
        await discord_emulator.send_message(world.general, world.member, "!ping")
        assert (await discord_emulator.wait_for_message(world.general)).content == "pong"
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

import discord
import pytest_asyncio
import yarl
from discord.asset import Asset
from discord.gateway import DiscordWebSocket
from discord.http import Route

from .emulator import DiscordEmulator

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.contextmanager
def patched_discord(emu: DiscordEmulator) -> Iterator[None]:
    """Send discord.py's REST calls, gateway connections (first, and after a refused resume) and CDN asset URLs to
    the emulator; restore the real addresses afterwards."""
    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY, Asset.BASE)
    Route.BASE = emu.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)
    Asset.BASE = f"{emu.base_url}/cdn"
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY, Asset.BASE = saved


@contextlib.asynccontextmanager
async def running_emulator(**options: Any) -> AsyncIterator[DiscordEmulator]:
    """Start an emulator (options: see `DiscordEmulator`) with discord.py patched to it."""
    async with DiscordEmulator(**options) as emu:
        with patched_discord(emu):
            yield emu


@contextlib.asynccontextmanager
async def running_bot(bot: ClientT, emu: DiscordEmulator, *, ready_timeout: float = 10.0) -> AsyncIterator[ClientT]:
    """Start `bot` with the emulator's token, wait for its `on_ready`, and close it cleanly afterwards."""
    task = asyncio.create_task(bot.start(emu.token), name=f"bot {bot!r}")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ready_timeout
    try:
        while not bot.is_ready():
            if task.done():
                task.result()  # raises the bot's startup error
                raise AssertionError("the bot stopped before it was ready")
            if loop.time() > deadline:
                raise AssertionError(f"bot not ready within {ready_timeout}s; {emu._gateway_summary()}")
            await asyncio.sleep(0.01)
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError, discord.DiscordException, OSError):
            await asyncio.wait_for(task, timeout=10)


@pytest_asyncio.fixture
async def discord_emulator() -> AsyncIterator[DiscordEmulator]:
    """A running emulator with discord.py patched to it; fails the test at teardown if violations were recorded."""
    async with running_emulator() as emu:
        yield emu
    emu.assert_no_violations()
