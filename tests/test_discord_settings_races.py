"""Admins changing settings at the same instant, end to end: every change is kept and every admin told the truth."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.store import GuildSettings, GuildSettingsStore
from testing.bot_harness import Stage, stage

ADMINS = 6


async def more_admins(s: Stage, count: int) -> list[Any]:
    """The standard admin plus `count - 1` more members holding the Admin role (Manage Server)."""
    extra = [s.emu.add_member(s.world.guild, f"admin-{n}", roles=[s.world.admin_role]) for n in range(count - 1)]
    return [s.world.admin, *extra]


async def new_channels(s: Stage, count: int, stem: str = "room") -> list[Any]:
    """Text channels created while the bot runs, once the bot has seen them."""
    channels = [await s.emu.create_channel(s.world.guild, f"{stem}-{n}") for n in range(count)]
    await s.emu.wait_until(
        lambda: all(s.bot.get_channel(c.id) for c in channels), timeout=5, describe=lambda: "channels not seen"
    )
    return channels


async def at_once(s: Stage, posts: list[tuple[Any, str]]) -> list[str]:
    """Every admin posts their command in #general without waiting for replies; the first line of every reply."""
    await s.say(s.world.admin, "!config show")  # settings cached, as on any busy server
    for author, content in posts:
        await s.emu.send_message(s.world.general, author, content)
    replies = [await s.emu.wait_for_message(s.world.general, timeout=10) for _ in posts]
    assert await s.quiet(0.2) == [], "one reply per command"
    return sorted(reply.content.split("\n")[0] for reply in replies)


@pytest.mark.asyncio
async def test_admins_adding_channels_at_once_keep_every_channel(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        admins = await more_admins(s, ADMINS)
        rooms = await new_channels(s, ADMINS)
        replies = await at_once(s, [(a, f"!config channels add <#{r.id}>") for a, r in zip(admins, rooms, strict=True)])
        assert replies == sorted(f"Added <#{room.id}>." for room in rooms)
        assert set((await s.bot.guild_store.get(s.world.guild.id)).channels) == {room.id for room in rooms}
        for room in (rooms[0], rooms[-1]):  # (the member's cooldown allows a few asks)
            reply = await s.say(s.world.member, "!who said border czar", channel=room)
            assert reply.embeds, reply.text()

    store = await GuildSettingsStore.open(tmp_path / "state", GuildSettings())
    try:
        assert set((await store.get(s.world.guild.id)).channels) == {room.id for room in rooms}, "kept on disk"
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_admins_adding_moderator_roles_at_once_keep_every_role(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        admins = await more_admins(s, ADMINS)
        roles = [await s.emu.create_role(s.world.guild, f"Mods {n}") for n in range(ADMINS)]
        await s.emu.wait_until(
            lambda: all(s.bot.get_guild(s.world.guild.id).get_role(r.id) for r in roles),
            timeout=5,
            describe=lambda: "roles not seen",
        )
        replies = await at_once(s, [(a, f"!config modrole add <@&{r.id}>") for a, r in zip(admins, roles, strict=True)])
        assert replies == sorted(f"Added the moderator role <@&{role.id}>." for role in roles)
        assert set((await s.bot.guild_store.get(s.world.guild.id)).moderator_roles) == {role.id for role in roles}


@pytest.mark.asyncio
async def test_a_mix_of_adds_removes_and_other_settings_at_once_loses_nothing(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        admins = await more_admins(s, ADMINS)
        kept, dropped = await new_channels(s, 2, "kept"), await new_channels(s, 2, "dropped")
        added = await new_channels(s, 2, "added")
        await s.bot.guild_store.set(s.world.guild.id, channels=tuple(c.id for c in kept + dropped))
        posts = [
            (admins[0], f"!config channels add <#{added[0].id}>"),
            (admins[1], f"!config channels remove <#{dropped[0].id}>"),
            (admins[2], f"!config channels add <#{added[1].id}>"),
            (admins[3], f"!config channels remove {dropped[1].id}"),
            (admins[4], "!config results 7"),
            (admins[5], f"!config modrole add <@&{s.world.moderator_role.id}>"),
        ]
        replies = await at_once(s, posts)
        settings = await s.bot.guild_store.get(s.world.guild.id)
        assert set(settings.channels) == {c.id for c in kept + added}
        assert (settings.results, settings.moderator_roles) == (7, (s.world.moderator_role.id,))
        assert replies == sorted(
            [
                f"Added <#{added[0].id}>.",
                f"Added <#{added[1].id}>.",
                f"Removed <#{dropped[0].id}>.",
                f"Removed <#{dropped[1].id}>.",
                "Answers now show 7 passages.",
                f"Added the moderator role <@&{s.world.moderator_role.id}>.",
            ]
        )


@pytest.mark.asyncio
async def test_two_admins_adding_the_same_channel_at_once_are_told_the_truth(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        admins = await more_admins(s, 2)
        news = s.world.news
        replies = await at_once(s, [(admin, f"!config channels add <#{news.id}>") for admin in admins])
        assert replies == [
            f"<#{news.id}> is already on the list.",
            f"Added <#{news.id}>.",
        ]
        assert (await s.bot.guild_store.get(s.world.guild.id)).channels == (news.id,)


@pytest.mark.asyncio
async def test_slash_and_prefix_admins_at_once_keep_both_changes(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        admins = await more_admins(s, 2)
        rooms = await new_channels(s, 2)
        await s.say(s.world.admin, "!config show")
        record = await s.emu.send_interaction(s.world.general, admins[0], "config channels add", {"channel": rooms[0]})
        await s.emu.send_message(s.world.general, admins[1], f"!config channels add <#{rooms[1].id}>")
        reply = await s.emu.wait_for_message(s.world.general, lambda m: m.via == "channel", timeout=10)
        await asyncio.wait_for(s.emu.wait_for_interaction_response(record), timeout=10)
        assert reply.content.startswith(f"Added <#{rooms[1].id}>")
        assert record.messages[0].content.startswith(f"Added <#{rooms[0].id}>")
        assert set((await s.bot.guild_store.get(s.world.guild.id)).channels) == {room.id for room in rooms}
