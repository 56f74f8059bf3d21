"""A newcomer's first story on Discord, end to end: an empty corpus says so (and how to fix it), and the first
one-paragraph article answers at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.bot_harness import stage

FIRST_ARTICLE = b"# The bridge\n\nThe mayor said the new bridge will open in May.\n"


@pytest.mark.asyncio
async def test_an_empty_story_says_so_then_its_first_short_article_answers(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()  # an empty volume
    async with stage(tmp_path) as s:
        empty = await s.say(s.world.member, "!ask when will the bridge open")
        assert empty.content.startswith("The story has no articles yet; a moderator can add some with `article add`")
        record = await s.slash(s.world.member, "who", {"words": "border czar"})
        assert "The story has no articles yet" in record.messages[-1].content

        added = await s.say(s.world.admin, "!article add", attachments=[("bridge.md", FIRST_ARTICLE)])
        assert "1 added (bridge)" in added.content
        answer = await s.say(s.world.member, "!ask when will the bridge open")
        assert answer.embeds and "The mayor said the new **bridge** will **open** in May." in answer.text()
