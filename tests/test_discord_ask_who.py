"""`!ask who said …` end to end: answered like `!who said …`, with the speaker, and without the weak passages."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.bot_harness import stage


@pytest.mark.asyncio
async def test_ask_who_said_names_the_speaker_and_shows_only_the_strong_passage(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        asked = await s.say(s.world.member, "!ask who said say it to my face")
        who = await s.say(s.world.member, "!who said say it to my face")
        (field,) = asked.embeds[0]["fields"]  # the passages matching only `said` or `facing` are not shown
        assert field["value"].startswith("**Kamala Harris**: “") and "paragraph 4" in field["value"]
        assert asked.embeds[0]["fields"] == who.embeds[0]["fields"]
        more = [c for row in asked.components for c in row["components"] if c.get("label") == "More passages"]
        assert not more, "nothing more to page through (the 👍 / 👎 and the Context menu stay)"

        slash = await s.slash(s.world.member, "ask", {"question": "who said say it to my face"})
        assert slash.messages[0].embeds[0]["fields"] == asked.embeds[0]["fields"]
