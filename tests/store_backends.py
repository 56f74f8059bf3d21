"""The two settings stores behind one test interface, so every store test runs against SQLite and PostgreSQL.

Each backend opens the store as the bot does, writes raw rows as an older storybot (or a hand edit) left them,
and makes writes fail for real while a block runs (SQLite: the commit fails as on a full disk; PostgreSQL: a
trigger raises inside the transaction).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.store import DATABASE_FILE, GuildSettings, GuildStore
from bot.store.pg_schema import MIGRATIONS, migrate
from bot.store.postgres import PostgresGuildStore
from bot.store.sqlite import MIGRATIONS as SQLITE_MIGRATIONS
from bot.store.sqlite import GuildSettingsStore

# A moderation-log row as every schema version keeps it: (at, guild id, user id, user name, action, detail).
LogRow = tuple[str, int, int, str, str, str]


class SqliteBackend:
    """The embedded default: a file in the state folder."""

    name = "sqlite"

    def __init__(self, state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.state = state
        self._monkeypatch = monkeypatch

    async def open(self, defaults: GuildSettings | None = None) -> GuildStore:
        """The store as `open_store` makes it."""
        return await GuildSettingsStore.open(self.state, defaults or GuildSettings())

    async def write_rows(self, guild_id: int, rows: dict[str, str]) -> None:
        """Rows as an older storybot (or a hand edit) left them: raw text values, any key."""
        self.state.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(self.state / DATABASE_FILE)) as connection, connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS guild_settings (guild_id INTEGER NOT NULL, key TEXT NOT NULL, "
                "value TEXT NOT NULL, PRIMARY KEY (guild_id, key))"
            )
            connection.executemany(
                "INSERT OR REPLACE INTO guild_settings VALUES (?, ?, ?)", [(guild_id, k, v) for k, v in rows.items()]
            )

    async def make_old_database(self, guild_id: int, rows: dict[str, str]) -> None:
        """A database as the storybot before schema versions left it (version 0), holding `rows`."""
        await self.write_rows(guild_id, rows)

    async def make_database_at(self, version: int, guild_id: int, rows: dict[str, str], log: list[LogRow]) -> None:
        """A database as the storybot of schema `version` left it, holding settings `rows` and moderation `log`."""
        self.state.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(self.state / DATABASE_FILE)) as connection:
            for script in SQLITE_MIGRATIONS[:version]:
                connection.executescript(script)
            connection.execute(f"PRAGMA user_version = {int(version)}")
            with connection:
                connection.executemany(
                    "INSERT INTO guild_settings VALUES (?, ?, ?)", [(guild_id, k, v) for k, v in rows.items()]
                )
                connection.executemany(
                    "INSERT INTO moderation_log (at, guild_id, user_id, user_name, action, detail) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    log,
                )

    async def set_schema_version(self, version: int) -> None:
        """Mark the database as written by a storybot of that schema version."""
        with contextlib.closing(sqlite3.connect(self.state / DATABASE_FILE)) as connection:
            connection.execute(f"PRAGMA user_version = {int(version)}")

    async def schema_version(self) -> int:
        """The schema version the database holds."""
        with contextlib.closing(sqlite3.connect(self.state / DATABASE_FILE)) as connection:
            return int(connection.execute("PRAGMA user_version").fetchone()[0])

    @contextlib.asynccontextmanager
    async def failing_writes(self, store: Any) -> AsyncIterator[None]:
        """Every commit fails as on a full disk while the block runs."""

        async def disk_full() -> None:
            raise sqlite3.OperationalError("database or disk is full")

        commit = store._connection.commit
        self._monkeypatch.setattr(store._connection, "commit", disk_full)
        try:
            yield
        finally:
            self._monkeypatch.setattr(store._connection, "commit", commit)


class PostgresBackend:
    """PostgreSQL through asyncpg, a fresh database per test."""

    name = "postgres"

    def __init__(self, url: str) -> None:
        self.url = url

    async def open(self, defaults: GuildSettings | None = None) -> GuildStore:
        """The store as `open_store` makes it."""
        return await PostgresGuildStore.open(self.url, defaults or GuildSettings())

    async def _sql(self, *statements: str | tuple[str, list[tuple[Any, ...]]]) -> None:
        connection = await asyncpg.connect(self.url)
        try:
            await migrate(connection, "tests")
            for statement in statements:
                if isinstance(statement, tuple):
                    await connection.executemany(*statement)
                else:
                    await connection.execute(statement)
        finally:
            await connection.close()

    async def write_rows(self, guild_id: int, rows: dict[str, str]) -> None:
        """Rows as an older storybot (or a hand edit) left them: raw text values, any key."""
        upsert = (
            "INSERT INTO guild_settings VALUES ($1, $2, $3) "
            "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value"
        )
        await self._sql((upsert, [(guild_id, key, value) for key, value in rows.items()]))

    async def make_old_database(self, guild_id: int, rows: dict[str, str]) -> None:
        """A database as schema version 1 left it, holding `rows`."""
        connection = await asyncpg.connect(self.url)
        try:
            await connection.execute("CREATE TABLE storybot_schema (version integer NOT NULL)")
            await connection.execute(MIGRATIONS[0])
            await connection.execute("INSERT INTO storybot_schema VALUES (1)")
            await connection.executemany(
                "INSERT INTO guild_settings VALUES ($1, $2, $3)", [(guild_id, k, v) for k, v in rows.items()]
            )
        finally:
            await connection.close()

    async def make_database_at(self, version: int, guild_id: int, rows: dict[str, str], log: list[LogRow]) -> None:
        """A database as the storybot of schema `version` left it, holding settings `rows` and moderation `log`."""
        connection = await asyncpg.connect(self.url)
        try:
            await connection.execute("CREATE TABLE storybot_schema (version integer NOT NULL)")
            for script in MIGRATIONS[:version]:
                await connection.execute(script)
            await connection.execute(f"INSERT INTO storybot_schema VALUES ({int(version)})")
            await connection.executemany(
                "INSERT INTO guild_settings VALUES ($1, $2, $3)", [(guild_id, k, v) for k, v in rows.items()]
            )
            await connection.executemany(
                "INSERT INTO moderation_log (at, guild_id, user_id, user_name, action, detail) "
                "VALUES ($1::text::timestamptz, $2, $3, $4, $5, $6)",
                log,
            )
        finally:
            await connection.close()

    async def set_schema_version(self, version: int) -> None:
        """Mark the database as written by a storybot of that schema version."""
        await self._sql("DELETE FROM storybot_schema", f"INSERT INTO storybot_schema VALUES ({int(version)})")

    async def schema_version(self) -> int:
        """The schema version the database holds."""
        connection = await asyncpg.connect(self.url)
        try:
            return int(await connection.fetchval("SELECT max(version) FROM storybot_schema"))
        finally:
            await connection.close()

    @contextlib.asynccontextmanager
    async def failing_writes(self, store: Any) -> AsyncIterator[None]:
        """Every write of a setting fails inside its transaction (a trigger raises) while the block runs."""
        await self._sql(
            "CREATE FUNCTION refuse_write() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full (test)'; END $$ "
            "LANGUAGE plpgsql",
            "CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON guild_settings "
            "FOR EACH ROW EXECUTE FUNCTION refuse_write()",
        )
        try:
            yield
        finally:
            await self._sql("DROP TRIGGER refuse ON guild_settings", "DROP FUNCTION refuse_write()")


Backend = SqliteBackend | PostgresBackend
