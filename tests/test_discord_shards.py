"""Shards in one process, through the emulator: a process runs only its `shard_ids`, answers only the guilds
Discord routes to them, syncs slash commands only when it runs shard 0, and `python -m bot health` reports its
shards' connections and latency and the database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from bot.core.shards import status_file
from bot.store.sqlite import SCHEMA_VERSION
from bot.terminal.cli import main
from testing.bot_harness import make_bot, make_settings
from testing.discord_emulator.fixtures import running_bot, running_emulator

ASK = "!who said border czar"


@pytest.mark.asyncio
async def test_a_process_answers_only_the_guilds_of_its_shards_and_leaves_command_sync_to_shard_0(
    tmp_path: Path,
) -> None:
    async with running_emulator(heartbeat_interval=0.5) as emu:
        on_0 = emu.add_standard_guild("On shard 0", shard=(0, 2))
        on_1 = emu.add_standard_guild("On shard 1", shard=(1, 2))
        settings = make_settings(tmp_path, on_1.guild.id, discord={"shard_count": 2, "shard_ids": [1]})
        bot = await make_bot(settings)
        async with running_bot(bot, emu):
            assert [session.shard for session in emu.gateway.live_sessions()] == [(1, 2)]
            assert bot.get_guild(on_1.guild.id) is not None and bot.get_guild(on_0.guild.id) is None
            await emu.send_message(on_0.general, on_0.member, ASK)
            await emu.send_message(on_1.general, on_1.member, ASK)
            assert (await emu.wait_for_message(on_1.general, timeout=10)).embeds
            await asyncio.sleep(0.5)
            assert emu.bot_messages(on_0.general) == [], "shard 0's guild is another process's"
            assert not [r for r in emu.requests if "/commands" in r and r.startswith("PUT")], "shard 0 syncs"

            await emu.wait_until(lambda: bot.latencies[0][1] < 10, timeout=5, describe=lambda: "no heartbeat ack")
            await bot.record_status()
            status = json.loads(status_file(settings).read_text())
            assert status_file(settings).name == "heartbeat-shards-1"
            assert [(s["id"], s["connected"]) for s in status["shards"]] == [(1, True)]
        emu.assert_no_violations()


@pytest.mark.asyncio
async def test_one_process_running_every_shard_answers_each_guild_once_and_syncs_once(tmp_path: Path) -> None:
    async with running_emulator() as emu:
        worlds = [emu.add_standard_guild(f"Shard {n}", shard=(n, 3)) for n in range(3)]
        settings = make_settings(tmp_path, worlds[0].guild.id, discord={"shard_count": 3})
        async with running_bot(await make_bot(settings), emu):
            await emu.wait_for_commands(worlds[0].guild)
            assert sorted(session.shard for session in emu.gateway.live_sessions()) == [(0, 3), (1, 3), (2, 3)]
            for world in worlds:
                await emu.send_message(world.general, world.member, ASK)
            for world in worlds:
                assert (await emu.wait_for_message(world.general, timeout=10)).embeds
            await asyncio.sleep(0.3)
            assert [len(emu.bot_messages(world.general)) for world in worlds] == [1, 1, 1]
            assert len([r for r in emu.requests if r.startswith("PUT") and "/commands" in r]) == 1
        emu.assert_no_violations()


@pytest.mark.asyncio
async def test_health_reports_the_shards_their_latency_and_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    state = tmp_path / "state"
    config.write_text(f'state_dir = "{state}"\n[discord]\nshard_count = 4\nshard_ids = [2, 3]\n')
    async with running_emulator(heartbeat_interval=0.3) as emu:
        world = emu.add_standard_guild("On shard 2", shard=(2, 4))
        settings = make_settings(tmp_path, world.guild.id, discord={"shard_count": 4, "shard_ids": [2, 3]})
        bot = await make_bot(settings)
        async with running_bot(bot, emu):
            await emu.wait_until(
                lambda: all(latency < 10 for _, latency in bot.latencies), timeout=5, describe=lambda: "no acks"
            )
            await bot.record_status()
            assert await asyncio.to_thread(main, ["health", "--config", str(config)]) == 0
            out = capsys.readouterr().out.splitlines()
            assert out[0] == "healthy"
            assert out[1].startswith("shard 2 of 4: connected, gateway latency ") and out[1].endswith(" ms")
            assert out[2].startswith("shard 3 of 4: connected, gateway latency ")
            assert out[-1].startswith(
                f"database: SQLite {state / 'storybot.sqlite3'}: readable, schema version {SCHEMA_VERSION}"
            )

            await bot.get_shard(3).disconnect()
            await emu.wait_until(lambda: len(emu.gateway.live_sessions()) == 1, timeout=5, describe=lambda: "")
            await bot.record_status()
            assert await asyncio.to_thread(main, ["health", "--config", str(config)]) == 1
            assert capsys.readouterr().out.splitlines()[0] == "unhealthy: shard 3 disconnected"

    other = tmp_path / "other.toml"
    other.write_text(f'state_dir = "{state}"\n[discord]\nshard_count = 4\nshard_ids = [0, 1]\n')
    assert await asyncio.to_thread(main, ["health", "--config", str(other)]) == 1
    assert "heartbeat missing" in capsys.readouterr().out.splitlines()[0], "each shard range has its own heartbeat"


@pytest.mark.asyncio
async def test_the_emulator_refuses_an_identify_with_an_invalid_shard() -> None:
    async with running_emulator() as emu, aiohttp.ClientSession() as http:
        async with http.ws_connect(emu.gateway_url) as ws:
            hello = await ws.receive_json(timeout=5)
            assert hello["op"] == 10
            await ws.send_json({"op": 2, "d": {"token": emu.token, "intents": 1, "shard": [2, 2], "properties": {}}})
            closing = await ws.receive(timeout=5)
            assert closing.type is aiohttp.WSMsgType.CLOSE and closing.data == 4010
        assert [v.reason for v in emu.take_violations("gateway")] == ["invalid shard [2, 2]"]
