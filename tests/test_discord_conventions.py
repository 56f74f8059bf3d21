"""Discord conventions server owners expect, end to end: a redelivered message is answered once, autocomplete
choices lead back to the right article, private replies stay private, a missing permission is one warning line,
and `help` shows the slash commands as Discord's client types them."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

import bot.discord.replies
from bot.discord.cogs.errors import GENERIC_FAILURE
from testing.bot_harness import stage
from testing.discord_emulator import Perm


@pytest.mark.asyncio
async def test_a_message_delivered_twice_is_answered_once(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        message = await s.emu.send_message(s.world.general, s.world.member, "!ask border czar")
        assert (await s.emu.wait_for_message(s.world.general)).embeds
        await s.emu.redeliver(message)  # the same MESSAGE_CREATE again, as after a resume
        assert await s.quiet(0.5) == []
        assert (await s.say(s.world.member, "!ask border czar")).embeds, "a new message is still answered"


@pytest.mark.asyncio
async def test_autocomplete_choices_lead_back_to_their_article_when_ids_and_titles_differ_late(
    tmp_path: Path,
) -> None:
    shared_id, shared_title = "a" * 110, "The border czar story, told at great length by a very patient reporter " * 2
    async with stage(tmp_path) as s:
        for ending in ("one", "two"):
            article = {"title": f"{shared_title}part {ending}", "paragraphs": [f"the {ending} paragraph"]}
            (s.corpus_dir / f"{shared_id}-{ending}.json").write_text(json.dumps(article), encoding="utf-8")
        assert (await s.say(s.world.admin, "!reload")).content.startswith("Reloaded")
        typed = await s.emu.send_interaction(s.world.general, s.world.member, "source", {"article": "patient"}, type=4)
        await s.emu.wait_until(typed.answered, timeout=5, describe=typed.describe)
        values = [choice["value"] for choice in typed.choices]
        assert len(set(values)) == 2 and all(len(value) <= 100 for value in values), values
        names = [choice["name"] for choice in typed.choices]
        assert len(names) == 2 and len(set(names)) == 2, f"the two choices look alike: {names}"
        assert {name.endswith(("part one", "part two")) for name in names} == {True}, names
        for choice in typed.choices:
            record = await s.slash(s.world.member, "source", {"article": choice["value"]})
            ending = "one" if choice["name"].endswith("one") else "two"
            assert f"id: {shared_id}-{ending}" in record.messages[0].text(), (choice, record.messages[0].text())


@pytest.mark.asyncio
async def test_private_replies_are_ephemeral_for_slash_and_deleted_after_a_while_for_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.discord.replies, "PRIVATE_REPLY_SECONDS", 0.5)
    async with stage(tmp_path) as s:
        prefix_replies = [
            await s.say(s.world.member, text) for text in ("!help", "!reload", "!source zebrafish", "!ask zebrafish")
        ]
        assert all(reply.content or reply.embeds for reply in prefix_replies)
        await s.emu.wait_until(
            lambda: all(reply.deleted for reply in prefix_replies),
            timeout=5,
            describe=lambda: "still shown: " + ", ".join(str(r) for r in prefix_replies if not r.deleted),
        )
        for name, options in (("help", {}), ("reload", {}), ("source", {"article": "zebrafish"})):
            record = await s.slash(s.world.member, name, options)
            assert all(message.ephemeral for message in record.messages), name


@pytest.mark.asyncio
async def test_a_missing_send_permission_is_one_warning_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    async with stage(tmp_path) as s:
        refused = s.emu.fail_next("POST /channels/*/messages", status=403, code=50013, count=5)
        with caplog.at_level(logging.DEBUG):
            await s.emu.send_message(s.world.general, s.world.member, "!ask border czar")
            await s.emu.wait_until(lambda: refused.served, timeout=5, describe=lambda: "the bot never tried to send")
            await s.quiet(0.3)
        ours = [record for record in caplog.records if record.name.startswith("bot")]
        warnings = [record for record in ours if record.levelno >= logging.WARNING]
        assert len(warnings) == 1, [record.getMessage() for record in warnings]
        (warning,) = warnings
        assert warning.levelno == logging.WARNING and warning.exc_info is None
        assert "Story Guild" in warning.getMessage() and "#general" in warning.getMessage()
        assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
        assert len(refused.served) == 1, "no second try at an error reply that would be refused too"


@pytest.mark.asyncio
async def test_a_channel_without_embed_links_gets_a_plain_explanation(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with stage(tmp_path) as s:
        plain = s.emu.add_text_channel(s.world.guild, "plain", overwrites={s.world.bot: (0, Perm.EMBED_LINKS)})
        await s.emu.refresh_guild(s.world.guild)
        with caplog.at_level(logging.WARNING):
            reply = await s.say(s.world.member, "!ask border czar", channel=plain)
        assert "Embed Links" in reply.content and GENERIC_FAILURE not in reply.content
        (warning,) = [record for record in caplog.records if record.name.startswith("bot")]
        assert "#plain" in warning.getMessage() and warning.exc_info is None


@pytest.mark.asyncio
async def test_help_shows_the_slash_commands_as_they_are_defined(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        synced = await s.emu.wait_for_commands(s.world.guild)
        text = (await s.say(s.world.member, "!help")).text()
        assert "`/who words:<text>`" in text and "`/article add [file:<attachment>] [url:<text>]`" in text
        assert "`!who said <words>`" in text and "`!ask|search <question>`" in text
        assert "`!findsource|source? (as a reply to the message)` · Apps → **Find the source** on a message" in text
        assert "The Context menu under an answer shows the paragraphs around a passage." in text
        for command in synced:
            if command["type"] == 3:  # a message context menu: Apps → name, on its prefix twin's line
                assert f"Apps → **{command['name']}** on a message" in text, command["name"]
                continue
            options = command.get("options") or []
            subcommands = [option for option in options if option["type"] in (1, 2)]
            leaves = [(command["name"], options)] if not subcommands else []
            for sub in subcommands:
                inner = sub.get("options") or []
                nested = [option for option in inner if option["type"] == 1]
                leaves += [(f"{command['name']} {sub['name']} {n['name']}", n.get("options") or []) for n in nested]
                if not nested:
                    leaves.append((f"{command['name']} {sub['name']}", inner))
            for name, leaf_options in leaves:
                usage = " ".join([f"/{name}", *(f"{option['name']}:" for option in leaf_options)])
                shown = re.compile(f"`/{re.escape(name)}[ `]")
                line = next((line for line in text.splitlines() if shown.search(line)), None)
                assert line is not None, f"/{name} is missing from help"
                assert all(part in line for part in usage.split()), (usage, line)
