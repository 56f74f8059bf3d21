"""Moderators never lose more than they asked to lose, end to end through the Discord emulator: one article of a
multi-article file goes alone, a whole file or a wide replacement or reload waits for the asking moderator's
Confirm, and slow work shows typing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.core.settings import BUNDLED_CORPUS
from corpus import load_corpus
from testing.bot_harness import Stage, stage
from testing.discord_emulator.records import SentMessage
from tests.test_discord_moderation import NEW_ARTICLE, make_moderator

WIRE_RECORDS = 50


def wire_record(number: int, **extra: Any) -> str:
    """One line of wire.jsonl: a short article about a numbered harbour."""
    text = f"Harbour {number} reopened after the storm, the port authority said on day {number}."
    return json.dumps({**extra, "title": f"Wire story {number}", "text": text})


def wire_jsonl() -> str:
    """50 records; the 10th has its own id, the others get `wire-<position>`."""
    lines = [wire_record(n, id="special-ten") if n == 10 else wire_record(n) for n in range(1, WIRE_RECORDS + 1)]
    return "\n".join(lines) + "\n"


def corpus_with(tmp_path: Path, files: dict[str, str]) -> Path:
    """The bundled story plus `files`, where the stage will find it."""
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus


def hashes(corpus: Path) -> dict[str, str]:
    """Every article of the folder on disk by id, with its content hash."""
    return {a.id: a.content_hash() for a in load_corpus(corpus, max_bytes=1_000_000).articles}


def buttons(message: SentMessage) -> dict[str, str]:
    """A message's button labels to their custom ids."""
    return {c["label"]: c["custom_id"] for row in message.components for c in row["components"]}


async def press(s: Stage, who: Any, message: SentMessage, label: str) -> Any:
    """`who` presses a button of `message` and the bot answers the press."""
    record = await s.emu.send_interaction(
        s.world.general, who, type=3, custom_id=buttons(message)[label], message=message.message
    )
    await s.emu.wait_until(record.answered, timeout=5, describe=record.describe)
    return record


@pytest.mark.asyncio
async def test_removing_one_article_of_a_jsonl_keeps_its_neighbours_and_their_ids(tmp_path: Path) -> None:
    corpus = corpus_with(tmp_path, {"wire.jsonl": wire_jsonl()})
    before = hashes(corpus)
    async with stage(tmp_path) as s:
        await make_moderator(s)
        reply = await s.say(s.world.moderator, "!article remove wire-3")
        assert "Removed" in reply.content and "1 removed (wire-3)" in reply.content, reply.content
        assert "0 changed" in reply.content

        after = hashes(corpus)
        assert after == {key: value for key, value in before.items() if key != "wire-3"}, "the others, unchanged"
        assert len(s.bot.service.corpus) == len(before) - 1
        (kept,) = (s.state_dir / "trash").iterdir()
        assert kept.read_text(encoding="utf-8") == wire_jsonl(), "the old file is kept whole in the trash"
        found = await s.say(s.world.member, "!ask harbour 7 reopened day 7")
        assert "Wire story 7" in found.text()

        again = await s.say(s.world.moderator, "!article remove wire-4")  # the file's ids still hold after a rewrite
        assert "1 removed (wire-4)" in again.content
        assert hashes(corpus) == {key: value for key, value in after.items() if key != "wire-4"}


