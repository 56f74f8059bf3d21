"""Members ask, end to end: the real bot and discord.py against the local Discord emulator."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from testing.bot_harness import stage

QUIET = {"parse": []}


@pytest.mark.asyncio
async def test_who_said_answers_with_bold_matches_and_citations(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        reply = await s.say(s.world.member, "!who said border czar")
        text = reply.text()
        assert "**border czar**" in text.lower()
        assert "Harris goes on offensive on immigration" in text
        assert "31 Jul 2024" in text and "paragraph 12" in text
        assert reply.payload["allowed_mentions"] == QUIET
        (embed,) = reply.embeds
        assert len(embed["fields"]) == 3, "three passages by default"


@pytest.mark.asyncio
async def test_slash_ask_and_the_search_alias_answer_like_the_prefix_command(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        record = await s.slash(s.world.member, "ask", {"question": "border czar"})
        (answer,) = record.messages
        assert "**border czar**" in answer.text().lower() and "paragraph" in answer.text()
        alias = await s.say(s.world.member, "!search border czar")
        assert alias.embeds[0]["fields"] == answer.embeds[0]["fields"]


@pytest.mark.asyncio
async def test_more_button_pages_on_for_the_asker_only(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        first = await s.say(s.world.member, "!ask Harris")
        first_fields = [field["value"] for field in first.embeds[0]["fields"]]
        (button,) = [
            c for row in first.components for c in row["components"] if c["type"] == 2 and c.get("label")
        ]  # not 👍 / 👎
        custom_id = button["custom_id"]

        stranger = await s.emu.send_interaction(s.world.general, s.world.other_member, type=3, custom_id=custom_id)
        await s.emu.wait_until(stranger.answered, timeout=5, describe=stranger.describe)
        (refusal,) = stranger.messages
        assert refusal.ephemeral and "only" in refusal.content.lower()
        assert [field["value"] for field in first.embeds[0]["fields"]] == first_fields, "a stranger changed nothing"

        press = await s.emu.send_interaction(s.world.general, s.world.member, type=3, custom_id=custom_id)
        await s.emu.wait_until(press.answered, timeout=5, describe=press.describe)
        second_fields = [field["value"] for field in first.embeds[0]["fields"]]
        assert second_fields and second_fields != first_fields
        assert "passages 4–6" in first.embeds[0]["footer"]["text"]


@pytest.mark.asyncio
async def test_more_button_expires(tmp_path: Path) -> None:
    async with stage(tmp_path, discord={"page_timeout_seconds": 5}) as s:
        first = await s.say(s.world.member, "!ask Harris")
        await s.emu.wait_until(
            lambda: all(c.get("disabled") for row in first.components for c in row["components"] if c.get("label")),
            timeout=10,
            describe=lambda: f"components still live: {first.components}",
        )


@pytest.mark.asyncio
async def test_no_match_is_a_short_reply_and_private_for_slash(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        reply = await s.say(s.world.member, "!ask zebrafish quantum")
        assert not reply.embeds and len(reply.content) < 300 and "story" in reply.content
        record = await s.slash(s.world.member, "ask", {"question": "zebrafish quantum"})
        (answer,) = record.messages
        assert answer.ephemeral and not answer.embeds


@pytest.mark.asyncio
async def test_sources_source_and_autocomplete(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        listing = await s.say(s.world.member, "!sources")
        assert "harris-team-panicked-over-border-assignment" in listing.text()
        assert "Harris goes on offensive on immigration" in listing.text()

        one = await s.say(s.world.member, "!source panicked")
        assert "Kamala Harris’ team ‘panicked’" in one.text() and "paragraphs: 25" in one.text()

        typed = await s.emu.send_interaction(s.world.general, s.world.member, "source", {"article": "offens"}, type=4)
        await s.emu.wait_until(typed.answered, timeout=5, describe=typed.describe)
        assert [choice["value"] for choice in typed.choices] == ["harris-goes-on-offensive-on-immigration"]

        empty = await s.emu.send_interaction(s.world.general, s.world.member, "source", {"article": ""}, type=4)
        await s.emu.wait_until(empty.answered, timeout=5, describe=empty.describe)
        assert len(empty.choices) == 2


@pytest.mark.asyncio
async def test_help_lists_the_commands_privately_for_slash(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        reply = await s.say(s.world.member, "!help")
        assert "who said" in reply.text() and "reload" in reply.text()
        record = await s.slash(s.world.member, "help")
        assert record.messages[0].ephemeral


@pytest.mark.asyncio
async def test_mentions_in_a_question_ping_nobody(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        role = s.world.moderator_role.id
        user = s.world.other_member.user.id
        reply = await s.say(s.world.member, f"!ask @everyone @here <@&{role}> <@{user}> border czar")
        assert reply.payload["allowed_mentions"] == QUIET
        assert "**border czar**" in reply.text().lower(), "mention syntax is not part of the question"
        record = await s.slash(s.world.member, "who", {"words": f"@everyone <@{user}> border czar"})
        assert all(message.payload.get("allowed_mentions") == QUIET for message in record.messages)


@pytest.mark.asyncio
async def test_bots_are_ignored_and_dms_are_told_to_ask_in_a_server(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        await s.emu.send_message(s.world.general, s.world.other_bot, "!who said border czar")
        assert await s.quiet() == []
        reply = await s.say(s.world.member, "!ask border czar", channel=s.world.dm)
        assert "server" in reply.content and not reply.embeds


@pytest.mark.asyncio
async def test_asking_too_quickly_gets_a_cooldown_reply(tmp_path: Path) -> None:
    async with stage(tmp_path, discord={"cooldown_asks": 2, "cooldown_seconds": 60}) as s:
        for _ in range(2):
            assert (await s.say(s.world.member, "!ask border")).embeds
        slow_down = await s.say(s.world.member, "!ask border")
        assert "try again in" in slow_down.content and not slow_down.embeds
        record = await s.slash(s.world.member, "ask", {"question": "border"})
        assert "try again in" in record.messages[0].content and record.messages[0].ephemeral
        other = await s.say(s.world.other_member, "!ask border")
        assert other.embeds, "one member's cooldown does not stop another"


@pytest.mark.asyncio
async def test_a_slow_search_defers_instead_of_missing_the_deadline(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        engine = s.bot.service.engine
        real_search = engine.search

        def slow_search(*args: object, **kwargs: object) -> object:
            time.sleep(1.5)  # a worker thread: the event loop stays free to defer
            return real_search(*args, **kwargs)

        engine.search = slow_search  # type: ignore[method-assign]
        record = await s.emu.send_interaction(s.world.general, s.world.member, "ask", {"question": "border czar"})
        await s.emu.wait_until(record.answered, timeout=10, describe=record.describe)
        assert record.response_type == 5, "deferred within Discord's 3 seconds"
        assert "paragraph" in record.messages[0].text()


@pytest.mark.asyncio
async def test_who_said_names_the_speaker_or_says_no_quotation_matched(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        reply = await s.say(s.world.member, "!who said say it to my face")
        first = reply.embeds[0]["fields"][0]["value"]
        assert first.startswith("**Kamala Harris**: “") and "paragraph 4" in first

        record = await s.slash(s.world.member, "who", {"words": "implications in the Northern Triangle"})
        assert record.messages[0].embeds[0]["fields"][0]["value"].startswith("**Cris Ramon**")

        fallback = await s.say(s.world.member, "!who said firing line of conservatives")
        assert fallback.embeds[0]["description"].startswith("No quotation matches")
        assert "**firing line**" in fallback.embeds[0]["fields"][0]["value"]
