"""Bot processes for the cluster tests: `python testing/shard_process.py` (the bot's normal entry, pointed at the
emulator) with a shard range, a state folder, the shared corpus folder and one PostgreSQL database.

Every process is bounded: a start that does not connect in time fails the test with the process's log, and
`stop`/`kill` always end it (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from testing.discord_emulator import DiscordEmulator

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = ROOT / "testing" / "shard_process.py"
START_SECONDS = 40.0
STOP_SECONDS = 10.0


@dataclass
class ShardProcess:
    """One bot process of the cluster; `env` is all its configuration, as in production."""

    name: str
    shard_ids: tuple[int, ...]
    env: dict[str, str]
    workdir: Path
    process: asyncio.subprocess.Process | None = None
    logs: list[Path] = field(default_factory=list)

    async def start(self, emu: DiscordEmulator) -> None:
        """Start the process and wait until the emulator has a live session for each of its shards."""
        log = self.workdir / f"{self.name}-{len(self.logs)}.log"
        self.logs.append(log)
        output = await asyncio.to_thread(log.open, "wb")
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, str(LAUNCHER), cwd=self.workdir, env=self.env, stdout=output, stderr=output
            )
        finally:
            output.close()  # the child has its own copy
        try:
            await emu.wait_until(self._connected(emu), timeout=START_SECONDS, describe=self.describe)
        except AssertionError:
            await self.kill()
            raise

    def _connected(self, emu: DiscordEmulator):  # type: ignore[no-untyped-def]
        def check() -> bool:
            if self.process is None or self.process.returncode is not None:
                raise AssertionError(f"{self.name} exited early:\n{self.log_text()}")
            live = {session.shard[0] for session in emu.gateway.live_sessions()}
            return set(self.shard_ids) <= live

        return check

    def describe(self) -> str:
        """The process's latest log, for a failed wait."""
        return f"{self.name} (shards {self.shard_ids}) not connected; its log:\n{self.log_text()}"

    def log_text(self) -> str:
        """The end of the latest log file."""
        return self.logs[-1].read_text(errors="replace")[-4000:] if self.logs else "(not started)"

    async def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would, and reap it."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await asyncio.wait_for(self.process.wait(), timeout=STOP_SECONDS)

    async def stop(self) -> None:
        """SIGTERM (clean close), SIGKILL if it lingers."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout=STOP_SECONDS)
        except TimeoutError:
            await self.kill()


def cluster_env(
    emu: DiscordEmulator, database_url: str, corpus: Path, state: Path, shard_count: int, shard_ids: tuple[int, ...]
) -> dict[str, str]:
    """The environment of one process: settings only through STORYBOT_* variables, the token in DISCORD_TOKEN."""
    keep = {key: value for key, value in os.environ.items() if not key.startswith(("STORYBOT_", "DISCORD_", "PG"))}
    return {
        **keep,
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": emu.token,
        "TEST_DISCORD_URL": emu.base_url,
        "STORYBOT_DATABASE__URL": database_url,
        "STORYBOT_CORPUS_DIR": str(corpus),
        "STORYBOT_STATE_DIR": str(state),
        "STORYBOT_DISCORD__SHARD_COUNT": str(shard_count),
        "STORYBOT_DISCORD__SHARD_IDS": "[" + ",".join(map(str, shard_ids)) + "]",
        "STORYBOT_DISCORD__COOLDOWN_ASKS": "100",
        "STORYBOT_DISCORD__GUILD_COOLDOWN_ASKS": "1000",
    }


@contextlib.asynccontextmanager
async def processes(*members: ShardProcess) -> AsyncIterator[tuple[ShardProcess, ...]]:
    """Stop every process at the end, whatever happened."""
    try:
        yield members
    finally:
        await asyncio.gather(*(member.stop() for member in members), return_exceptions=True)
