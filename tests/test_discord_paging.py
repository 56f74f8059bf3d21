"""The More passages button, end to end: quick presses turn one page each, a slash answer's button expires while
Discord still accepts the edit, an answer deleted under the button or a corpus that shrank behind it is handled."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import pytest

import bot.discord.answer_controls
from testing.bot_harness import Stage, stage
from testing.discord_emulator import SentMessage


def button_of(message: SentMessage) -> dict[str, Any]:
    """The answer's More button, as the member sees it now (the 👍 / 👎 beside it have no label; the Context menu is
    a select)."""
    (button,) = [c for row in message.components for c in row["components"] if c["type"] == 2 and c.get("label")]
    return button


def footers(message: SentMessage) -> list[str]:
    """The footer of each edit that replaced the answer's embed, in order."""
    return [edit["embeds"][0]["footer"]["text"] for edit in message.edits if edit.get("embeds")]


def slow_searches(s: Stage, seconds: float) -> None:
    """Make every search take a while (in the worker thread), so two presses overlap."""
    engine = s.bot.service.engine
    real_search = engine.search

    def slow_search(*args: object, **kwargs: object) -> object:
        time.sleep(seconds)
        return real_search(*args, **kwargs)

    engine.search = slow_search  # type: ignore[method-assign]


async def press(s: Stage, message: SentMessage, who: Any = None) -> Any:
    """Press the answer's button as `who` (the asker by default); the interaction record."""
    custom_id = button_of(message)["custom_id"]
    return await s.emu.send_interaction(
        s.world.general, who or s.world.member, type=3, custom_id=custom_id, message=message
    )


@pytest.mark.asyncio
async def test_two_quick_presses_show_the_next_two_pages_without_skipping_one(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        answer = await s.say(s.world.member, "!ask Harris")
        assert "passages 1–3" in answer.embeds[0]["footer"]["text"]
        slow_searches(s, 0.3)
        first, second = await asyncio.gather(press(s, answer), press(s, answer))
        await s.emu.wait_until(lambda: len(footers(answer)) >= 2, timeout=10, describe=lambda: str(answer.edits))
        assert first.response_type == second.response_type == 6, "both presses acknowledged in time"
        assert [note.split(" · ")[1] for note in footers(answer)] == ["passages 4–6", "passages 7–9"]
        assert not button_of(answer).get("disabled")


@pytest.mark.asyncio
async def test_a_slash_answers_button_expires_while_its_token_still_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Discord's 15-minute token and its margin, scaled down to seconds; the configured lifetime is an hour.
    monkeypatch.setattr(bot.discord.answer_controls, "INTERACTION_TOKEN_SECONDS", 6.0, raising=False)
    monkeypatch.setattr(bot.discord.answer_controls, "TOKEN_MARGIN_SECONDS", 2.0, raising=False)
    async with stage(tmp_path, discord={"page_timeout_seconds": 3600}) as s:
        s.emu.token_lifetime = 6.0
        record = await s.slash(s.world.member, "ask", {"question": "Harris"})
        (answer,) = record.messages
        with caplog.at_level(logging.WARNING):
            for _ in range(2):  # each press restarts the button's life: it expires after the answer's token did
                await asyncio.sleep(2.5)
                pressed = await press(s, answer)
                await s.emu.wait_until(pressed.answered, timeout=5, describe=pressed.describe)
            await s.emu.wait_until(
                lambda: button_of(answer).get("disabled"), timeout=10, describe=lambda: str(answer.components)
            )
        assert button_of(answer)["label"] == "Expired"
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("bot")]
    # Leaving the stage asserts that Discord refused nothing, an expired token included.


@pytest.mark.asyncio
async def test_pressing_the_button_of_a_deleted_answer_is_quiet(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with stage(tmp_path) as s:
        answer = await s.say(s.world.member, "!ask Harris")
        await s.emu.store.delete(answer.message)
        with caplog.at_level(logging.WARNING):
            pressed = await press(s, answer)
            await s.emu.wait_until(lambda: pressed.failures, timeout=5, describe=pressed.describe)
            await s.quiet(0.3)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "no traceback for a deleted answer"
        assert await s.quiet(0.1) == []


@pytest.mark.asyncio
async def test_more_past_the_last_page_says_so_and_keeps_the_last_page(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        answer = await s.say(s.world.member, "!ask Harris")
        shown = answer.embeds[0]["fields"]
        # The corpus changes behind the answer: the page the button would show no longer exists.
        for path in s.corpus_dir.iterdir():
            path.unlink()
        (s.corpus_dir / "other.md").write_text("# Another story\n\nNothing about the election here.\n")
        plan = await s.say(s.world.admin, "!reload")  # it drops both articles: the admin confirms first
        confirm = next(c["custom_id"] for row in plan.components for c in row["components"] if c["label"] == "Confirm")
        yes = await s.emu.send_interaction(
            s.world.general, s.world.admin, type=3, custom_id=confirm, message=plan.message
        )
        await s.emu.wait_until(yes.answered, timeout=5, describe=yes.describe)
        done = await s.emu.wait_for_message(s.world.general, lambda m: m.content.startswith("Reloaded"), timeout=10)
        assert "2 removed" in done.content
        pressed = await press(s, answer)
        await s.emu.wait_until(pressed.answered, timeout=5, describe=pressed.describe)
        button = button_of(answer)
        assert button.get("disabled") and button["label"] == "No more passages"
        assert answer.embeds[0].get("fields") == shown, "the last page stays, not an empty one"
