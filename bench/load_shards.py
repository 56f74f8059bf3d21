"""How many guilds and asks per second one bot process holds (by hand; figures in README: Running past one process).

    .venv/bin/python bench/load_shards.py [--guilds 2500] [--shards 2] [--asks 3000] [--concurrency 40]
                                          [--channels 1] [--roles 0] [--seconds 120] [--postgres]

The Discord emulator (testing/discord_emulator, 127.0.0.1 only) runs here with `--guilds` guilds spread over
`--shards` shards (each guild with `--channels` text channels and `--roles` extra roles besides its owner, the bot and
an asker); one storybot process (testing/shard_process.py: the normal `python -m bot run`, pointed at the
emulator) runs every shard, on the bundled story, with its settings in SQLite (or, with `--postgres`, a throw-away
PostgreSQL server). Measured:

- start-up: process start to every shard READY with all its guilds, and the process's resident memory then;
- asks: `--concurrency` members, each cycling through its own share of the guilds, ask one question after another
  (`!ask`, a mix of story questions) until `--asks` are answered or `--seconds` pass; throughput, answer latency
  (message to reply) p50/p99, the bot process's CPU seconds per ask, and its memory afterwards.

The emulator and this load run in this process and share the machine's cores with the bot: on 2 cores the figure
is a floor for the bot alone. Every wait is bounded; the bot process is always stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from bot.core.settings import BUNDLED_CORPUS
from testing.cluster_harness import LAUNCHER, ROOT
from testing.discord_emulator import DiscordEmulator
from testing.discord_emulator.fixtures import running_emulator
from testing.postgres_server import running_server

QUESTIONS = ["who said border czar", "Harris immigration record", "Symone Sanders", "panicked assignment", "Trump"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_figures(pid: int) -> tuple[float, float]:
    """(resident memory in MB, CPU seconds used) of a process, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    rss_kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return rss_kb / 1024, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class Replies:
    """Hands each bot message to the member waiting in that channel (one scan of new messages per change, so
    thousands of waiters cost nothing extra)."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.waiting: dict[int, asyncio.Future[None]] = {}
        self._seen = 0

    async def run(self) -> None:
        """Deliver replies until cancelled."""
        while True:
            changed = self.emu._changed
            sent = self.emu.sent
            for message in sent[self._seen :]:
                future = self.waiting.pop(message.channel_id, None)
                if future is not None and not future.done():
                    future.set_result(None)
            self._seen = len(sent)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=0.05)

    def expect(self, channel_id: int) -> asyncio.Future[None]:
        """A future resolved by the next bot message in that channel."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting[channel_id] = future
        return future


async def run(
    guilds: int, shards: int, size: tuple[int, int], asks: int, concurrency: int, seconds: float, url: str | None
) -> None:
    """Start the emulator and the bot, then measure."""
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus"
        shutil.copytree(BUNDLED_CORPUS, corpus)
        async with running_emulator(shard_count=shards, heartbeat_interval=41.25) as emu:
            started = time.perf_counter()
            worlds = [emu.add_guild(f"Guild {n}", shard=(n % shards, shards)) for n in range(guilds)]
            members = [emu.add_member(guild, f"asker-{n}") for n, guild in enumerate(worlds)]
            channels = [next(iter(guild.channels.values())) for guild in worlds]
            for guild in worlds:
                for number in range(size[0] - 1):
                    emu.add_text_channel(guild, f"channel-{number}", topic="a channel like any other")
                for number in range(size[1]):
                    emu.add_role(guild, f"role-{number}", 0)
            print(
                f"emulator: {guilds:,} guilds ({size[0]} text channels, {size[1]} extra roles each) on {shards} "
                f"shards built in {time.perf_counter() - started:.1f} s"
            )
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith(("STORYBOT_", "DISCORD_"))},
                "PYTHONPATH": str(ROOT),
                "DISCORD_TOKEN": emu.token,
                "TEST_DISCORD_URL": emu.base_url,
                "STORYBOT_CORPUS_DIR": str(corpus),
                "STORYBOT_STATE_DIR": str(Path(scratch) / "state"),
                "STORYBOT_DISCORD__SHARD_COUNT": str(shards),
                "STORYBOT_DISCORD__COOLDOWN_ASKS": "100",
                "STORYBOT_DISCORD__GUILD_COOLDOWN_ASKS": "10000",
                "STORYBOT_LOG_LEVEL": "WARNING",
                "TEST_IDENTIFY_SPACING": "0",
            }
            if url:
                env["STORYBOT_DATABASE__URL"] = url
            log = Path(scratch) / "bot.log"
            with open(log, "wb") as output:  # noqa: ASYNC230 (a bench script, before any load)
                started = time.perf_counter()
                bot = await asyncio.create_subprocess_exec(
                    sys.executable, str(LAUNCHER), cwd=scratch, env=env, stdout=output, stderr=output
                )
            try:
                await measure(emu, bot, guilds, shards, started, members, channels, asks, concurrency, seconds, log)
            finally:
                if bot.returncode is None:
                    bot.terminate()
                    try:
                        await asyncio.wait_for(bot.wait(), timeout=15)
                    except TimeoutError:
                        bot.kill()
                        await bot.wait()


