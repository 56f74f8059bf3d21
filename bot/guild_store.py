"""Per-guild settings in SQLite (aiosqlite): defaults from the config, a per-guild cache invalidated on every write."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
from pydantic import BaseModel, ConfigDict, PositiveInt, ValidationError, field_validator

from bot.core.operations import SettingsDatabaseError, os_reason
from bot.core.prefix_rules import Prefix
from bot.core.settings import PassagesPerAnswer
from bot.database_errors import BUSY_TIMEOUT_SECONDS, describe_database_error

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

    channels: tuple[PositiveInt, ...] = ()
    moderator_roles: tuple[PositiveInt, ...] = ()
    results: PassagesPerAnswer = 3
    prefix: Prefix = "!"

    @field_validator("channels", "moderator_roles")
    @classmethod
    def _unique(cls, ids: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(dict.fromkeys(ids))


class SettingRefused(Exception):
    """A change the guild's current settings rule out; the message is the reply for the admin."""


Change = Callable[[GuildSettings], Mapping[str, Any]]


class GuildSettingsStore:
    """Reads and writes per-guild settings; one connection, serialised by aiosqlite's own thread.

    Every change of a guild's settings is a read-modify-write under that guild's lock (`update`), so two admins
    changing the same list at once both keep their change. The cache is filled and emptied under the same lock.
    """

    def __init__(self, connection: aiosqlite.Connection, defaults: GuildSettings) -> None:
        self._connection = connection
        self.defaults = defaults
        self._cache: dict[int, GuildSettings] = {}
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

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
        async with self._locks[guild_id]:
            return await self._load(guild_id)

    async def _load(self, guild_id: int) -> GuildSettings:
        """The guild's settings from the cache or the database; call with the guild's lock held."""
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        async with self._connection.execute(
            "SELECT key, value FROM guild_settings WHERE guild_id = ?", (guild_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        settings = readable_settings(guild_id, rows, self.defaults)
        self._cache[guild_id] = settings
        return settings

    async def update(self, guild_id: int, change: Change) -> GuildSettings:
        """Apply `change(current settings) -> {key: new value}` atomically for this guild and return the result.

        `change` runs under the guild's lock on the latest settings, so concurrent changes never overwrite each
        other; it may raise SettingRefused (nothing is written) or return {} (nothing to do).
        """
        async with self._locks[guild_id]:
            current = await self._load(guild_id)
            changes = dict(change(current))
            if not changes:
                return current
            updated = GuildSettings.model_validate({**current.model_dump(), **changes})
            values = updated.model_dump(mode="json")
            self._cache.pop(guild_id, None)
            try:
                async with self._connection.cursor() as cursor:
                    await cursor.executemany(
                        "INSERT INTO guild_settings (guild_id, key, value) VALUES (?, ?, ?) "
                        "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
                        [(guild_id, key, json.dumps(values[key])) for key in changes],
                    )
                await self._connection.commit()
            except BaseException:
                await self._connection.rollback()
                raise
            return await self._load(guild_id)

    async def set(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Validate and store changed keys in one transaction (see `update`)."""
        return await self.update(guild_id, lambda current: changes)

    async def reset(self, guild_id: int, key: str) -> GuildSettings:
        """Forget one key of a guild's settings, so it falls back to the default."""
        async with self._locks[guild_id]:
            self._cache.pop(guild_id, None)
            await self._connection.execute("DELETE FROM guild_settings WHERE guild_id = ? AND key = ?", (guild_id, key))
            await self._connection.commit()
            return await self._load(guild_id)

    def forget_cached(self, guild_id: int) -> None:
        """Drop a guild's cached settings (the bot left it); the stored rows stay for when it comes back."""
        self._cache.pop(guild_id, None)

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


def readable_settings(guild_id: int, rows: Iterable[tuple[str, str]], defaults: GuildSettings) -> GuildSettings:
    """A guild's settings from its stored rows; a row an older version wrote that no longer reads (bad JSON, a value
    out of range, an unknown key) falls back to the default with a warning instead of breaking the guild."""
    stored: dict[str, Any] = {}
    for key, raw in rows:
        if key not in GuildSettings.model_fields:
            log.warning("guild %d: ignoring the unknown stored setting %r", guild_id, key)
            continue
        try:
            value = _salvage_ids(guild_id, key, json.loads(raw))
            GuildSettings.model_validate({**defaults.model_dump(), key: value})
        except (ValueError, TypeError) as error:
            log.warning(
                "guild %d: the stored setting %r (%.80r) is unreadable, using the default: %s",
                guild_id,
                key,
                raw,
                error.errors()[0]["msg"] if isinstance(error, ValidationError) else error,
            )
            continue
        stored[key] = value
    if guild_id in stored.get("moderator_roles", ()):
        log.warning(
            "guild %d: dropping @everyone from the moderator roles (it made every member a moderator)", guild_id
        )
        stored["moderator_roles"] = [role for role in stored["moderator_roles"] if role != guild_id]
    return GuildSettings.model_validate({**defaults.model_dump(), **stored})


def _salvage_ids(guild_id: int, key: str, value: Any) -> Any:
    """Keep the readable ids of a stored id list (one bad entry must not reopen every channel)."""
    if key not in ("channels", "moderator_roles") or not isinstance(value, list):
        return value
    readable = [item for item in value if _is_snowflake(item)]
    if len(readable) < len(value):
        log.warning(
            "guild %d: dropping %d unreadable entries of the stored %r", guild_id, len(value) - len(readable), key
        )
    return readable


def _is_snowflake(item: Any) -> bool:
    if isinstance(item, bool):
        return False
    if isinstance(item, str) and item.isdecimal() and item.isascii():
        item = int(item)
    return isinstance(item, int) and 0 < item < 2**64
