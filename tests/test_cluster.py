"""End to end: two bot processes with two shard ranges, one PostgreSQL, one shared corpus folder, the emulator.

Each guild's question is answered once (by the process that runs its shard); slash commands are synced once; an
admin's setting survives killing and restarting its process; a moderator's reload in one process is served by the
other within seconds, and a removal in the other comes back the same way; `python -m bot health` of a process
reports its shards and the database; IDENTIFYs of the two processes are spaced as Discord requires; a third process
whose shard range overlaps is refused.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.core.settings import BUNDLED_CORPUS
from testing.cluster_harness import LAUNCHER, ShardProcess, cluster_env, processes
from testing.discord_emulator import DiscordEmulator, StandardGuild
from testing.discord_emulator.fixtures import running_emulator

SHARDS = 4
RANGES = {"a": (0, 1), "b": (2, 3)}
FOLLOW_SECONDS = 10.0  # "within a few seconds": NOTIFY arrives in milliseconds; a reload of the story takes < 1 s
NEW_TITLE = "Zanzibarian ferries return"
NEW_ARTICLE = """Zanzibarian ferries return to the harbour

Published :`2024-08-01 09:00:00`

---

The harbour master said the zanzibarian ferries would sail again on Monday.

---
"""


async def ask(emu: DiscordEmulator, world: StandardGuild, content: str, author: Any = None) -> str:
    """Post as a member and return the text of the bot's first reply in that channel."""
    await emu.send_message(world.general, author or world.member, content)
    return (await emu.wait_for_message(world.general, timeout=10)).text()


async def silent(emu: DiscordEmulator, world: StandardGuild, content: str) -> bool:
    """Post and check that no process answers within a second."""
    before = len(emu.bot_messages(world.general))
    await emu.send_message(world.general, world.member, content)
    await asyncio.sleep(1.0)
    return len(emu.bot_messages(world.general)) == before


async def served_within(emu: DiscordEmulator, world: StandardGuild, question: str, served: bool) -> float:
    """Ask again until the new article is (or is no longer) in the answer; the seconds it took (bounded)."""
    started = time.monotonic()
    while True:
        reply = await ask(emu, world, question)
        if (NEW_TITLE in reply) == served:
            return time.monotonic() - started
        assert time.monotonic() - started < FOLLOW_SECONDS, f"not served within {FOLLOW_SECONDS} s: {reply!r}"
        await asyncio.sleep(0.3)


def launch(env: dict[str, str], workdir: Path) -> subprocess.CompletedProcess[str]:
    """A bot process that is expected to stop by itself."""
    return subprocess.run(
        [sys.executable, str(LAUNCHER)], cwd=workdir, env=env, capture_output=True, text=True, timeout=60
    )


def health(env: dict[str, str], workdir: Path) -> subprocess.CompletedProcess[str]:
    """`python -m bot health` beside a process, with its settings."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "health"], cwd=workdir, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.asyncio
async def test_two_processes_two_shard_ranges_one_database(tmp_path: Path, postgres_url: str) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    async with running_emulator(heartbeat_interval=1.0) as emu:
        emu.gateway.identify_spacing = 0.25  # the processes take turns 0.3 s apart (testing/shard_process.py)
        worlds = [emu.add_standard_guild(f"Guild on shard {n}", shard=(n, SHARDS)) for n in range(SHARDS)]
        envs = {
            name: cluster_env(emu, postgres_url, corpus, tmp_path / f"state-{name}", SHARDS, ids)
            for name, ids in RANGES.items()
        }
        a, b = (ShardProcess(name, RANGES[name], envs[name], tmp_path) for name in RANGES)
        async with processes(a, b):
            await asyncio.gather(a.start(emu), b.start(emu))
            await emu.wait_for_commands(None, timeout=20)

            # Each guild's question is answered exactly once, by the process that runs its shard.
            for world in worlds:
                await emu.send_message(world.general, world.member, "!who said border czar")
            for world in worlds:
                assert (await emu.wait_for_message(world.general, timeout=10)).embeds
            await asyncio.sleep(0.5)
            assert [len(emu.bot_messages(world.general)) for world in worlds] == [1] * SHARDS
            syncs = [r for r in emu.requests if r.startswith("PUT") and "/commands" in r]
            assert len(syncs) == 1, f"one slash-command sync for the cluster: {syncs}"

            # A third process whose range overlaps is refused before it connects: no server answered twice.
            overlapping = {**envs["a"], "STORYBOT_DISCORD__SHARD_IDS": "[1,2]", "TEST_CLAIM_WAIT": "0.5"}
            overlapping["STORYBOT_STATE_DIR"] = str(tmp_path / "state-c")
            refused = await asyncio.to_thread(launch, overlapping, tmp_path)
            errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
            assert refused.returncode == 2 and len(errors) == 1, refused.stderr[-2000:]
            assert errors[0].startswith("error: shard 1 is already run by another process of this cluster")

            checked = await asyncio.to_thread(health, envs["a"], tmp_path)
            assert checked.returncode == 0, checked.stdout + checked.stderr
            lines = checked.stdout.splitlines()
            assert lines[0] == "healthy" and lines[1].startswith("shard 0 of 4: connected")
            assert lines[2].startswith("shard 1 of 4: connected") and "PostgreSQL storybot@127.0.0.1" in lines[-1]

            # An admin's setting survives killing and restarting the process that serves the guild.
            on_b = worlds[2]
            assert (await ask(emu, on_b, "!config prefix ?", on_b.admin)).startswith("The prefix is now")
            await b.kill()
            assert await silent(emu, on_b, "?who said border czar"), "nobody else answers shard 2's guild"
            await b.start(emu)
            assert "border czar" in (await ask(emu, on_b, "?who said border czar")).lower()
            assert await silent(emu, on_b, "!who said border czar"), "the old prefix is gone for good"

            # A moderator's reload in process a is served by process b within seconds.
            (corpus / "zanzibar-ferries.txt").write_text(NEW_ARTICLE, encoding="utf-8")
            on_a, other_on_b = worlds[0], worlds[3]
            assert NEW_TITLE not in await ask(emu, other_on_b, "!ask zanzibarian ferries")
            assert (await ask(emu, on_a, "!reload", on_a.admin)).startswith("Reloaded")
            await served_within(emu, other_on_b, "!ask zanzibarian ferries", served=True)

            # And a removal in process b reaches process a the same way.
            assert (await ask(emu, other_on_b, "!article remove zanzibar-ferries", other_on_b.admin)).startswith(
                "Removed"
            )
            await served_within(emu, on_a, "!ask zanzibarian ferries", served=False)
        emu.assert_no_violations()
