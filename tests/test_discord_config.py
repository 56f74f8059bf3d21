"""Admins configure the bot per guild, end to end: the channel allow-list, moderator roles, results, prefix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store import GuildSettings, GuildSettingsStore
from testing.bot_harness import stage
from testing.discord_emulator import CommandUnavailable


@pytest.mark.asyncio
async def test_channel_allow_list_applies_to_prefix_slash_autocomplete_and_threads(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        added = await s.say(w.admin, f"!config channels add <#{w.news.id}>", channel=w.news)
        assert f"<#{w.news.id}>" in added.content

        await s.emu.send_message(w.general, w.member, "!who said border czar")
        await s.emu.send_message(w.thread, w.member, "!who said border czar")
        assert await s.quiet() == [], "prefix commands elsewhere are ignored quietly"

        refused = await s.slash(w.member, "ask", {"question": "border czar"})
        assert refused.messages[0].ephemeral and f"<#{w.news.id}>" in refused.messages[0].content

        typed = await s.emu.send_interaction(w.general, w.member, "source", {"article": "harris"}, type=4)
        await s.emu.wait_until(typed.answered, timeout=5, describe=typed.describe)
        assert typed.choices == []

        assert (await s.say(w.member, "!who said border czar", channel=w.news)).embeds
        listing = await s.say(w.admin, "!config channels list")
        assert f"<#{w.news.id}>" in listing.content, "admins are never locked out of config"

        await s.say(w.admin, f"!config channels remove <#{w.news.id}>")
        assert (await s.say(w.member, "!who said border czar")).embeds, "an empty list allows every channel"


@pytest.mark.asyncio
async def test_a_thread_of_an_allowed_channel_is_allowed(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        await s.say(w.admin, f"!config channels add <#{w.general.id}>")
        assert (await s.say(w.member, "!who said border czar", channel=w.thread)).embeds


@pytest.mark.asyncio
async def test_results_and_prefix_are_per_guild_and_survive_a_restart(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        assert "5" in (await s.slash(w.admin, "config results", {"count": 5})).messages[0].content
        await s.say(w.admin, "!config prefix ?")
        await s.emu.send_message(w.general, w.member, "!ask Harris")
        assert await s.quiet() == [], "the old prefix no longer answers"
        answer = await s.say(w.member, "?ask Harris")
        assert len(answer.embeds[0]["fields"]) == 5
        shown = await s.slash(w.admin, "config show")
        assert "?" in shown.messages[0].content and shown.messages[0].ephemeral

    store = await GuildSettingsStore.open(tmp_path / "state", GuildSettings())
    try:
        kept = await store.get(w.guild.id)
        assert (kept.results, kept.prefix) == (5, "?")
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_members_are_refused_admin_and_moderator_commands_in_both_forms(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        no_config = await s.say(w.member, "!config results 9")
        assert "Manage Server" in no_config.content
        no_reload = await s.say(w.member, "!reload")
        assert "moderators" in no_reload.content.lower()
        slash_reload = await s.slash(w.member, "reload")
        assert slash_reload.messages[0].ephemeral and "moderators" in slash_reload.messages[0].content.lower()
        with pytest.raises(CommandUnavailable, match="lacks the permissions"):
            await s.slash(w.member, "config results", {"count": 9})  # hidden: default_member_permissions
        assert (await s.bot.guild_store.get(w.guild.id)).results == 3


@pytest.mark.asyncio
async def test_a_moderator_role_grants_moderation_only_once_configured(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        assert "moderators" in (await s.say(w.moderator, "!reload")).content.lower()
        await s.say(w.admin, f"!config modrole add <@&{w.moderator_role.id}>")
        assert "Reloaded" in (await s.say(w.moderator, "!reload")).content
        assert "Manage Server" in (await s.say(w.moderator, "!config results 2")).content
        await s.say(w.admin, f"!config modrole remove <@&{w.moderator_role.id}>")
        assert "moderators" in (await s.say(w.moderator, "!reload")).content.lower()
