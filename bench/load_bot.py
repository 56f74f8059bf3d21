"""Load on the bot's own path: many members ask through the Discord emulator while a big reload runs (by hand).

    .venv/bin/python bench/load_bot.py [--members 50] [--asks 200] [--paragraphs 100000]

Starts storybot on the bundled story against the test emulator (testing/discord_emulator, 127.0.0.1 only), writes a
synthetic corpus of `--paragraphs` paragraphs into its corpus folder, then, at the same moment, a moderator runs
`!reload` and `--members` members send `--asks` questions between them (each member in its own channel, one question
after another). Prints answer latency (message to reply) p50/p99/max, the event loop's longest stall (a ticker that
expects to wake every 5 ms), how many answers came back before the reload finished, and the reload's own time.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import statistics
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from testing.bot_harness import stage

TICK_SECONDS = 0.005
STALL_EXPLAINED_SECONDS = 0.03  # stalls longer than this keep the other threads' stacks
QUESTIONS = ["who said border czar", "Harris immigration record", "Symone Sanders", "panicked assignment", "Trump"]


def write_synthetic_corpus(folder: Path, paragraphs: int, seed: int = 7) -> None:
    """News-like articles of 100 paragraphs of 40–120 Zipf-distributed made-up words, in the plain-text format."""
    rng = random.Random(seed)
    vocabulary = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 11))) for _ in range(30_000)]
    cumulative = list(itertools.accumulate(1 / rank for rank in range(1, len(vocabulary) + 1)))
    per_article = 100
    for number in range(0, paragraphs, per_article):
        count = min(per_article, paragraphs - number)
        body = "\n\n".join(
            " ".join(rng.choices(vocabulary, cum_weights=cumulative, k=rng.randint(40, 120))).capitalize() + "."
            for _ in range(count)
        )
        text = f"Synthetic article {number // per_article}\nPublished : `2024-08-01 09:00:00`\n---\n{body}\n"
        (folder / f"synthetic-{number // per_article:05d}.txt").write_text(text, encoding="utf-8")


class StallMeter:
    """Measures how late the event loop wakes a task that sleeps `TICK_SECONDS` at a time; for the longest stalls,
    keeps what the other threads were running when the loop got the interpreter lock back (where the time went)."""

    def __init__(self, limit_seconds: float = 3_600) -> None:
        self.longest = 0.0
        self.worst: list[tuple[float, str]] = []
        self._limit = limit_seconds
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        ends = loop.time() + self._limit  # bounded in time, whatever happens to the run
        while loop.time() < ends:
            before = loop.time()
            await asyncio.sleep(TICK_SECONDS)
            late = loop.time() - before - TICK_SECONDS
            self.longest = max(self.longest, late)
            if late > STALL_EXPLAINED_SECONDS:
                self.worst = sorted([*self.worst, (late, _other_threads())], reverse=True)[:3]

    def __enter__(self) -> StallMeter:
        self._task = asyncio.ensure_future(self._run())
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._task is not None
        self._task.cancel()


def _other_threads() -> str:
    """The innermost frames of every thread but this one, as text."""
    me = threading.get_ident()
    stacks = [traceback.format_stack(frame, limit=4) for ident, frame in sys._current_frames().items() if ident != me]
    return "\n".join("".join(stack) for stack in stacks)


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def run(members: int, asks: int, paragraphs: int, with_reload: bool) -> None:
    """Drive the bot and print the figures."""
    loose = {"cooldown_asks": 100, "cooldown_seconds": 0.01, "guild_cooldown_asks": 10_000}
    with tempfile.TemporaryDirectory() as scratch:
        async with stage(Path(scratch), discord={**loose, "guild_cooldown_seconds": 0.01}) as s:
            await s.bot.guild_store.set(s.world.guild.id, moderator_roles=(s.world.moderator_role.id,))
            askers = [s.emu.add_member(s.world.guild, f"asker-{n}") for n in range(members)]
            channels = [s.emu.add_text_channel(s.world.guild, f"room-{n}") for n in range(members)]
            await s.emu.refresh_guild(s.world.guild)
            started = time.perf_counter()
            await asyncio.to_thread(write_synthetic_corpus, s.corpus_dir, paragraphs)
            print(f"wrote {paragraphs:,} paragraphs in {time.perf_counter() - started:.1f} s")

            latencies: list[float] = []
            answered_at: list[float] = []

            async def member(n: int) -> None:
                for turn in range(n, asks, members):
                    sent = time.perf_counter()
                    await s.emu.send_message(channels[n], askers[n], "!ask " + QUESTIONS[turn % len(QUESTIONS)])
                    reply = await s.emu.wait_for_message(channels[n], timeout=60)
                    assert reply.embeds, f"ask {turn} got no answer: {reply.content}"
                    latencies.append(time.perf_counter() - sent)
                    answered_at.append(time.perf_counter())

            async def reload() -> tuple[float, str]:
                if not with_reload:
                    return time.perf_counter(), "(no reload in this run)"
                await s.emu.send_message(s.world.news, s.world.moderator, "!reload")
                report = await s.emu.wait_for_message(s.world.news, timeout=600)
                return time.perf_counter(), report.content

            with StallMeter() as stalls:
                began = time.perf_counter()
                reload_task = asyncio.ensure_future(reload())
                await asyncio.sleep(0.05)  # the reload has begun building off the loop
                await asyncio.gather(*(member(n) for n in range(members)))
                reload_done, report = await reload_task
            before_reload = sum(at < reload_done for at in answered_at)
            ms = [latency * 1000 for latency in latencies]
            print(f"reload: {report}  ({reload_done - began:.1f} s wall)")
            print(f"asks answered: {len(latencies)}/{asks}, {before_reload} of them before the reload finished")
            print(
                f"answer latency ms: p50 {statistics.median(ms):.1f}, p99 {percentile(ms, 0.99):.1f}, "
                f"max {max(ms):.1f}; event loop's longest stall: {stalls.longest * 1000:.1f} ms"
            )
            for late, where in stalls.worst:
                print(f"--- a stall of {late * 1000:.0f} ms; the other threads were then at:\n{where}")


def main() -> None:
    """Parse arguments and run the load."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--asks", type=int, default=200)
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--no-reload", action="store_true", help="the same asks without the reload, for comparison")
    args = parser.parse_args()
    asyncio.run(run(args.members, args.asks, args.paragraphs, not args.no_reload))


if __name__ == "__main__":
    main()
