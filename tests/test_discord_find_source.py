"""Find the source end to end through the Discord emulator: Apps → Find the source on a member's message (type 2,
data.type 3, target_id, resolved.messages, as Discord sends it), its Post in channel button, and `!findsource` /
`!source?` as a reply."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from testing.bot_harness import Stage, stage
from testing.discord_emulator import SentMessage
from testing.discord_emulator.limits import mention_problem
from testing.discord_emulator.records import InteractionRecord

MENU = "Find the source"
QUOTE = '"Donald Trump does not care about border security, he only cares about himself" — Kamala Harris'


async def use_menu(s: Stage, who: Any, target: Any, channel: Any = None) -> InteractionRecord:
    """Apps → Find the source on `target` as `who`; the record once answered."""
    channel = channel if channel is not None else s.world.general
    record = await s.emu.send_message_command(channel, who, MENU, target)
    await s.emu.wait_until(record.answered, timeout=10, describe=record.describe)
    return record


def button(message: SentMessage, label: str) -> dict[str, Any]:
    """The message's button with that label."""
    return next(c for row in message.components for c in row["components"] if c.get("label") == label)


async def press(s: Stage, message: SentMessage, who: Any, label: str) -> InteractionRecord:
    """Press a button of `message` (which may be ephemeral) as `who`; the record once answered."""
    record = await s.emu.send_interaction(
        s.world.general, who, type=3, custom_id=button(message, label)["custom_id"], message=message
    )
    await s.emu.wait_until(record.answered, timeout=10, describe=record.describe)
    return record