@pytest.mark.asyncio
async def test_removing_a_whole_file_waits_for_the_asking_moderators_confirm(tmp_path: Path) -> None:
    corpus = corpus_with(tmp_path, {"wire.jsonl": wire_jsonl()})
    async with stage(tmp_path) as s:
        await make_moderator(s)
        plan = await s.say(s.world.moderator, "!article remove wire.jsonl")
        assert "would remove 50 articles" in plan.content and "`wire-1`" in plan.content, plan.content
        assert set(buttons(plan)) == {"Confirm", "Cancel"}
        assert (corpus / "wire.jsonl").exists() and len(s.bot.service.corpus) == 52, "nothing happens before Confirm"

        stranger = await press(s, s.world.admin, plan, "Confirm")  # a moderator too, but not the one who asked
        assert stranger.messages[-1].ephemeral and "Only the moderator who asked" in stranger.messages[-1].content
        assert (corpus / "wire.jsonl").exists()

        await press(s, s.world.moderator, plan, "Cancel")
        assert "Cancelled: nothing changed" in plan.content and not plan.components
        assert (corpus / "wire.jsonl").read_text(encoding="utf-8") == wire_jsonl()

        plan = await s.say(s.world.moderator, "!article remove wire.jsonl")
        await press(s, s.world.moderator, plan, "Confirm")
        done = await s.emu.wait_for_message(s.world.general, lambda m: m.content.startswith("Removed"), timeout=10)
        assert "50 removed" in done.content and not (corpus / "wire.jsonl").exists()
        assert len(s.bot.service.corpus) == 2
        assert s.world.general.id in s.emu.typing, "the removal showed typing while it worked"


@pytest.mark.asyncio
async def test_the_slash_form_asks_too_and_the_question_expires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.discord.confirming  # here: the module is part of the change under test

    corpus = corpus_with(tmp_path, {"wire.jsonl": wire_jsonl()})
    monkeypatch.setattr(bot.discord.confirming, "CONFIRM_TIMEOUT_SECONDS", 1.0)
    async with stage(tmp_path) as s:
        record = await s.slash(s.world.admin, "article remove", {"article_id": "wire.jsonl"})
        await s.emu.wait_until(lambda: any(m.components for m in record.messages), timeout=5, describe=record.describe)
        plan = next(m for m in record.messages if m.components)
        assert "would remove 50 articles" in plan.content
        await s.emu.wait_until(lambda: "Expired" in plan.content, timeout=5, describe=lambda: plan.content)
        assert not plan.components and "nothing changed" in plan.content
        assert (corpus / "wire.jsonl").read_text(encoding="utf-8") == wire_jsonl()

        monkeypatch.setattr(bot.discord.confirming, "CONFIRM_TIMEOUT_SECONDS", 60.0)
        record = await s.slash(s.world.admin, "article remove", {"article_id": "wire.jsonl"})
        await s.emu.wait_until(lambda: any(m.components for m in record.messages), timeout=5, describe=record.describe)
        plan = next(m for m in record.messages if m.components)
        await press(s, s.world.admin, plan, "Confirm")
        await s.emu.wait_until(
            lambda: any("Removed" in m.content for m in record.messages), timeout=10, describe=record.describe
        )
        assert not (corpus / "wire.jsonl").exists()


@pytest.mark.asyncio
async def test_a_replacement_dropping_several_articles_asks_first(tmp_path: Path) -> None:
    corpus = corpus_with(tmp_path, {"wire.jsonl": wire_jsonl()})
    shorter = "\n".join(wire_record(n) for n in range(1, 4)) + "\n"  # keeps wire-1..3, drops 47
    async with stage(tmp_path) as s:
        await make_moderator(s)
        plan = await s.say(s.world.moderator, "!article replace", attachments=[("wire.jsonl", shorter.encode())])
        assert "Replacing `wire.jsonl` would remove 47 articles" in plan.content, plan.content
        assert (corpus / "wire.jsonl").read_text(encoding="utf-8") == wire_jsonl()
        await press(s, s.world.moderator, plan, "Confirm")
        done = await s.emu.wait_for_message(s.world.general, lambda m: m.content.startswith("Replaced"), timeout=10)
        assert "47 removed" in done.content
        assert (corpus / "wire.jsonl").read_text(encoding="utf-8") == shorter

        # One article changed: a single-article change goes ahead as before.
        edited = shorter.replace("Harbour 2 reopened", "Harbour 2 stayed shut")
        reply = await s.say(s.world.moderator, "!article replace", attachments=[("wire.jsonl", edited.encode())])
        assert reply.content.startswith("Replaced") and "1 changed (wire-2)" in reply.content


