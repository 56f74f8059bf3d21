"""The Context menu under an answer, end to end through the Discord emulator: any member picks a shown passage and
privately gets the paragraphs around it, cited exactly; it follows More passages; the first and last paragraph; an
article changed or removed since the answer; paragraphs too long for an embed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from testing.bot_harness import Stage, stage
from testing.discord_emulator import SentMessage
from testing.discord_emulator.records import InteractionRecord


def select_of(message: SentMessage) -> dict[str, Any]:
    """The answer's Context menu, as the member sees it now."""
    (select,) = [c for row in message.components for c in row["components"] if c["type"] == 3]
    return select


async def pick(s: Stage, message: SentMessage, who: Any, number: int, channel: Any = None) -> InteractionRecord:
    """Pick passage `number` in the answer's Context menu as `who`; the record once answered privately."""
    select = select_of(message)
    assert str(number) in [option["value"] for option in select["options"]], select["options"]
    record = await s.emu.send_interaction(
        channel or s.world.general, who, type=3, custom_id=select["custom_id"], message=message, values=[str(number)]
    )
    await s.emu.wait_until(lambda: record.followups, timeout=10, describe=record.describe)
    return record


def field_names(message: SentMessage) -> list[str]:
    return [field["name"] for field in message.embeds[0]["fields"]]


async def reload(s: Stage) -> None:
    done = await s.say(s.world.admin, "!reload")
    assert done.content.startswith("Reloaded"), done.content


@pytest.mark.asyncio
async def test_any_member_sees_the_paragraphs_around_a_passage_privately(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        answer = await s.say(s.world.member, "!who said say it to my face")
        options = select_of(answer)["options"]
        assert options[0]["label"].startswith("1. Harris goes on offensive") and options[0]["description"] == (
            "paragraph 4"
        )
        record = await pick(s, answer, s.world.other_member, 1)
        assert record.response_type == 7, "the menu is reset, so the same passage can be picked again"
        (context,) = record.followups
        assert context.ephemeral
        embed = context.embeds[0]
        assert embed["title"] == "Harris goes on offensive on immigration, comparing her record with Trump’s"
        assert "31 Jul 2024 · paragraphs 2–6 of 16" in embed["description"]
        assert field_names(context) == [
            "Paragraph 2",
            "Paragraph 3",
            "Paragraph 4 (the passage)",
            "Paragraph 5",
            "Paragraph 6",
        ]
        assert embed["fields"][2]["value"].startswith("“In this campaign, I will proudly")
        again = await pick(s, answer, s.world.other_member, 1)
        assert again.followups[0].embeds[0]["fields"] == embed["fields"]


@pytest.mark.asyncio
async def test_the_menu_follows_more_passages_and_works_on_slash_answers(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        record = await s.slash(s.world.member, "ask", {"question": "Harris"})
        (answer,) = record.messages
        assert [o["value"] for o in select_of(answer)["options"]] == ["1", "2", "3"]
        more = next(c for row in answer.components for c in row["components"] if c["type"] == 2)
        pressed = await s.emu.send_interaction(
            s.world.general, s.world.member, type=3, custom_id=more["custom_id"], message=answer
        )
        await s.emu.wait_until(lambda: len(answer.edits) >= 1, timeout=10, describe=pressed.describe)
        assert [o["value"] for o in select_of(answer)["options"]] == ["4", "5", "6"]
        context = (await pick(s, answer, s.world.member, 5)).followups[0]
        page_field = answer.embeds[0]["fields"][1]
        assert page_field["name"].startswith("5. ")
        cited = page_field["value"].rsplit("paragraph ", 1)[1].split()[0]
        assert f"Paragraph {cited} (the passage)" in field_names(context), "the passage the answer cited"


@pytest.mark.asyncio
async def test_the_first_and_last_paragraphs_say_nothing_comes_before_or_after(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        (s.corpus_dir / "short.md").write_text(
            "# Harbour news\n\nThe harbour master opened the season.\n\nBoats came in.\n\n"
            "The harbour closed at dusk.\n",
            encoding="utf-8",
        )
        await reload(s)
        first = await s.say(s.world.member, "!ask harbour master opened")
        context = (await pick(s, first, s.world.member, 1)).followups[0]
        assert field_names(context) == ["Paragraph 1 (the passage)", "Paragraph 2", "Paragraph 3"]
        assert "first paragraph: nothing comes before it" in context.embeds[0]["description"]
        last = await s.say(s.world.member, "!ask harbour closed at dusk")
        context = (await pick(s, last, s.world.member, 1)).followups[0]
        assert field_names(context) == ["Paragraph 1", "Paragraph 2", "Paragraph 3 (the passage)"]
        assert "last paragraph: nothing comes after it" in context.embeds[0]["description"]


@pytest.mark.asyncio
async def test_an_article_changed_or_removed_after_the_answer_is_said_so(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        path = s.corpus_dir / "short.md"
        path.write_text("# Harbour news\n\nThe harbour master opened the season.\n\nBoats came in.\n", encoding="utf-8")
        await reload(s)
        answer = await s.say(s.world.member, "!ask boats came in")
        path.write_text(
            "# Harbour news\n\nA new first paragraph.\n\nThe harbour master opened the season.\n\nBoats came in.\n",
            encoding="utf-8",
        )
        await reload(s)
        context = (await pick(s, answer, s.world.member, 1)).followups[0]
        assert "now paragraph 3 (it was 2)" in context.embeds[0]["description"]
        assert "Paragraph 3 (the passage)" in field_names(context)
        path.write_text("# Harbour news\n\nThe harbour master opened the season.\n\nNo boats.\n", encoding="utf-8")
        await reload(s)
        gone = (await pick(s, answer, s.world.member, 1)).followups[0]
        assert "no longer in the article" in gone.content and gone.ephemeral
        path.unlink()
        await reload(s)
        removed = (await pick(s, answer, s.world.member, 1)).followups[0]
        assert "no longer in the story" in removed.content


@pytest.mark.asyncio
async def test_very_long_paragraphs_fit_discord_s_limits(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        long = " ".join(["The harbour master spoke at length about the tides."] * 90)  # about 4,700 characters
        paragraphs = "\n\n".join(f"{n}. {long}" if n != 3 else f"Lighthouse keepers. {long}" for n in range(1, 6))
        (s.corpus_dir / "long.md").write_text(f"# {'A very long title ' * 20}\n\n{paragraphs}\n", encoding="utf-8")
        await reload(s)
        answer = await s.say(s.world.member, "!ask lighthouse keepers")
        context = (await pick(s, answer, s.world.member, 1)).followups[0]
        assert len(field_names(context)) == 5 and "Paragraph 3 (the passage)" in field_names(context)
        assert all(field["value"].endswith("…") for field in context.embeds[0]["fields"])
    # Leaving the stage asserts that every embed kept Discord's limits (6,000 an embed, 1,024 a field).
