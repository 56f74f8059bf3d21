"""The settings store: changes serialised per guild, and rows an older version wrote still give working settings."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from pathlib import Path

import pytest

from bot.guild_store import DATABASE_FILE, GuildSettings, GuildSettingsStore, SettingRefused
from testing.bot_harness import make_bot, make_settings
from testing.discord_emulator.fixtures import running_bot, running_emulator

GUILD = 1_234_567_890_123_456_789


def write_rows(state: Path, guild_id: int, rows: dict[str, str]) -> None:
    """Rows as an older storybot (or a hand edit) left them: raw text values, any key."""
    state.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(state / DATABASE_FILE) as connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS guild_settings (guild_id INTEGER NOT NULL, key TEXT NOT NULL, "
            "value TEXT NOT NULL, PRIMARY KEY (guild_id, key))"
        )
        connection.executemany(
            "INSERT OR REPLACE INTO guild_settings VALUES (?, ?, ?)", [(guild_id, k, v) for k, v in rows.items()]
        )


@pytest.mark.asyncio
async def test_concurrent_updates_of_one_guild_all_land(tmp_path: Path) -> None:
    store = await GuildSettingsStore.open(tmp_path, GuildSettings())
    try:
        await store.get(GUILD)

        def adding(channel: int):
            return lambda current: {"channels": (*current.channels, channel)}

        await asyncio.gather(*(store.update(GUILD, adding(channel)) for channel in range(1, 41)))
        assert sorted((await store.get(GUILD)).channels) == list(range(1, 41))
    finally:
        await store.close()
    reopened = await GuildSettingsStore.open(tmp_path, GuildSettings())
    try:
        assert sorted((await reopened.get(GUILD)).channels) == list(range(1, 41))
    finally:
        await reopened.close()


@pytest.mark.asyncio
async def test_a_refused_change_writes_nothing_and_an_empty_change_is_no_write(tmp_path: Path) -> None:
    store = await GuildSettingsStore.open(tmp_path, GuildSettings())
    try:
        await store.set(GUILD, results=4)

        def refuse(current: GuildSettings) -> dict[str, object]:
            raise SettingRefused("no")

        with pytest.raises(SettingRefused):
            await store.update(GUILD, refuse)
        assert (await store.update(GUILD, lambda current: {})).results == 4
        assert (await store.get(GUILD)).results == 4
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_rows_an_older_version_wrote_give_working_settings_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_rows(
        tmp_path,
        GUILD,
        {
            "results": "{not json",
            "prefix": json.dumps("\u200b!"),
            "channels": json.dumps([111, "222", "abc", -5, True, None]),
            "moderator_roles": json.dumps([GUILD, 333]),
            "language": json.dumps("fr"),
        },
    )
    write_rows(tmp_path, GUILD + 1, {"results": "50", "channels": '"#general"', "prefix": '""'})
    store = await GuildSettingsStore.open(tmp_path, GuildSettings(results=3, prefix="!"))
    try:
        with caplog.at_level(logging.WARNING, logger="bot.guild_store"):
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
async def test_a_guild_with_old_rows_still_answers_and_can_be_configured_on_discord(tmp_path: Path) -> None:
    async with running_emulator() as emu:
        w = emu.add_standard_guild()
        write_rows(tmp_path / "state", w.guild.id, {"results": "[1, 2]", "prefix": json.dumps("\u202e?"), "x": "1"})
        bot = await make_bot(make_settings(tmp_path, w.guild.id))
        async with running_bot(bot, emu):
            await emu.wait_for_commands(w.guild)
            await emu.send_message(w.general, w.member, "!who said border czar")
            assert (await emu.wait_for_message(w.general, timeout=10)).embeds, "the default prefix works"
            await emu.send_message(w.general, w.admin, "!config results 2")
            assert (await emu.wait_for_message(w.general, timeout=10)).content.startswith("Answers now show 2")
        emu.assert_no_violations()


@pytest.mark.asyncio
async def test_a_failed_write_changes_nothing_and_the_next_write_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await GuildSettingsStore.open(tmp_path, GuildSettings())
    try:
        await store.set(GUILD, channels=(1,))
        commit = store._connection.commit

        async def disk_full() -> None:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(store._connection, "commit", disk_full)
        with pytest.raises(sqlite3.OperationalError):
            await store.update(GUILD, lambda current: {"channels": (*current.channels, 2)})
        monkeypatch.setattr(store._connection, "commit", commit)
        assert (await store.get(GUILD)).channels == (1,), "the failed change is not served from the cache"
        assert (await store.update(GUILD, lambda current: {"channels": (*current.channels, 3)})).channels == (1, 3)
    finally:
        await store.close()
