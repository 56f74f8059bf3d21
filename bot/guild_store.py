"""Per-guild settings in SQLite (aiosqlite): defaults from the config, a per-guild cache invalidated on every write."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
from pydantic import BaseModel, ConfigDict, Field

from bot.database_errors import BUSY_TIMEOUT_SECONDS, describe_database_error
from bot.operations import SettingsDatabaseError, os_reason

log = logging.getLogger(__name__)

DATABASE_FILE = "storybot.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS guild_settings (
    guild_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (guild_id, key)
);
CREATE TABLE IF NOT EXISTS moderation_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    guild_id INTEGER,
    user_id INTEGER NOT NULL,
    user_name TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""


class GuildSettings(BaseModel):
    """One guild's choices; anything unset falls back to the bot's configured defaults."""

    model_config = ConfigDict(frozen=True)

    channels: tuple[int, ...] = ()
    moderator_roles: tuple[int, ...] = ()
    results: int = Field(3, ge=1, le=10)
    prefix: str = Field("!", min_length=1, max_length=5)


class GuildSettingsStore:
    """Reads and writes per-guild settings; one connection, serialised by aiosqlite's own thread."""

    def __init__(self, connection: aiosqlite.Connection, defaults: GuildSettings) -> None:
        self._connection = connection
        self.defaults = defaults
        self._cache: dict[int, GuildSettings] = {}

    @classmethod
    async def open(cls, state_dir: Path, defaults: GuildSettings) -> GuildSettingsStore:
        """Open (creating if needed) the database in the state directory, after checking that it is intact.

        Raises SettingsDatabaseError (one line: the file, what is wrong, how to recover) for a damaged, truncated,
        locked, unreadable or unwritable database; the connection is closed again then, so no thread is left behind.
        """
        path = state_dir / DATABASE_FILE
        try:
            await asyncio.to_thread(state_dir.mkdir, parents=True, exist_ok=True)
        except OSError as error:
            raise SettingsDatabaseError(f"the settings database {path} cannot be created: {os_reason(error)}") from None
        try:
            connection = await aiosqlite.connect(path, timeout=BUSY_TIMEOUT_SECONDS)
        except sqlite3.Error as error:
            raise SettingsDatabaseError(describe_database_error(path, error)) from None
        try:
            await connection.execute("PRAGMA journal_mode=WAL")
            await connection.execute("PRAGMA synchronous=FULL")
            async with connection.execute("PRAGMA quick_check") as cursor:
                problems = [row[0] for row in await cursor.fetchall() if row[0] != "ok"]
            if problems:
                first = " ".join(line for line in problems[0].splitlines() if not line.startswith("***"))
                raise sqlite3.DatabaseError(f"database disk image is malformed: {first}")
            await connection.executescript(SCHEMA)
            await connection.commit()
        except sqlite3.Error as error:
            await connection.close()
            raise SettingsDatabaseError(describe_database_error(path, error)) from None
        except BaseException:
            await connection.close()
            raise
        return cls(connection, defaults)

    async def close(self) -> None:
        """Close the database connection."""
        await self._connection.close()

    async def get(self, guild_id: int | None) -> GuildSettings:
        """The guild's settings (the defaults for DMs); cached until the next write for that guild."""
        if guild_id is None:
            return self.defaults
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        async with self._connection.execute(
            "SELECT key, value FROM guild_settings WHERE guild_id = ?", (guild_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        stored = {key: json.loads(value) for key, value in rows if key in GuildSettings.model_fields}
        settings = GuildSettings.model_validate({**self.defaults.model_dump(), **stored})
        self._cache[guild_id] = settings
        return settings

    async def set(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Validate and store changed keys in one transaction, then drop the guild's cached settings."""
        current = await self.get(guild_id)
        updated = GuildSettings.model_validate({**current.model_dump(), **changes})
        values = updated.model_dump(mode="json")
        async with self._connection.cursor() as cursor:
            await cursor.executemany(
                "INSERT INTO guild_settings (guild_id, key, value) VALUES (?, ?, ?) "
                "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
                [(guild_id, key, json.dumps(values[key])) for key in changes],
            )
        await self._connection.commit()
        self._cache.pop(guild_id, None)
        return await self.get(guild_id)

    async def reset(self, guild_id: int, key: str) -> GuildSettings:
        """Forget one key of a guild's settings, so it falls back to the default."""
        await self._connection.execute("DELETE FROM guild_settings WHERE guild_id = ? AND key = ?", (guild_id, key))
        await self._connection.commit()
        self._cache.pop(guild_id, None)
        return await self.get(guild_id)

    async def log_action(self, guild_id: int | None, user_id: int, user_name: str, action: str, detail: str) -> None:
        """Record a moderation action: who, when, what; also written to the log."""
        at = datetime.now(UTC).isoformat(timespec="seconds")
        log.info("moderation: %s by %s (%d) in guild %s: %s", action, user_name, user_id, guild_id, detail)
        await self._connection.execute(
            "INSERT INTO moderation_log (at, guild_id, user_id, user_name, action, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (at, guild_id, user_id, user_name, action, detail),
        )
        await self._connection.commit()

    async def recent_actions(self, guild_id: int, limit: int = 10) -> list[tuple[str, str, str, str]]:
        """The guild's latest moderation actions: (when, who, action, detail), newest first."""
        async with self._connection.execute(
            "SELECT at, user_name, action, detail FROM moderation_log WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        ) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]
