"""Hostile text typed at the bot on Discord, end to end: every command answers within Discord's limits (the emulator
refuses anything else), pings nobody, echoes nothing live (no link, mention, formatting or hidden character: see
tests/markdown_safety.py), and nothing reaches a member as a crash. Bounded: 120 seeded inputs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.discord.cogs.errors import GENERIC_FAILURE
from testing.bot_harness import stage
from tests.fuzzing import NASTY_PIECES
from tests.markdown_safety import message_problems

SEED = 20261201
STORY_WORDS = ("border", "czar", "Harris", "Trump", "panicked", "“say it to my face”", '"border czar"', "who", "said")
MARKUP = ("**", "__", "`", "```", "||", "> ", "# ", "[x](http://a.b)", "@everyone", "@here", "<@1>", "<@&2>", "<#3>")
TRICKS = (
    "[border czar](https://evil.example)",
    "[https://discord.com/nitro](https://evil.example/phish)",
    "https://evil.example",
    "<https://evil.example>",
    "<t:0:R>",
    "<:x:1>",
    "</who:1>",
    "-# ",
    ">>> ",
    "1. ",
    "\u202e",
    "\u2066",
    "\u200b",
    "\u061c",
)
# Discord delivers valid UTF-8 only: lone surrogates cannot arrive in a message.
ENCODABLE = [p for p in NASTY_PIECES if not any(0xD800 <= ord(c) <= 0xDFFF for c in p)]
PIECES = ENCODABLE + list(STORY_WORDS + MARKUP + TRICKS)
PREFIX_COMMANDS = ("!ask ", "!who said ", "!search ", "!source ", "!who ")
SLASH_COMMANDS = (("ask", "question"), ("who", "words"), ("source", "article"))


def hostile_text(rng: random.Random) -> str:
    """Up to ~40 pieces glued with or without spaces, sometimes a very long word; never empty after stripping."""
    pieces = [rng.choice(PIECES) for _ in range(rng.randint(1, 40))]
    if rng.random() < 0.15:
        pieces.append("x" * rng.randint(100, 1_900))
    text = (" " if rng.random() < 0.5 else "").join(pieces)
    return text if text.strip() else "border"


@pytest.mark.asyncio
async def test_hostile_questions_always_get_a_reply_within_the_limits(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    loose = {"cooldown_asks": 100, "cooldown_seconds": 0.01, "guild_cooldown_asks": 10_000}
    async with stage(tmp_path, discord={**loose, "guild_cooldown_seconds": 0.01}) as s:
        for _ in range(90):
            content = (rng.choice(PREFIX_COMMANDS) + hostile_text(rng))[:2_000]
            reply = await s.say(s.world.member, content)
            assert reply.text() and GENERIC_FAILURE not in reply.text(), repr(content)
            assert reply.payload.get("allowed_mentions") == {"parse": []}
            assert not message_problems(reply), (content, message_problems(reply)[:3])
        for _ in range(30):
            name, option = rng.choice(SLASH_COMMANDS)
            value = hostile_text(rng)[:6_000]
            record = await s.slash(s.world.member, name, {option: value})
            assert all(GENERIC_FAILURE not in m.text() for m in record.messages), repr(value)
            assert not [problem for m in record.messages for problem in message_problems(m)], repr(value)
        assert await s.quiet(0.2) == []