@pytest.mark.asyncio
async def test_a_reload_that_would_drop_several_articles_asks_first(tmp_path: Path) -> None:
    corpus = corpus_with(tmp_path, {"wire.jsonl": wire_jsonl(), "lighthouse.txt": NEW_ARTICLE})
    async with stage(tmp_path) as s:
        await make_moderator(s)
        (corpus / "lighthouse.txt").unlink()
        one = await s.say(s.world.moderator, "!reload")
        assert one.content.startswith("Reloaded") and "1 removed (lighthouse)" in one.content

        (corpus / "wire.jsonl").unlink()
        plan = await s.say(s.world.moderator, "!reload")
        assert "This reload would remove 50 articles" in plan.content
        assert len(s.bot.service.corpus) == 52, "the old index keeps serving until Confirm"
        await press(s, s.world.moderator, plan, "Confirm")
        done = await s.emu.wait_for_message(s.world.general, lambda m: m.content.startswith("Reloaded"), timeout=10)
        assert "50 removed" in done.content and len(s.bot.service.corpus) == 2


@pytest.mark.asyncio
async def test_slow_prefix_work_shows_typing(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        await make_moderator(s)
        commands = [
            ("!reload", []),
            ("!article add", [("lighthouse.txt", NEW_ARTICLE.encode())]),
            ("!article replace", [("lighthouse.txt", NEW_ARTICLE.replace("Maine", "Ohio").encode())]),
            ("!article remove lighthouse", []),
        ]
        for content, attachments in commands:
            before = s.emu.typing.count(s.world.general.id)
            await s.say(s.world.moderator, content, attachments=attachments)
            assert s.emu.typing.count(s.world.general.id) > before, f"{content} showed no typing"


@pytest.mark.asyncio
async def test_a_double_click_on_confirm_removes_once_and_says_so(tmp_path: Path) -> None:
    corpus = corpus_with(tmp_path, {"wire.jsonl": wire_jsonl()})
    async with stage(tmp_path) as s:
        await make_moderator(s)
        plan = await s.say(s.world.moderator, "!article remove wire.jsonl")
        custom_id, message = buttons(plan)["Confirm"], plan.message
        first = await s.emu.send_interaction(
            s.world.general, s.world.moderator, type=3, custom_id=custom_id, message=message
        )
        second = await s.emu.send_interaction(
            s.world.general, s.world.moderator, type=3, custom_id=custom_id, message=message
        )
        for press_record in (first, second):
            await s.emu.wait_until(press_record.answered, timeout=5, describe=press_record.describe)
        assert "already confirmed" in second.messages[-1].content and second.messages[-1].ephemeral
        done = await s.emu.wait_for_message(s.world.general, lambda m: m.content.startswith("Removed"), timeout=10)
        assert "50 removed" in done.content and not (corpus / "wire.jsonl").exists()
        assert await s.quiet(0.3) == [], "one removal, one reply"


@pytest.mark.asyncio
async def test_two_moderators_at_once_while_members_ask(tmp_path: Path) -> None:
    corpus = corpus_with(tmp_path, {"wire.jsonl": wire_jsonl()})
    before = hashes(corpus)
    async with stage(tmp_path) as s:
        await make_moderator(s)
        channel = s.world.general
        await s.emu.send_message(channel, s.world.moderator, "!article remove wire-3")
        await s.emu.send_message(channel, s.world.admin, "!article remove wire-30")
        await s.emu.send_message(channel, s.world.admin, "!reload")
        await s.emu.send_message(channel, s.world.member, "!ask harbour 8 reopened day 8")
        upload = [("lighthouse.txt", NEW_ARTICLE.encode())]
        await s.emu.send_message(channel, s.world.moderator, "!article add", attachments=upload)
        replies = [await s.emu.wait_for_message(channel, timeout=10) for _ in range(5)]
        texts = [reply.text() for reply in replies]
        assert sum(text.startswith("Removed") for text in texts) == 2, texts
        assert any(text.startswith("Added") for text in texts) and any(text.startswith("Reloaded") for text in texts)
        assert any("Wire story 8" in text for text in texts), "members are answered meanwhile"
        after = hashes(corpus)
        assert without_lighthouse(after) == {k: v for k, v in before.items() if k not in {"wire-3", "wire-30"}}


def without_lighthouse(found: dict[str, str]) -> dict[str, str]:
    assert "lighthouse" in found
    return {k: v for k, v in found.items() if k != "lighthouse"}