async def measure(
    emu: DiscordEmulator,
    bot: asyncio.subprocess.Process,
    guilds: int,
    shards: int,
    started: float,
    members: list,
    channels: list,
    asks: int,
    concurrency: int,
    seconds: float,
    log: Path,
) -> None:
    """Wait for every guild to be ready on its shard, then drive the asks and print the figures."""

    def ready() -> bool:
        if bot.returncode is not None:
            raise SystemExit(f"the bot stopped:\n{log.read_text(errors='replace')[-3000:]}")
        return emu.gateway.ready_count >= shards and all(s.seq >= 1 for s in emu.gateway.live_sessions())

    await emu.wait_until(ready, timeout=600, describe=lambda: "shards not ready")
    # Each session got READY and its guilds' GUILD_CREATE in one burst; the bot is ready once it answers.
    probe = Replies(emu)
    delivering = asyncio.create_task(probe.run())
    try:
        first = probe.expect(channels[-1].id)
        await emu.send_message(channels[-1], members[-1], "!ask border czar")
        await asyncio.wait_for(first, timeout=600)
        ready_seconds = time.perf_counter() - started
        rss, cpu_start = process_figures(bot.pid)
        print(f"start-up: {ready_seconds:.1f} s to the first answer with {guilds:,} guilds; resident {rss:.0f} MB")

        latencies: list[float] = []
        deadline = time.perf_counter() + seconds
        counter = iter(range(asks))

        async def asker(slot: int) -> None:
            mine = range(slot, len(channels), concurrency)  # no two members ever wait in one channel
            for turn in counter:
                if time.perf_counter() > deadline:
                    return
                index = mine[turn % len(mine)]
                future = probe.expect(channels[index].id)
                sent = time.perf_counter()
                await emu.send_message(channels[index], members[index], "!ask " + QUESTIONS[turn % len(QUESTIONS)])
                await asyncio.wait_for(future, timeout=60)
                latencies.append(time.perf_counter() - sent)

        began = time.perf_counter()
        await asyncio.gather(*(asker(slot) for slot in range(concurrency)))
        elapsed = time.perf_counter() - began
        rss_after, cpu_end = process_figures(bot.pid)
        ms = [latency * 1000 for latency in latencies]
        print(
            f"asks: {len(latencies):,} answered in {elapsed:.1f} s = {len(latencies) / elapsed:.0f} asks/s with "
            f"{concurrency} members asking at once; latency p50 {statistics.median(ms):.0f} ms, "
            f"p99 {percentile(ms, 0.99):.0f} ms; bot CPU {1000 * (cpu_end - cpu_start) / len(latencies):.1f} ms "
            f"an ask; resident {rss_after:.0f} MB after"
        )
        emu.assert_no_violations()
    finally:
        delivering.cancel()


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guilds", type=int, default=2500)
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--asks", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--channels", type=int, default=1, help="text channels per guild")
    parser.add_argument("--roles", type=int, default=0, help="extra roles per guild")
    parser.add_argument("--seconds", type=float, default=120.0, help="stop asking after this long")
    parser.add_argument("--postgres", action="store_true", help="settings in a throw-away PostgreSQL server")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = None
        if args.postgres:
            server = stack.enter_context(running_server())
            url = server.url(server.create_database())
        size = (max(1, args.channels), args.roles)
        asyncio.run(run(args.guilds, args.shards, size, args.asks, args.concurrency, args.seconds, url))


if __name__ == "__main__":
    main()
