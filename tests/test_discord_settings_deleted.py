"""Settings never get stuck on channels and roles that are gone, end to end: Discord's delete events, deletions while
the bot was away, removal by id, `clear`, marks in `config show`, and leaving and rejoining a guild."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.discord.app import StoryBot
from testing.bot_harness import Stage, make_bot, make_settings, stage
from testing.discord_emulator import DiscordEmulator
from testing.discord_emulator.fixtures import running_bot, running_emulator


async def settled(s: Stage, check: Any, what: str) -> None:
    """Wait (5 s at most) until the guild's settings satisfy `check`: delete events are handled in the background."""
    for _ in range(100):
        if check(await s.bot.guild_store.get(s.world.guild.id)):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(what)


def unseen_channel(s: Stage, name: str, *, thread_of: Any = None) -> Any:
    """A channel (or archived thread) that exists on Discord but that the connected bot never heard of."""
    if thread_of is not None:
        thread = s.emu.world.add_thread(thread_of, name)
        thread.archived = True
        return thread
    return s.emu.world.add_text_channel(s.world.guild, name)


async def ghost_channel(s: Stage) -> int:
    """The id of a channel deleted while the bot was away: in no cache, and Discord answers 404 for it."""
    channel = unseen_channel(s, "ghost")
    await s.emu.delete_channel(channel, announce=False)
    return channel.id


