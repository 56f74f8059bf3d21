"""Answers to edge questions, in the terminal and on Discord: unknown words shown as typed (not as stems), `who said`
without words asks for words, and `more` past the last page says there is no more."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.bot_harness import stage
from tests.test_cli import run_bot

UNKNOWN = "Harris border czar Capitalists"  # `Capitalists` is not in the story; its stem is `capitalist`


def console(tmp_path: Path, *lines: str) -> str:
    """What `python -m bot console` prints for these lines."""
    done = run_bot("console", "--state", str(tmp_path / "state"), stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_console_shows_unknown_words_as_typed(tmp_path: Path) -> None:
    assert "(Not in the story: Capitalists)" in console(tmp_path, f"!ask {UNKNOWN}")


def test_the_console_asks_for_words_when_who_said_has_none(tmp_path: Path) -> None:
    out = console(tmp_path, "!who said", "who said", "!who", "!who said border czar")
    assert out.count("Give some words of the quotation") == 3, "`who said` alone searches for nothing"
    assert "**border czar**" in out


def test_the_console_says_there_is_no_more_past_the_last_page(tmp_path: Path) -> None:
    out = console(tmp_path, "!ask Symone Sanders", "more", "more")
    assert "(more passages" not in out, "one page holds every passage for Symone Sanders"
    assert out.count("No more passages: that was the last page for “Symone Sanders”.") == 2


@pytest.mark.asyncio
async def test_discord_shows_unknown_words_as_typed(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        answer = await s.say(s.world.member, f"!ask {UNKNOWN}")
        assert answer.embeds[0]["description"] == "Not in the story: Capitalists"


@pytest.mark.asyncio
async def test_discord_asks_for_words_when_who_said_has_none(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        for empty in ("!who said", "!who   said  ", "!who said <@&1> @everyone"):
            reply = await s.say(s.world.member, empty)
            assert "Give some words of the quotation" in reply.content and not reply.embeds, empty
        record = await s.slash(s.world.member, "who", {"words": "said"})
        (reply,) = record.messages
        assert reply.ephemeral and "Give some words" in reply.content and "/who" in reply.content
