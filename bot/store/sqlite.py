"""Per-guild settings in SQLite (aiosqlite): defaults from the config, a per-guild cache invalidated on every write.

The embedded default (one process). Schema versions: `PRAGMA user_version`, migrated forward at start-up.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.operations import SettingsDatabaseError, os_reason
from bot.database_errors import BUSY_TIMEOUT_SECONDS, describe_database_error
from bot.store.base import Action, Change, GuildSettings, changed_settings, check_schema_version, readable_settings
from bot.store.sqlite_feedback import SqliteFeedback

log = logging.getLogger(__name__)

DATABASE_FILE = "storybot.sqlite3"
MIGRATIONS = (
    # 1: the tables (a database from before schema versions has them already: version 0 becomes 1 untouched).
    """
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
""",
    # 2: one guild's latest actions without a scan.
    "CREATE INDEX IF NOT EXISTS moderation_log_guild ON moderation_log (guild_id, id);",
    # 3: what members could not find (bot/core/feedback.py): answers shown, votes, questions that found nothing.
    """
CREATE TABLE feedback_answers (
    answer_id INTEGER NOT NULL,
    page INTEGER NOT NULL,
    guild_id INTEGER NOT NULL,
    asked_at TEXT NOT NULL,
    command TEXT NOT NULL,
    question TEXT NOT NULL,
    passages TEXT NOT NULL,
    settings TEXT NOT NULL,
    PRIMARY KEY (answer_id, page)
);
CREATE INDEX feedback_answers_guild ON feedback_answers (guild_id, asked_at);
CREATE INDEX feedback_answers_age ON feedback_answers (asked_at);
CREATE TABLE feedback_votes (
    answer_id INTEGER NOT NULL,
    page INTEGER NOT NULL,
    voter_id INTEGER NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    voted_at TEXT NOT NULL,
    PRIMARY KEY (answer_id, page, voter_id)
);
CREATE TABLE feedback_unanswered (
    question_id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    asked_at TEXT NOT NULL,
    command TEXT NOT NULL,
    question TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX feedback_unanswered_guild ON feedback_unanswered (guild_id, asked_at);
CREATE INDEX feedback_unanswered_age ON feedback_unanswered (asked_at);
""",
)
SCHEMA_VERSION = len(MIGRATIONS)


async def migrate(connection: aiosqlite.Connection, path: Path) -> int:
    """Bring the schema to SCHEMA_VERSION, each step in one transaction; returns the version found."""
    async with connection.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    version = int(row[0]) if row else 0
    check_schema_version(version, SCHEMA_VERSION, path)
    for number in range(version + 1, SCHEMA_VERSION + 1):
        script = f"BEGIN IMMEDIATE;\n{MIGRATIONS[number - 1]}\nPRAGMA user_version = {number};\nCOMMIT;"
        await connection.executescript(script)
        log.info("settings database %s: migrated to schema version %d", path, number)
    return version


class GuildSettingsStore(SqliteFeedback):
    """Reads and writes per-guild settings (and feedback: bot/store/sqlite_feedback.py); one connection, serialised
    by aiosqlite's own thread.

    Every change of a guild's settings is a read-modify-write under that guild's lock (`update`), so two admins
    changing the same list at once both keep their change. The cache is filled and emptied under the same lock.
    A change takes SQLite's write lock before it reads (BEGIN IMMEDIATE): another connection's change is kept too.
    """

    def __init__(self, connection: aiosqlite.Connection, defaults: GuildSettings, path: Path) -> None:
        self._connection = connection
        self.defaults = defaults
        self._path = path
        self._cache: dict[int, GuildSettings] = {}
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._writing = asyncio.Lock()

    @classmethod
    async def open(cls, state_dir: Path, defaults: GuildSettings) -> GuildSettingsStore:
        """Open (creating if needed) the database in the state directory, after checking that it is intact, and
        migrate its schema forward.

        Raises SettingsDatabaseError (one line: the file, what is wrong, how to recover) for a damaged, truncated,
        locked, unreadable or unwritable database; the connection is closed again then, so no thread is left behind.
        SchemaTooNew for a database written by a newer storybot.
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
            await migrate(connection, path)
        except sqlite3.Error as error:
            await connection.close()
            raise SettingsDatabaseError(describe_database_error(path, error)) from None
        except BaseException:
            await connection.close()
            raise
        return cls(connection, defaults, path)

    @property
    def description(self) -> str:
        """The database file."""
        return f"SQLite {self._path}"

    async def close(self) -> None:
        """Close the database connection, once the answers being recorded are committed."""
        await self._finish_grouped()
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
        settings = await self._read(guild_id)
        self._cache[guild_id] = settings
        return settings

    async def _read(self, guild_id: int) -> GuildSettings:
        async with self._connection.execute(
            "SELECT key, value FROM guild_settings WHERE guild_id = ?", (guild_id,)
        ) as cursor:
            rows = await cursor.fetchall()
        return readable_settings(guild_id, rows, self.defaults)

    async def update(self, guild_id: int, change: Change) -> GuildSettings:
        """Apply `change(current settings) -> {key: new value}` atomically for this guild and return the result.

        `change` runs under the guild's lock on the latest settings, so concurrent changes never overwrite each
        other; it may raise SettingRefused (nothing is written) or return {} (nothing to do).
        """
        async with self._locks[guild_id], self._writing:
            self._cache.pop(guild_id, None)
            async with self._committed():
                await self._connection.execute("BEGIN IMMEDIATE")
                current = await self._read(guild_id)
                changes = dict(change(current))
                if changes:
                    _, rows = changed_settings(current, changes)
                    async with self._connection.cursor() as cursor:
                        await cursor.executemany(
                            "INSERT INTO guild_settings (guild_id, key, value) VALUES (?, ?, ?) "
                            "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
                            [(guild_id, key, value) for key, value in rows.items()],
                        )
            return await self._load(guild_id)

    async def set(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Validate and store changed keys in one transaction (see `update`)."""
        return await self.update(guild_id, lambda current: changes)

    async def reset(self, guild_id: int, key: str) -> GuildSettings:
        """Forget one key of a guild's settings, so it falls back to the default."""
        async with self._locks[guild_id], self._writing:
            self._cache.pop(guild_id, None)
            async with self._committed():
                await self._connection.execute(
                    "DELETE FROM guild_settings WHERE guild_id = ? AND key = ?", (guild_id, key)
                )
            return await self._load(guild_id)

    def forget_cached(self, guild_id: int) -> None:
        """Drop a guild's cached settings (the bot left it); the stored rows stay for when it comes back."""
        self._cache.pop(guild_id, None)

    async def log_action(self, guild_id: int | None, user_id: int, user_name: str, action: str, detail: str) -> None:
        """Record a moderation action: who, when, what; also written to the log."""
        at = datetime.now(UTC).isoformat(timespec="seconds")
        log.info("moderation: %s by %s (%d) in guild %s: %s", action, user_name, user_id, guild_id, detail)
        async with self._writing, self._committed():
            await self._connection.execute(
                "INSERT INTO moderation_log (at, guild_id, user_id, user_name, action, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (at, guild_id, user_id, user_name, action, detail),
            )

    async def recent_actions(self, guild_id: int, limit: int = 10) -> list[Action]:
        """The guild's latest moderation actions: (when, who, action, detail), newest first."""
        async with self._connection.execute(
            "SELECT at, user_name, action, detail FROM moderation_log WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        ) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]
