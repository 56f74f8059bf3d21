"""People who paste anything and ask in floods: long queries are cut with a note, cooldowns hold per member and per
server, and a bounded soak (run by hand: `pytest -m soak`) leaves memory flat with every ask answered."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from testing.bot_harness import stage


def resident_mb() -> float:
    """This process's resident memory, from /proc (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * 4096 / 2**20


@pytest.mark.asyncio
async def test_an_over_long_question_is_cut_with_a_note(tmp_path: Path) -> None:
    # No-answer threshold off: the filler's repeated `some` outranks `border czar`, which min_coverage would refuse.
    async with stage(tmp_path, search={"min_coverage": 0}) as s:
        question = "border czar " + "and then some more words " * 70
        reply = await s.say(s.world.member, "!ask " + question)
        assert "cut to its first 300 characters" in reply.content
        assert reply.embeds and "**border czar**" in reply.text().lower()


@pytest.mark.asyncio
async def test_a_flood_is_held_by_member_and_server_cooldowns(tmp_path: Path) -> None:
    settings = {"cooldown_asks": 2, "cooldown_seconds": 60, "guild_cooldown_asks": 5, "guild_cooldown_seconds": 60}
    async with stage(tmp_path, discord=settings) as s:
        members = [s.emu.add_member(s.world.guild, f"flooder-{n}") for n in range(4)]
        await s.emu.refresh_guild(s.world.guild)
        await asyncio.gather(
            *(s.emu.send_message(s.world.general, m, "!ask border czar") for m in members for _ in range(3))
        )
        replies = [await s.emu.wait_for_message(s.world.general, timeout=10) for _ in range(12)]
        answers = [r for r in replies if r.embeds]
        member_waits = [r for r in replies if "You're asking quickly" in r.content]
        server_waits = [r for r in replies if "This server is asking a lot" in r.content]
        assert len(answers) == 5, "the server's five asks a minute"
        assert len(member_waits) == 4, "each member's third ask"
        assert len(server_waits) == 3
        assert await s.quiet(0.2) == []


@pytest.mark.soak
@pytest.mark.asyncio
async def test_soak_ten_thousand_asks_keep_memory_flat(tmp_path: Path) -> None:
    """Run by hand: `.venv/bin/pytest -m soak -s tests/test_discord_abuse.py` prints the figures."""
    loose = {
        "cooldown_asks": 100,
        "cooldown_seconds": 0.01,
        "guild_cooldown_asks": 10_000,
        "guild_cooldown_seconds": 0.01,
        "page_timeout_seconds": 5,  # answers' "more" buttons expire, as they would over minutes in a real guild
    }
    total, batch, deadline = 10_000, 50, time.monotonic() + 600
    questions = ["who said border czar", "Harris immigration record", "Symone Sanders", "panicked", "Trump wall"]
    async with stage(tmp_path, discord=loose) as s:
        members = [s.emu.add_member(s.world.guild, f"soak-{n}") for n in range(batch)]
        await s.emu.refresh_guild(s.world.guild)
        answered, samples, started = 0, [], time.monotonic()
        for round_start in range(0, total, batch):
            assert time.monotonic() < deadline, f"soak over its time bound after {answered} asks"
            await asyncio.gather(
                *(
                    s.emu.send_message(s.world.general, m, "!ask " + questions[(round_start + i) % len(questions)])
                    for i, m in enumerate(members)
                )
            )
            for _ in range(batch):
                reply = await s.emu.wait_for_message(s.world.general, timeout=30)
                answered += bool(reply.embeds)
            if round_start % 1_000 == 0:
                samples.append(resident_mb())
            s.emu.forget_history()  # the emulator shares this process: measure the bot, not its records
        elapsed = time.monotonic() - started
    print(f"\nsoak: {answered}/{total} answered in {elapsed:.1f} s; resident MB every 1,000 asks: {samples}")
    assert answered == total
    assert samples[-1] - samples[1] < 50, f"memory grew: {samples}"
