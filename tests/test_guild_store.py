"""The settings store, on SQLite and on PostgreSQL alike: changes serialised per guild (within a process and across
two), rows an older version wrote still give working settings, a failed write changes nothing, schema versions
migrate forward, and the moderation log keeps its order."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.store import GuildSettings, SchemaTooNew, SettingRefused
from bot.store.pg_schema import SCHEMA_VERSION as POSTGRES_VERSION
from bot.store.sqlite import SCHEMA_VERSION as SQLITE_VERSION
from testing.bot_harness import make_bot, make_settings
from testing.discord_emulator.fixtures import running_bot, running_emulator
from tests.store_backends import Backend, PostgresBackend, SqliteBackend

GUILD = 1_234_567_890_123_456_789


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Backend:
    """Each store test runs once per backend (PostgreSQL: a fresh database on the session's server)."""
    if request.param == "sqlite":
        return SqliteBackend(tmp_path / "state", monkeypatch)
    return PostgresBackend(request.getfixturevalue("postgres_url"))


def adding(channel: int) -> Callable[[GuildSettings], dict[str, object]]:
    """A change that appends a channel to the list as it is when the change runs."""
    return lambda current: {"channels": (*current.channels, channel)}


@pytest.mark.asyncio
async def test_concurrent_updates_of_one_guild_all_land(backend: Backend) -> None:
    store = await backend.open()
    try:
        await store.get(GUILD)
        await asyncio.gather(*(store.update(GUILD, adding(channel)) for channel in range(1, 41)))
        assert sorted((await store.get(GUILD)).channels) == list(range(1, 41))
    finally:
        await store.close()
    reopened = await backend.open()
    try:
        assert sorted((await reopened.get(GUILD)).channels) == list(range(1, 41))
    finally:
        await reopened.close()


@pytest.mark.asyncio
async def test_two_stores_on_one_database_never_lose_each_others_changes(backend: Backend) -> None:
    """Two processes (the bot and `python -m bot`, or two shard processes) changing one guild at the same time."""
    first, second = await backend.open(), await backend.open()
    try:
        await asyncio.gather(first.get(GUILD), second.get(GUILD))  # both have the guild cached, as a busy bot does
        changes = [(first if n % 2 else second).update(GUILD, adding(n)) for n in range(1, 31)]
        changes += [first.update(GUILD + n, adding(n)) for n in range(1, 6)]  # other guilds meanwhile
        await asyncio.gather(*changes)
        for store in (first, second):
            store.forget_cached(GUILD)
            assert sorted((await store.get(GUILD)).channels) == list(range(1, 31))
        assert (await second.get(GUILD + 3)).channels == (3,)
    finally:
        await asyncio.gather(first.close(), second.close())


@pytest.mark.asyncio
async def test_a_refused_change_writes_nothing_and_an_empty_change_is_no_write(backend: Backend) -> None:
    store = await backend.open()
    try:
        await store.set(GUILD, results=4)

        def refuse(current: GuildSettings) -> dict[str, object]:
            raise SettingRefused("no")

        with pytest.raises(SettingRefused):
            await store.update(GUILD, refuse)
        assert (await store.update(GUILD, lambda current: {})).results == 4
        assert (await store.get(GUILD)).results == 4
        assert (await store.reset(GUILD, "results")).results == 3, "a reset key falls back to the default"
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_rows_an_older_version_wrote_give_working_settings_and_a_warning(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    await backend.write_rows(
        GUILD,
        {
            "results": "{not json",
            "prefix": json.dumps("\u200b!"),
            "channels": json.dumps([111, "222", "abc", -5, True, None]),
            "moderator_roles": json.dumps([GUILD, 333]),
            "language": json.dumps("fr"),
        },
    )
    await backend.write_rows(GUILD + 1, {"results": "50", "channels": '"#general"', "prefix": '""'})
    store = await backend.open(GuildSettings(results=3, prefix="!"))
    try:
        with caplog.at_level(logging.WARNING, logger="bot.store"):
            first = await store.get(GUILD)
            second = await store.get(GUILD + 1)
        assert first == GuildSettings(channels=(111, 222), moderator_roles=(333,), results=3, prefix="!")
        assert second == GuildSettings()
        warnings = "\n".join(record.getMessage() for record in caplog.records)
        for expected in ("'results'", "'prefix'", "U+200B", "dropping 4 unreadable entries", "@everyone", "'language'"):
            assert expected in warnings, expected
        assert f"guild {GUILD + 1}" in warnings and "less than or equal to 10" in warnings
        assert (await store.set(GUILD, results=5)).results == 5, "the next write replaces the bad row"
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_a_failed_write_changes_nothing_and_the_next_write_works(backend: Backend) -> None:
    store = await backend.open()
    try:
        await store.set(GUILD, channels=(1,))
        async with backend.failing_writes(store):
            with pytest.raises(Exception, match="disk"):
                await store.update(GUILD, adding(2))
        assert (await store.get(GUILD)).channels == (1,), "the failed change is not served from the cache"
        assert (await store.update(GUILD, adding(3))).channels == (1, 3)
    finally:
        await store.close()
    reopened = await backend.open()
    try:
        assert (await reopened.get(GUILD)).channels == (1, 3)
    finally:
        await reopened.close()


@pytest.mark.asyncio
async def test_the_schema_is_migrated_forward_and_a_newer_one_is_refused(backend: Backend) -> None:
    await backend.make_old_database(GUILD, {"results": "7"})
    store = await backend.open()
    try:
        assert (await store.get(GUILD)).results == 7, "rows survive the migration"
    finally:
        await store.close()
    newest = SQLITE_VERSION if backend.name == "sqlite" else POSTGRES_VERSION
    assert await backend.schema_version() == newest

    await backend.set_schema_version(newest + 1)
    with pytest.raises(SchemaTooNew) as refused:
        await backend.open()
    message = str(refused.value)
    assert "\n" not in message
    assert f"schema version {newest + 1}" in message and "newer storybot" in message


@pytest.mark.asyncio
async def test_the_moderation_log_keeps_each_guilds_actions_newest_first(backend: Backend) -> None:
    store = await backend.open()
    try:
        for n in range(12):
            await store.log_action(GUILD, 42, "mod#1", "reload", f"change {n}")
        await store.log_action(GUILD + 1, 43, "other", "article add", "elsewhere")
        recent = await store.recent_actions(GUILD, limit=3)
        assert [(who, action, detail) for _, who, action, detail in recent] == [
            ("mod#1", "reload", "change 11"),
            ("mod#1", "reload", "change 10"),
            ("mod#1", "reload", "change 9"),
        ]
        assert recent[0][0].endswith("+00:00") and "T" in recent[0][0], "an ISO time in UTC on both backends"
        assert len(await store.recent_actions(GUILD)) == 10
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_a_guild_with_old_rows_still_answers_and_can_be_configured_on_discord(tmp_path: Path) -> None:
    async with running_emulator() as emu:
        w = emu.add_standard_guild()
        await SqliteBackend(tmp_path / "state", pytest.MonkeyPatch()).write_rows(
            w.guild.id, {"results": "[1, 2]", "prefix": json.dumps("\u202e?"), "x": "1"}
        )
        bot = await make_bot(make_settings(tmp_path, w.guild.id))
        async with running_bot(bot, emu):
            await emu.wait_for_commands(w.guild)
            await emu.send_message(w.general, w.member, "!who said border czar")
            assert (await emu.wait_for_message(w.general, timeout=10)).embeds, "the default prefix works"
            await emu.send_message(w.general, w.admin, "!config results 2")
            assert (await emu.wait_for_message(w.general, timeout=10)).content.startswith("Answers now show 2")
        emu.assert_no_violations()
