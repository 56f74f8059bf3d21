"""Settings that would break a server are refused with the reason, in both forms, and change nothing. End to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.bot_harness import Stage, stage
from testing.discord_emulator import CommandUnavailable, InteractionRecord

BAD_PREFIXES = {
    "ab cd": "spaces",
    "a\tb": "spaces",
    "\u200b!": "U+200B ZERO WIDTH SPACE",
    "!\u202e": "U+202E RIGHT-TO-LEFT OVERRIDE",
    "\u2066?": "U+2066 LEFT-TO-RIGHT ISOLATE",
    "\ufeff!": "U+FEFF",
    "!\x07": "U+0007",
    "\u0301": "combining mark",
    "\u0301\u0302": "combining mark",
    "**": "markdown or mention",
    "||": "markdown or mention",
    "`": "markdown or mention",
    "<@": "markdown or mention",
    "@": "markdown or mention",
    "~~": "markdown or mention",
    "/ask": "slash-command picker",
    "abcdef": "at most 5 characters",
}


def said(record: InteractionRecord) -> str:
    """Everything an interaction's answer says."""
    return "\n".join(message.text() for message in record.messages)


async def unchanged(s: Stage) -> None:
    """The guild still has the default settings."""
    assert await s.bot.guild_store.get(s.world.guild.id) == s.bot.guild_store.defaults