@pytest.mark.asyncio
async def test_a_deleted_answer_channel_is_forgotten_and_the_bot_answers_again(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        room = await s.emu.create_channel(w.guild, "room")
        await s.emu.wait_until(lambda: s.bot.get_channel(room.id), timeout=5, describe=lambda: "room not seen")
        await s.say(w.admin, f"!config channels add <#{room.id}>")
        await s.emu.send_message(w.general, w.member, "!who said border czar")
        assert await s.quiet() == []
        await s.emu.delete_channel(room)
        await settled(s, lambda settings: settings.channels == (), "room not forgotten")
        assert (await s.say(w.member, "!who said border czar")).embeds, "not stuck answering nowhere"
        actions = await s.bot.guild_store.recent_actions(w.guild.id)
        assert actions[0][1:] == (
            "(Discord)",
            "config",
            f"Forgot {room.id} from the channel allow-list: it was deleted",
        )


@pytest.mark.asyncio
async def test_a_deleted_channel_among_others_leaves_the_rest_of_the_list(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        await s.say(w.admin, f"!config channels add <#{w.news.id}>")
        await s.say(w.admin, f"!config channels add <#{w.thread.id}>")
        await s.emu.delete_channel(w.thread)
        await settled(s, lambda settings: settings.channels == (w.news.id,), "thread not forgotten")
        await s.emu.send_message(w.general, w.member, "!who said border czar")
        assert await s.quiet() == [], "still restricted to #news"


@pytest.mark.asyncio
async def test_a_listed_channel_that_is_gone_is_marked_and_removable_by_mention_id_or_autocomplete(
    tmp_path: Path,
) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        ghost = await ghost_channel(s)
        for typed in (f"<#{ghost}>", str(ghost)):
            await s.bot.guild_store.set(w.guild.id, channels=(w.news.id, ghost))
            shown = (await s.say(w.admin, "!config show")).content
            assert f"<#{w.news.id}>, not found (deleted?) `{ghost}`" in shown and "config channels remove <id>" in shown
            removed = await s.say(w.admin, f"!config channels remove {typed}")
            assert removed.content.startswith(f"Removed the deleted channel `{ghost}`."), removed.content
            assert (await s.bot.guild_store.get(w.guild.id)).channels == (w.news.id,)

        await s.bot.guild_store.set(w.guild.id, channels=(w.news.id, ghost))
        typed = await s.emu.send_interaction(w.general, w.admin, "config channels remove", {"channel": ""}, type=4)
        await s.emu.wait_until(typed.answered, timeout=5, describe=typed.describe)
        assert [(c["name"], c["value"]) for c in typed.choices] == [
            ("#news", str(w.news.id)),
            (f"deleted channel ({ghost})", str(ghost)),
        ]
        for command in s.emu.commands[w.guild.id]:  # even where a server shows /config to everyone
            command["default_member_permissions"] = None
        members_see = await s.emu.send_interaction(
            w.general, w.member, "config channels remove", {"channel": ""}, type=4
        )
        await s.emu.wait_until(members_see.answered, timeout=5, describe=members_see.describe)
        assert members_see.choices == []
        record = await s.slash(w.admin, "config channels remove", {"channel": str(ghost)})
        assert record.messages[0].content.startswith(f"Removed the deleted channel `{ghost}`.")
        assert (await s.bot.guild_store.get(w.guild.id)).channels == (w.news.id,)


@pytest.mark.asyncio
async def test_when_only_gone_channels_are_listed_the_bot_checks_with_discord_and_answers_everywhere(
    tmp_path: Path,
) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        ghost = await ghost_channel(s)
        await s.bot.guild_store.set(w.guild.id, channels=(ghost,))
        refused = await s.slash(w.member, "who", {"words": "border czar"})
        assert (
            "can't be found any more" in refused.messages[0].content
            and "config channels clear" in refused.messages[0].content
        )
        await settled(s, lambda settings: settings.channels == (), "the gone channel was not forgotten")
        assert (await s.say(w.member, "!who said border czar")).embeds


@pytest.mark.asyncio
async def test_an_archived_thread_is_not_mistaken_for_a_deleted_channel(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        archived = unseen_channel(s, "old thread", thread_of=w.news)
        await s.bot.guild_store.set(w.guild.id, channels=(archived.id,))
        await s.emu.send_message(w.general, w.member, "!who said border czar")
        await s.emu.wait_until(
            lambda: f"GET /channels/{archived.id}" in s.emu.requests, timeout=5, describe=lambda: "Discord not asked"
        )
        assert await s.quiet() == [], "the bot stays where the admins said"
        assert (await s.bot.guild_store.get(w.guild.id)).channels == (archived.id,)


@pytest.mark.asyncio
async def test_clear_empties_either_list_even_when_it_holds_deleted_entries(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        ghost = await ghost_channel(s)
        await s.bot.guild_store.set(w.guild.id, channels=(ghost, w.news.id), moderator_roles=(w.moderator_role.id,))
        cleared = await s.say(w.admin, "!config channels clear", channel=w.news)
        assert (
            cleared.content
            == f"Cleared the list (it held <#{ghost}>, <#{w.news.id}>): I answer in every channel again."
        )
        assert (await s.say(w.member, "!who said border czar")).embeds
        again = await s.slash(w.admin, "config channels clear")
        assert "already empty" in again.messages[0].content
        assert "Cleared the moderator roles" in (await s.slash(w.admin, "config modrole clear")).messages[0].content
        assert "moderators" in (await s.say(w.moderator, "!reload")).content.lower()
        assert await s.bot.guild_store.get(w.guild.id) == s.bot.guild_store.defaults


@pytest.mark.asyncio
async def test_an_admin_removing_the_only_channel_they_are_typing_in_is_told_the_bot_answers_everywhere(
    tmp_path: Path,
) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        await s.say(w.admin, f"!config channels add <#{w.news.id}>", channel=w.news)
        reply = await s.say(w.admin, f"!config channels remove <#{w.news.id}>", channel=w.news)
        assert reply.content.startswith(f"Removed <#{w.news.id}>. The list is empty: I answer in every channel again.")
        assert (await s.say(w.member, "!who said border czar")).embeds


@pytest.mark.asyncio
async def test_a_deleted_moderator_role_is_forgotten_and_a_new_role_of_the_same_name_is_not_a_moderator_role(
    tmp_path: Path,
) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        await s.say(w.admin, f"!config modrole add <@&{w.moderator_role.id}>")
        assert "Reloaded" in (await s.say(w.moderator, "!reload")).content
        await s.emu.delete_role(w.moderator_role)
        await settled(s, lambda settings: settings.moderator_roles == (), "the deleted role was not forgotten")
        again = await s.emu.create_role(w.guild, "Moderator")
        w.moderator.roles.append(again.id)
        assert "moderators" in (await s.say(w.moderator, "!reload")).content.lower()
        assert "is not a moderator role" in (await s.say(w.admin, "!config modrole remove Moderator")).content
        assert "none (Manage Server only)" in (await s.say(w.admin, "!config show")).content


@pytest.mark.asyncio
async def test_a_moderator_role_that_is_gone_is_marked_and_removable_by_id(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        gone = s.emu.add_role(w.guild, "Gone")  # never seen by the bot, then deleted: as if deleted while away
        await s.emu.delete_role(gone, announce=False)
        await s.bot.guild_store.set(w.guild.id, moderator_roles=(w.moderator_role.id, gone.id))
        shown = (await s.say(w.admin, "!config modrole")).content
        assert f"<@&{w.moderator_role.id}>, deleted role `{gone.id}`" in shown
        removed = await s.say(w.admin, f"!config modrole remove <@&{gone.id}>")
        assert removed.content.startswith(f"Removed the deleted role `{gone.id}`.")
        assert (await s.bot.guild_store.get(w.guild.id)).moderator_roles == (w.moderator_role.id,)


@contextlib.asynccontextmanager
async def bot_run(emu: DiscordEmulator, tmp_path: Path, guild_id: int) -> AsyncIterator[StoryBot]:
    """One run of storybot on the same state folder (a restart is a second run)."""
    bot = await make_bot(make_settings(tmp_path, guild_id))
    async with running_bot(bot, emu):
        yield bot


@pytest.mark.asyncio
async def test_deletions_while_the_bot_was_down_are_caught_up_at_start_and_settings_survive(tmp_path: Path) -> None:
    async with running_emulator() as emu:
        w = emu.add_standard_guild()
        room = emu.add_text_channel(w.guild, "room")
        async with bot_run(emu, tmp_path, w.guild.id) as bot:
            await emu.wait_for_commands(w.guild)
            for command in (f"channels add <#{room.id}>", f"channels add <#{w.news.id}>", "results 4", "prefix ?"):
                await emu.send_message(w.general, w.admin, f"!config {command}")
                await emu.wait_for_message(w.general, timeout=10)
            await emu.send_message(w.general, w.admin, f"?config modrole add <@&{w.moderator_role.id}>")
            await emu.wait_for_message(w.general, timeout=10)
        await emu.delete_channel(room, announce=False)
        await emu.delete_role(w.moderator_role, announce=False)
        async with bot_run(emu, tmp_path, w.guild.id) as bot:
            store = bot.guild_store
            for _ in range(100):
                settings = await store.get(w.guild.id)
                if settings.channels == (w.news.id,) and not settings.moderator_roles:
                    break
                await asyncio.sleep(0.05)
            assert (settings.channels, settings.moderator_roles) == ((w.news.id,), ()), "not caught up at start"
            kept = await store.get(w.guild.id)
            assert (kept.results, kept.prefix) == (4, "?")
            await emu.send_message(w.news, w.member, "?who said border czar")
            assert (await emu.wait_for_message(w.news, timeout=10)).embeds
        emu.assert_no_violations()


@pytest.mark.asyncio
async def test_leaving_a_guild_keeps_its_settings_for_a_re_invite_and_an_outage_changes_nothing(
    tmp_path: Path,
) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        await s.say(w.admin, "!config prefix ?")
        await s.emu.guild_outage(w.guild)
        await s.emu.wait_until(lambda: s.bot.get_guild(w.guild.id).unavailable, timeout=5, describe=lambda: "outage")
        await s.emu.refresh_guild(w.guild)
        await s.emu.remove_bot_from_guild(w.guild)
        await s.emu.wait_until(lambda: s.bot.get_guild(w.guild.id) is None, timeout=5, describe=lambda: "not removed")
        await s.emu.invite_bot_to_guild(w.guild)
        await s.emu.wait_until(lambda: s.bot.get_guild(w.guild.id), timeout=5, describe=lambda: "not back")
        assert (await s.say(w.member, "?who said border czar")).embeds, "the prefix came back with the bot"


@pytest.mark.asyncio
async def test_full_lists_of_gone_channels_and_roles_fit_in_one_message_everywhere(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        channels = tuple(range(10**18, 10**18 + 50))  # ids Discord answers 404 for
        roles = tuple(range(2 * 10**18, 2 * 10**18 + 25))
        await s.bot.guild_store.set(w.guild.id, channels=channels, moderator_roles=roles)
        for command in ("!config show", "!config channels list", "!config channels remove 1"):
            reply = await s.say(w.admin, command)
            assert "more" in reply.content, (command, reply.content)
        assert (await s.say(w.admin, "!config modrole")).content.count("deleted role `") == 25
        full = await s.say(w.admin, f"!config channels add <#{w.news.id}>")
        assert "at most 50" in full.content
        removed = await s.say(w.admin, f"!config channels remove {channels[0]}")
        assert removed.content.startswith(f"Removed the deleted channel `{channels[0]}`.") and "more" in removed.content
        s.emu.assert_no_violations()  # every reply within Discord's 2,000 characters
