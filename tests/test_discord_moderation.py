"""Moderators manage the corpus from Discord, end to end through the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.core.service
import index.build_process
from index.build_process import BuildOutcome
from testing.bot_harness import Stage, stage

NEW_ARTICLE = (
    "Harris names a lighthouse keeper as running mate\n"
    "Published : `2024-08-06 10:00:00`\n"
    "---\n"
    "The lighthouse keeper from Maine was a surprise pick, aides said.\n\n"
    "“He keeps the light on,” Harris said of the lighthouse keeper.\n"
)


async def make_moderator(s: Stage) -> None:
    """Give the standard guild's Moderator role moderator rights, as an admin would with `config modrole add`."""
    reply = await s.say(s.world.admin, f"!config modrole add <@&{s.world.moderator_role.id}>")
    assert "Moderator" in reply.text() or str(s.world.moderator_role.id) in reply.text()


@pytest.mark.asyncio
async def test_reload_picks_up_a_new_file_and_says_what_changed(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        await make_moderator(s)
        before = await s.say(s.world.member, "!ask lighthouse keeper")
        assert not before.embeds

        (s.corpus_dir / "lighthouse.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        report = await s.say(s.world.moderator, "!reload")
        assert "1 added" in report.content and "41 → 43 paragraphs" in report.content

        after = await s.say(s.world.member, "!ask lighthouse keeper")
        assert "Harris names a lighthouse keeper as running mate" in after.text()
        actions = await s.bot.guild_store.recent_actions(s.world.guild.id)
        assert actions[0][1:3] == ("moderator", "reload")


@pytest.mark.asyncio
async def test_a_large_corpus_reload_is_read_in_a_child_process_then_answers_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index.build_process, "CHILD_BUILD_MIN_PARAGRAPHS", 1)  # the story counts as large here
    children: list[object] = []
    real_build = bot.core.service.build_in_child
    monkeypatch.setattr(bot.core.service, "build_in_child", lambda *a: children.append(real_build(*a)) or children[-1])
    async with stage(tmp_path) as s:
        await make_moderator(s)
        (s.corpus_dir / "lighthouse.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        report = await s.say(s.world.moderator, "!reload")
        assert "1 added" in report.content and "41 → 43 paragraphs" in report.content
        assert len(children) == 1 and isinstance(children[0], BuildOutcome), "read and built by the child"

        after = await s.say(s.world.member, "!who said keeps the light on")
        assert "Harris" in after.text() and "Harris names a lighthouse keeper as running mate" in after.text()


@pytest.mark.asyncio
async def test_a_bad_file_refuses_the_reload_and_the_old_answers_keep_coming(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        before = await s.say(s.world.member, "!who said border czar")
        (s.corpus_dir / "broken.json").write_text('{"title": "Broken", "paragraphs": [', encoding="utf-8")
        (s.corpus_dir / "lighthouse.txt").write_text(NEW_ARTICLE, encoding="utf-8")

        record = await s.slash(s.world.admin, "reload")
        refusal = record.messages[-1].content
        assert "broken.json" in refusal and "previous index keeps serving" in refusal

        after = await s.say(s.world.member, "!who said border czar")
        assert after.embeds[0]["fields"] == before.embeds[0]["fields"]
        assert not (await s.say(s.world.member, "!ask lighthouse keeper")).embeds, "nothing of the refused corpus"


@pytest.mark.asyncio
async def test_upload_then_remove_an_article(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        await make_moderator(s)
        added = await s.say(s.world.moderator, "!article add", attachments=[("lighthouse.txt", NEW_ARTICLE.encode())])
        assert "Added" in added.content and "1 added" in added.content
        assert (s.corpus_dir / "lighthouse.txt").read_text(encoding="utf-8") == NEW_ARTICLE
        found = await s.say(s.world.member, "!who said keeps the light on")
        assert "Harris names a lighthouse keeper" in found.text()

        again = await s.say(s.world.moderator, "!article add", attachments=[("lighthouse.txt", b"Other\n\nText.\n")])
        assert "replace" in again.content and (s.corpus_dir / "lighthouse.txt").read_text() == NEW_ARTICLE

        removed = await s.slash(s.world.moderator, "article remove", {"article_id": "lighthouse"})
        text = removed.messages[-1].content
        assert "Removed" in text and "1 removed" in text and "trash" in text
        assert not (s.corpus_dir / "lighthouse.txt").exists()
        (trashed,) = (s.state_dir / "trash").iterdir()
        assert trashed.read_text(encoding="utf-8") == NEW_ARTICLE
        assert not (await s.say(s.world.member, "!ask lighthouse keeper")).embeds
        actions = [action for _, _, action, _ in await s.bot.guild_store.recent_actions(s.world.guild.id)]
        assert actions[:2] == ["article remove", "article add"]


@pytest.mark.asyncio
async def test_slash_upload_refuses_a_bad_file_and_keeps_the_corpus(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        before = sorted(path.name for path in s.corpus_dir.iterdir())
        record = await s.slash(s.world.admin, "article add", {"file": ("notes.json", b'{"title": "x", "text": ')})
        reply = record.messages[-1].content
        assert "notes.json" in reply and "Not added" in reply
        assert sorted(path.name for path in s.corpus_dir.iterdir()) == before

        zipped = await s.slash(s.world.admin, "article add", {"file": ("story.zip", b"PK\x03\x04" + bytes(40))})
        assert "Not added" in zipped.messages[-1].content and "story.zip" in zipped.messages[-1].content
        assert sorted(path.name for path in s.corpus_dir.iterdir()) == before
