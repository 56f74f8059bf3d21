"""A failed upload or removal leaves the corpus folder exactly as it was, whatever failed and wherever the volumes
are, and says why in one sentence; the previous index keeps serving. End to end through the Discord emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.bot_harness import stage
from tests.corpus_faults import full_state_disk, snapshot, two_volumes
from tests.test_discord_moderation import NEW_ARTICLE, make_moderator
from tests.test_discord_safe_removal import corpus_with


@pytest.mark.asyncio
async def test_a_removal_whose_index_cannot_be_saved_puts_the_file_back_across_volumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = corpus_with(tmp_path, {"lighthouse.txt": NEW_ARTICLE})
    async with stage(tmp_path) as s:
        await make_moderator(s)
        before = snapshot(corpus)
        refused_renames = two_volumes(monkeypatch)
        full_state_disk(monkeypatch)
        reply = await s.say(s.world.moderator, "!article remove lighthouse")
        assert "Nothing changed: the new index could not be saved in the state folder" in reply.content
        assert "No space left on device" in reply.content and "previous index keeps serving" in reply.content
        assert snapshot(corpus) == before, "the corpus folder is exactly as it was"
        assert refused_renames, "the test did put the folders on two volumes"
        still = await s.say(s.world.member, "!ask lighthouse keeper")
        assert "Harris names a lighthouse keeper" in still.text()


@pytest.mark.asyncio
async def test_a_removal_refused_by_a_bad_file_puts_the_file_back_across_volumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = corpus_with(tmp_path, {"lighthouse.txt": NEW_ARTICLE})
    async with stage(tmp_path) as s:
        await make_moderator(s)
        (corpus / "broken.json").write_text('{"title": "Broken", "paragraphs": [', encoding="utf-8")
        before = snapshot(corpus)
        two_volumes(monkeypatch)
        reply = await s.say(s.world.moderator, "!article remove lighthouse")
        assert "broken.json" in reply.content and "previous index keeps serving" in reply.content
        assert snapshot(corpus) == before
        assert not list((s.state_dir / "trash").glob("*lighthouse*")), "no stray copy: the article is in one place"


@pytest.mark.asyncio
async def test_an_upload_whose_index_cannot_be_saved_is_not_left_in_the_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with stage(tmp_path) as s:
        await make_moderator(s)
        before = snapshot(s.corpus_dir)
        full_state_disk(monkeypatch)
        reply = await s.say(s.world.moderator, "!article add", attachments=[("lighthouse.txt", NEW_ARTICLE.encode())])
        assert "Nothing changed: the new index could not be saved" in reply.content, reply.content
        assert snapshot(s.corpus_dir) == before, "the upload is not served after the next restart either"
        assert not (await s.say(s.world.member, "!ask lighthouse keeper")).embeds

        (s.corpus_dir / "lighthouse.txt").write_text(NEW_ARTICLE, encoding="utf-8")  # a reload must save an index
        record = await s.slash(s.world.admin, "reload")
        assert "Nothing changed: the new index could not be saved" in record.messages[-1].content
        assert not (await s.say(s.world.member, "!ask lighthouse keeper")).embeds, "the old index keeps serving"


@pytest.mark.asyncio
async def test_a_replacement_whose_index_cannot_be_saved_restores_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = corpus_with(tmp_path, {"lighthouse.txt": NEW_ARTICLE})
    async with stage(tmp_path) as s:
        await make_moderator(s)
        before = snapshot(corpus)
        two_volumes(monkeypatch)
        full_state_disk(monkeypatch)
        newer = NEW_ARTICLE.replace("surprise pick", "bold pick").encode()
        reply = await s.say(s.world.moderator, "!article replace", attachments=[("lighthouse.txt", newer)])
        assert "Nothing changed" in reply.content
        assert snapshot(corpus) == before