@pytest.mark.asyncio
async def test_everyone_and_managed_roles_cannot_become_moderator_roles(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        bot_role = next(role for role in w.guild.roles.values() if role.managed)
        for typed in ("@everyone", "everyone", str(w.guild.id), f"<@&{w.guild.id}>"):
            reply = await s.say(w.admin, f"!config modrole add {typed}")
            assert "every member of the server would become a moderator" in reply.content, (typed, reply.content)
        slash = await s.slash(w.admin, "config modrole add", {"role": w.guild.everyone})
        assert "every member" in slash.messages[0].content and slash.messages[0].ephemeral
        assert "a bot's own role" in (await s.say(w.admin, f"!config modrole add <@&{bot_role.id}>")).content
        assert "a bot's own role" in said(await s.slash(w.admin, "config modrole add", {"role": bot_role}))
        await unchanged(s)
        assert "moderators" in (await s.say(w.member, "!reload")).content.lower(), "members are still members"


@pytest.mark.asyncio
async def test_a_prefix_that_members_could_not_type_or_read_is_refused(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        for prefix, reason in BAD_PREFIXES.items():
            reply = await s.say(w.admin, f"!config prefix {prefix}")
            assert reason in reply.content and "stays as it was" in reply.content, (prefix, reply.content)
            slash = await s.slash(w.admin, "config prefix", {"prefix": prefix})
            assert reason in said(slash), (prefix, said(slash))
        await unchanged(s)
        assert "Missing `prefix`" in (await s.say(w.admin, "!config prefix")).content
        assert (await s.say(w.member, "!who said border czar")).embeds, "the old prefix still answers"


@pytest.mark.asyncio
async def test_emoji_prefixes_work_and_mentioning_the_bot_always_works(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        for prefix in ("👍👍👍👍👍", "❤️", "👨‍👩‍👧", "¿"):
            assert "The prefix is now" in (await s.say(w.admin, f"!config prefix {prefix}", channel=w.news)).content
            assert (await s.say(w.admin, f"{prefix}sources", channel=w.news)).embeds, prefix
            w_prefix = await s.say(w.admin, f"<@{s.emu.bot.id}> config prefix !", channel=w.news)
            assert "The prefix is now `!`" in w_prefix.content, "a forgotten prefix is recovered by mentioning the bot"


@pytest.mark.asyncio
async def test_unknown_subcommands_are_named_with_the_real_ones_and_change_nothing(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        cases = {
            "!config frobnicate": ("`config` has no subcommand “frobnicate”", "`show`", "`prefix`"),
            "!config Show": ("no subcommand “Show”", "`show`"),
            "!config channels xyz": ("`config channels` has no subcommand “xyz”", "`add`", "`clear`"),
            "!config modrole xyz": ("`config modrole` has no subcommand “xyz”", "`remove`", "`clear`"),
            "!config @everyone": ("no subcommand “@\u200beveryone”",),
        }
        for typed, expected in cases.items():
            reply = await s.say(w.admin, typed)
            assert all(part in reply.content for part in expected), (typed, reply.content)
            assert "Answers in" not in reply.content, "an unknown subcommand does not show the settings"
        await unchanged(s)


@pytest.mark.asyncio
async def test_voice_stage_category_and_forum_channels_are_refused_with_what_they_are(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        kinds = {2: "a voice channel", 13: "a stage channel", 4: "a category", 15: "a forum", 16: "a media channel"}
        for channel_type, what in kinds.items():
            channel = await s.emu.create_channel(w.guild, f"kind-{channel_type}", type=channel_type)
            await s.emu.wait_until(lambda c=channel: s.bot.get_channel(c.id), timeout=5, describe=lambda: "not seen")
            for typed in (f"<#{channel.id}>", str(channel.id), f"kind-{channel_type}"):
                reply = await s.say(w.admin, f"!config channels add {typed}")
                assert f"is {what}: I answer in text channels" in reply.content, (typed, reply.content)
            with pytest.raises(CommandUnavailable, match="picker"):  # Discord's picker does not offer them
                await s.emu.send_interaction(w.general, w.admin, "config channels add", {"channel": channel})
        await unchanged(s)


@pytest.mark.asyncio
async def test_channels_and_roles_that_are_not_this_servers_are_refused_as_such(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        other = s.emu.add_guild("Other Guild")
        foreign = next(iter(other.channels.values()))
        foreign_role = s.emu.add_role(other, "Elsewhere")
        await s.emu.invite_bot_to_guild(other)
        await s.emu.wait_until(lambda: s.bot.get_channel(foreign.id), timeout=5, describe=lambda: "not joined")
        assert "in another server" in (await s.say(w.admin, f"!config channels add <#{foreign.id}>")).content
        assert "a role of another server" in (await s.say(w.admin, f"!config modrole add {foreign_role.id}")).content
        assert "can't find a channel called “nowhere”" in (await s.say(w.admin, "!config channels add nowhere")).content
        assert "can't find a role called “Nobody”" in (await s.say(w.admin, "!config modrole add Nobody")).content
        two = f"!config channels add <#{w.news.id}> <#{w.general.id}>"
        assert (await s.say(w.admin, two)).content == "Give one channel at a time."
        two = f"!config modrole add <@&{w.moderator_role.id}> <@&{w.admin_role.id}>"
        assert (await s.say(w.admin, two)).content == "Give one role at a time."
        long = await s.say(w.admin, "!config channels add " + "x" * 1_900)
        assert long.content.startswith("I can't find a channel called “xxx") and len(long.content) < 200
        gone = "not in this server (deleted, or a wrong id)"
        assert gone in (await s.say(w.admin, "!config channels add 123456789012345678")).content
        await unchanged(s)


@pytest.mark.asyncio
async def test_results_out_of_range_not_a_number_or_with_extra_words_is_refused(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        for typed in ("0", "11", "-3", "abc", "5 6", "3.5", "99999999999999999999999"):
            reply = await s.say(w.admin, f"!config results {typed}")
            assert reply.content.startswith("I couldn't read that"), (typed, reply.content)
        assert "Too many arguments" in (await s.say(w.admin, "!config show everything")).content
        await unchanged(s)


@pytest.mark.asyncio
async def test_a_thread_of_a_listed_channel_and_a_channel_the_bot_cannot_see(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        await s.say(w.admin, f"!config channels add <#{w.general.id}>")
        covered = await s.say(w.admin, f"!config channels add <#{w.thread.id}>")
        assert f"is a thread of <#{w.general.id}>, which is on the list" in covered.content
        hidden = await s.emu.create_channel(w.guild, "staff", overwrites={w.guild.everyone: (0, 1 << 10)})
        await s.emu.wait_until(lambda: s.bot.get_channel(hidden.id), timeout=5, describe=lambda: "not seen")
        added = await s.say(w.admin, f"!config channels add <#{hidden.id}>")
        assert added.content.startswith(f"Added <#{hidden.id}>. Note: I can't see or send messages there")
        assert (await s.bot.guild_store.get(w.guild.id)).channels == (w.general.id, hidden.id)
