"""Load on the bot's own path: many members ask through the Discord emulator while a big reload runs (by hand).

    .venv/bin/python bench/load_bot.py [--members 50] [--asks 200] [--paragraphs 100000]

Starts storybot on the bundled story against the test emulator (testing/discord_emulator, 127.0.0.1 only) and writes
a synthetic corpus of `--paragraphs` paragraphs into its corpus folder. Then, side by side in one run: `--members`
members send `--asks` questions between them (each member in its own channel, one question after another) with
nothing else going on; then a moderator runs `!reload` and the same members keep asking until it is done (at most
250 times as many questions, at most 15 minutes). For each phase it prints answer latency (message to reply) and how
late the event loop woke a ticker that expects to wake every 5 ms (p50/p99/max), and, for the longest stalls during
the reload, what the bot's other threads were running. The emulator and the members run on the bot's event loop, so
the asks alone delay the ticker too: the first row is the floor the second is compared with.
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
STALL_EXPLAINED_SECONDS = 0.03
MAX_PHASE_SECONDS = 900  # stalls longer than this keep the other threads' stacks
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
    """Measures how late the event loop wakes a task that sleeps `TICK_SECONDS` at a time. For the longest stalls it
    keeps where the time went: a watchdog thread looks at every thread while the loop is late, the loop's own (what
    it is running, or `select` when it only waits for the CPU or the interpreter lock) and the others, so the loop
    itself never spends time formatting stacks."""

    def __init__(self, limit_seconds: float = 3_600) -> None:
        self.longest = 0.0
        self.lates: list[float] = []  # every tick's lateness, seconds
        self.worst: list[tuple[float, str]] = []
        self._limit = limit_seconds
        self._task: asyncio.Task[None] | None = None
        self._last_tick = time.perf_counter()
        self._loop_thread = threading.get_ident()
        self._seen_late: list[str] = []  # what the watchdog saw since the last tick
        self._stop = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, name="stall-watchdog", daemon=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        ends = loop.time() + self._limit  # bounded in time, whatever happens to the run
        while loop.time() < ends:
            before = loop.time()
            self._last_tick = time.perf_counter()
            await asyncio.sleep(TICK_SECONDS)
            late = loop.time() - before - TICK_SECONDS
            self.longest = max(self.longest, late)
            self.lates.append(late)
            seen, self._seen_late = self._seen_late, []
            if late > STALL_EXPLAINED_SECONDS and (not self.worst or len(self.worst) < 3 or late > self.worst[-1][0]):
                self.worst = sorted([*self.worst, (late, "\n".join(seen) or "(not sampled)\n")], reverse=True)[:3]

    def _watch(self) -> None:
        """Every 10 ms (bounded by the meter's own limit), sample the threads while the loop is late (twice a stall
        at most, so the sampling adds little to it)."""
        ends = time.perf_counter() + self._limit
        while not self._stop.wait(0.01) and time.perf_counter() < ends:
            if time.perf_counter() - self._last_tick > STALL_EXPLAINED_SECONDS and len(self._seen_late) < 2:
                self._seen_late.append(_threads(self._loop_thread))

    def __enter__(self) -> StallMeter:
        self._task = asyncio.ensure_future(self._run())
        self._watchdog.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._task is not None
        self._task.cancel()
        self._stop.set()
        self._watchdog.join()


def _threads(loop_thread: int) -> str:
    """The innermost frames of the event loop's thread, then of every other thread but the caller, as text."""
    me = threading.get_ident()
    frames = sys._current_frames()
    loop = "the event loop's thread:\n" + "".join(traceback.format_stack(frames[loop_thread], limit=6))
    others = [
        "".join(traceback.format_stack(frame, limit=4))
        for ident, frame in frames.items()
        if ident not in (me, loop_thread)
    ]
    return loop + "the other threads:\n" + "\n".join(others)


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def run(members: int, asks: int, paragraphs: int, with_reload: bool) -> None:
    """Drive the bot and print the figures: the same members asking, first with nothing else going on, then during
    the reload (side by side in one run, since the emulator and the members share the bot's event loop: a burst of
    asks delays the ticker by itself)."""
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

            async def member(n: int, latencies: list[float], until: asyncio.Future[object] | None) -> None:
                """Ask one question after another: `asks / members` of them, or (with `until`) until it is done,
                at most 250 times as many and for at most MAX_PHASE_SECONDS."""
                turns = range(n, asks * (250 if until else 1), members)
                ends = time.perf_counter() + MAX_PHASE_SECONDS
                for turn in turns:
                    if (until is not None and until.done()) or time.perf_counter() > ends:
                        return
                    sent = time.perf_counter()
                    await s.emu.send_message(channels[n], askers[n], "!ask " + QUESTIONS[turn % len(QUESTIONS)])
                    reply = await s.emu.wait_for_message(channels[n], timeout=60)
                    assert reply.embeds, f"ask {turn} got no answer: {reply.content}"
                    latencies.append(time.perf_counter() - sent)

            async def reload() -> str:
                await s.emu.send_message(s.world.news, s.world.moderator, "!reload")
                return (await s.emu.wait_for_message(s.world.news, timeout=MAX_PHASE_SECONDS)).content

            quiet: list[float] = []
            with StallMeter() as quiet_stalls:
                await asyncio.gather(*(member(n, quiet, None) for n in range(members)))
            rows = [("asks only", quiet, quiet_stalls)]
            if with_reload:
                during: list[float] = []
                with StallMeter() as reload_stalls:
                    began = time.perf_counter()
                    reload_task = asyncio.ensure_future(reload())
                    await asyncio.sleep(0.05)  # the reload has begun
                    await asyncio.gather(*(member(n, during, reload_task) for n in range(members)))
                    report = await reload_task
                print(f"reload: {report}  ({time.perf_counter() - began:.1f} s wall)")
                rows.append(("asks during the reload", during, reload_stalls))
            print("| phase | asks answered | answer p50 / p99 / max ms | event loop late p50 / p99 / max ms |")
            print("|---|---:|---:|---:|")
            for name, latencies, stalls in rows:
                ms = [latency * 1000 for latency in latencies]
                late = [value * 1000 for value in stalls.lates]
                print(
                    f"| {name} | {len(ms)} | {statistics.median(ms):.1f} / {percentile(ms, 0.99):.1f} / {max(ms):.1f} "
                    f"| {statistics.median(late):.2f} / {percentile(late, 0.99):.1f} / {max(late):.1f} |"
                )
            for late, where in rows[-1][2].worst:
                print(f"--- a stall of {late * 1000:.0f} ms; {where}")


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