@pytest.mark.asyncio
async def test_the_context_menu_is_synced_as_a_message_command_for_servers_only(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        (menu,) = [c for c in s.emu.commands[s.world.guild.id] if c["type"] == 3]
        assert menu["name"] == MENU and menu["description"] == "" and menu["contexts"] == [0]


@pytest.mark.asyncio
async def test_find_the_source_answers_privately_with_the_passage_and_its_speaker(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        pasted = await s.emu.send_message(s.world.general, s.world.other_member, QUOTE)
        record = await use_menu(s, s.world.member, pasted)
        (answer,) = record.messages
        assert answer.ephemeral
        embed = answer.embeds[0]
        assert embed["title"].startswith("Found in the story")
        first = embed["fields"][0]
        assert first["value"].startswith("**Kamala Harris**: “") and "paragraph 3" in first["value"]
        assert "31 Jul 2024" in first["value"]
        assert button(answer, "Post in channel") and not s.emu.bot_messages(s.world.general)[:-1]


@pytest.mark.asyncio
async def test_post_in_channel_posts_once_pinging_nobody_and_names_who_asked(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        pasted = await s.emu.send_message(s.world.general, s.world.other_member, QUOTE)
        (answer,) = (await use_menu(s, s.world.member, pasted)).messages
        first = await press(s, answer, s.world.member, "Post in channel")
        post = await s.emu.wait_for_message(s.world.general, lambda m: m.via == "channel", timeout=10)
        assert f"<@{s.world.member.user.id}>" in post.content, "who asked, as a mention"
        assert mention_problem(post.payload) is None and post.payload["allowed_mentions"]["replied_user"] is False
        assert post.message["message_reference"]["message_id"] == pasted["id"], "a reply to the checked message"
        assert post.embeds[0]["fields"] == answer.embeds[0]["fields"]
        assert first.response_type == 6
        assert button(answer, "Posted").get("disabled"), "the private answer shows it was posted"
        # A second press (a client that had not refreshed the button) posts nothing more and says where it is.
        answer.message["components"][0]["components"][0]["disabled"] = False
        again = await press(s, answer, s.world.member, "Posted")
        assert "Already posted" in again.followups[0].content and again.followups[0].ephemeral
        assert len([m for m in s.emu.bot_messages(s.world.general) if m.via == "channel"]) == 1


@pytest.mark.asyncio
async def test_two_presses_at_once_post_once(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        pasted = await s.emu.send_message(s.world.general, s.world.other_member, QUOTE)
        (answer,) = (await use_menu(s, s.world.member, pasted)).messages
        custom_id = button(answer, "Post in channel")["custom_id"]
        records = [
            await s.emu.send_interaction(s.world.general, s.world.member, type=3, custom_id=custom_id, message=answer)
            for _ in range(2)
        ]
        for record in records:
            await s.emu.wait_until(record.answered, timeout=10, describe=record.describe)
        await s.quiet(0.3)
        assert len([m for m in s.emu.bot_messages(s.world.general) if m.via == "channel"]) == 1


@pytest.mark.asyncio
async def test_a_message_not_from_the_story_says_so_honestly(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        unrelated = await s.emu.send_message(s.world.general, s.world.other_member, "The Eiffel Tower is in Paris.")
        (answer,) = (await use_menu(s, s.world.member, unrelated)).messages
        assert answer.embeds[0]["title"] == "I can't find this in the story."
        assert not answer.embeds[0].get("fields"), "nothing near: no passage shown"
        misquote = "Kamala Harris wants to let every migrant cross the southern border"
        close = await s.emu.send_message(s.world.general, s.world.other_member, misquote)
        (answer,) = (await use_menu(s, s.world.member, close)).messages
        embed = answer.embeds[0]
        assert embed["title"] == "I can't find this in the story."
        assert "nearest passage" in embed["description"] and len(embed["fields"]) == 1


@pytest.mark.asyncio
async def test_messages_without_words_are_told_what_is_not_read(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        link = await s.emu.send_message(w.general, w.other_member, "https://example.com/an-article 😂")
        attached = await s.emu.send_message(w.general, w.other_member, "", attachments=[("photo.png", b"\x89PNG")])
        for target, expected in ((link, "no words"), (attached, "only attachments")):
            (reply,) = (await use_menu(s, w.member, target)).messages
            assert reply.ephemeral and expected in reply.content, reply.content


@pytest.mark.asyncio
async def test_a_bot_answer_is_not_looked_for_but_a_link_preview_is(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        answer = await s.say(w.member, "!who said border czar")
        (reply,) = (await use_menu(s, w.member, answer)).messages
        assert "one of my answers" in reply.content
        preview = {"type": "rich", "title": "Kamala Harris on X", "description": QUOTE.split(" — ")[0]}
        linked = await s.emu.send_message(w.general, w.other_member, "https://x.com/k/status/1", embeds=[preview])
        (found,) = (await use_menu(s, w.member, linked)).messages
        assert found.embeds[0]["title"].startswith("Found in the story")


@pytest.mark.asyncio
async def test_a_deleted_message_is_still_answered_and_posted_without_a_reply(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        pasted = await s.emu.send_message(s.world.general, s.world.other_member, QUOTE)
        (answer,) = (await use_menu(s, s.world.member, pasted)).messages
        await s.emu.store.delete(pasted)
        await press(s, answer, s.world.member, "Post in channel")
        post = await s.emu.wait_for_message(s.world.general, lambda m: m.via == "channel", timeout=10)
        assert "message_reference" not in post.message and post.embeds[0]["fields"]


@pytest.mark.asyncio
async def test_the_prefix_twin_replies_to_the_message_it_checked(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        pasted = await s.emu.send_message(s.world.general, s.world.other_member, QUOTE)
        for command in ("!findsource", "!source?"):
            answer = await s.say(s.world.member, command, reply_to=pasted)
            assert answer.embeds[0]["title"].startswith("Found in the story"), command
            assert answer.message["message_reference"]["message_id"] == pasted["id"]
            assert answer.payload["allowed_mentions"]["replied_user"] is False
        usage = await s.say(s.world.member, "!findsource")
        assert "Reply to a message" in usage.content and "Apps → Find the source" in usage.content


@pytest.mark.asyncio
async def test_the_prefix_twin_on_a_deleted_message_says_so(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        pasted = await s.emu.send_message(s.world.general, s.world.other_member, QUOTE)
        await s.emu.store.delete(pasted)
        answer = await s.say(s.world.member, "!findsource", reply_to=int(pasted["id"]))
        assert "was deleted" in answer.content


@pytest.mark.asyncio
async def test_the_menu_and_the_prefix_twin_share_the_member_cooldown_with_ask(tmp_path: Path) -> None:
    async with stage(tmp_path, discord={"cooldown_asks": 3, "cooldown_seconds": 60}) as s:
        w = s.world
        pasted = await s.emu.send_message(w.general, w.other_member, QUOTE)
        assert (await s.say(w.member, "!ask border czar")).embeds
        assert (await use_menu(s, w.member, pasted)).messages[0].embeds
        assert (await s.say(w.member, "!findsource", reply_to=pasted)).embeds
        (refused,) = (await use_menu(s, w.member, pasted)).messages
        assert refused.ephemeral and "asking quickly" in refused.content
        assert "asking quickly" in (await s.say(w.member, "!source?", reply_to=pasted)).content
        assert (await use_menu(s, w.other_member, pasted)).messages[0].embeds, "another member is not held"


@pytest.mark.asyncio
async def test_a_slow_search_defers_privately_and_its_answer_still_posts(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        real = s.bot.service.find_source

        def slow(*args: Any, **kwargs: Any) -> Any:
            time.sleep(1.5)
            return real(*args, **kwargs)

        s.bot.service.find_source = slow  # type: ignore[method-assign]
        pasted = await s.emu.send_message(s.world.general, s.world.other_member, QUOTE)
        record = await use_menu(s, s.world.member, pasted)
        assert record.response_type == 5, "deferred within Discord's 3 seconds"
        (answer,) = record.messages
        assert answer.ephemeral and answer.embeds[0]["title"].startswith("Found in the story")
        await press(s, answer, s.world.member, "Post in channel")
        post = await s.emu.wait_for_message(s.world.general, lambda m: m.via == "channel", timeout=10)
        assert post.embeds[0]["fields"] == answer.embeds[0]["fields"]


@pytest.mark.asyncio
async def test_posting_where_the_bot_may_not_or_no_longer_answers_is_refused_privately(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        pasted = await s.emu.send_message(w.general, w.other_member, QUOTE)
        (answer,) = (await use_menu(s, w.member, pasted)).messages
        s.emu.fail_next("POST /channels/*/messages", 403, code=50013)
        refused = await press(s, answer, w.member, "Post in channel")
        await s.emu.wait_until(lambda: refused.followups, timeout=10, describe=refused.describe)
        assert "can't post in this channel" in refused.followups[0].content and refused.followups[0].ephemeral
        await s.bot.guild_store.set(w.guild.id, channels=(w.news.id,))  # the admins moved the bot meanwhile
        moved = await press(s, answer, w.member, "Post in channel")
        await s.emu.wait_until(lambda: moved.followups, timeout=10, describe=moved.describe)
        assert f"<#{w.news.id}>" in moved.followups[0].content
        assert not [m for m in s.emu.bot_messages(w.general) if m.via == "channel"], "nothing was posted"


@pytest.mark.asyncio
async def test_a_message_of_4000_characters_with_markup_is_read_from_its_beginning(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        message = (
            "**[click me](https://evil.example)** @everyone “say it to my face” <@&1> "
            + "and then a very long rant about nothing in particular " * 80
        )[:4000]
        pasted = await s.emu.send_message(s.world.general, s.world.other_member, message)
        (answer,) = (await use_menu(s, s.world.member, pasted)).messages
        embed = answer.embeds[0]
        assert embed["title"] == "Found in the story — “say it to my face”"
        assert "Only the beginning of a long message was read." in embed["description"]
        assert "evil.example" not in answer.text() and "@everyone" not in answer.text()


@pytest.mark.asyncio
async def test_the_private_answer_and_the_post_have_the_context_menu(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        pasted = await s.emu.send_message(s.world.general, s.world.other_member, QUOTE)
        (answer,) = (await use_menu(s, s.world.member, pasted)).messages
        await press(s, answer, s.world.member, "Post in channel")
        post = await s.emu.wait_for_message(s.world.general, lambda m: m.via == "channel", timeout=10)
        for message, who in ((answer, s.world.member), (post, s.world.other_member)):
            (select,) = [c for row in message.components for c in row["components"] if c["type"] == 3]
            record = await s.emu.send_interaction(
                s.world.general, who, type=3, custom_id=select["custom_id"], message=message, values=["1"]
            )
            await s.emu.wait_until(lambda r=record: r.followups, timeout=10, describe=record.describe)
            context = record.followups[0]
            assert context.ephemeral and "Paragraph 3 (the passage)" in [f["name"] for f in context.embeds[0]["fields"]]
