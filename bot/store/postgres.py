"""Per-guild settings and the moderation log in PostgreSQL (asyncpg), shared by every process of a cluster.

A change is one transaction that first takes a transaction-scoped advisory lock on the guild's id, so a
read-modify-write never interleaves with another one for that guild, whichever process (or `python -m bot`) makes
it. Each process caches what it read; every change NOTIFYs the guild's id, and every process LISTENs and drops that
guild from its cache. A dropped connection is retried a few times (a retry runs the whole transaction again, so a
change is never half applied); when the database stays away, StoreUnavailable says so in one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import asyncpg

from bot.core.database_url import connection_problem, describe_url
from bot.store.base import (
    Action,
    Change,
    GuildSettings,
    SchemaTooNew,
    StoreUnavailable,
    changed_settings,
    readable_settings,
)
from bot.store.pg_feedback import PostgresFeedback
from bot.store.pg_listen import TRANSIENT, Listening
from bot.store.pg_schema import LOCK_NAMESPACE, SCHEMA_VERSION, migrate

log = logging.getLogger(__name__)
T = TypeVar("T")

SETTINGS_CHANNEL = "storybot_settings"
CONNECT_TIMEOUT_SECONDS = 10.0
COMMAND_TIMEOUT_SECONDS = 60.0
POOL_SIZE = 5
# Pauses between attempts when the connection drops: about two seconds in all, inside Discord's 3 s for an answer.
RETRY_DELAYS = (0.1, 0.3, 0.6, 1.0)
FAST_FAIL_SECONDS = 5.0


class PostgresGuildStore(PostgresFeedback):
    """Guild settings (and feedback: bot/store/pg_feedback.py) in PostgreSQL: a connection pool for reads and
    changes, one connection for LISTEN."""

    def __init__(self, pool: asyncpg.Pool, url: str, defaults: GuildSettings) -> None:
        self._pool = pool
        self._url = url
        self.defaults = defaults
        self._cache: dict[int, GuildSettings] = {}
        # What the cache held when listening restarted: re-read before use, but served while the database is away.
        self._stale: dict[int, GuildSettings] = {}
        self._down_at: float | None = None  # when the database last stayed unreachable through every retry
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        # Counts cache invalidations from other processes: a read that raced one is served but not cached.
        self._invalidations = 0
        self._token = secrets.token_hex(4)  # tells this process's own notifications from the others'
        self._listening = Listening(url)
        self._listening.on_reconnect(self._clear_cache)  # changes made while not listening were not heard
        self._on_close: list[Callable[[], Awaitable[None]]] = []

    @classmethod
    async def open(cls, url: str, defaults: GuildSettings) -> PostgresGuildStore:
        """Connect, migrate the schema forward and start listening; StoreUnavailable (one line) when it can't."""
        where = describe_url(url)
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=0,  # no floor to restore: while the server is away nothing retries (and logs) meanwhile
                max_size=POOL_SIZE,
                timeout=CONNECT_TIMEOUT_SECONDS,
                command_timeout=COMMAND_TIMEOUT_SECONDS,
            )
        except Exception as error:
            raise StoreUnavailable(connection_problem(where, error)) from None
        try:
            async with pool.acquire() as connection:
                previous = await migrate(connection, where)
        except SchemaTooNew:
            await pool.close()
            raise
        except Exception as error:
            await pool.close()
            raise StoreUnavailable(connection_problem(where, error)) from None
        store = cls(pool, url, defaults)
        log.info("settings database: %s (schema version %d, was %d)", where, SCHEMA_VERSION, previous)
        await store.listen(SETTINGS_CHANNEL, store._on_settings_changed)
        store._listening.start()
        return store

    @property
    def description(self) -> str:
        """The database's address without any password."""
        return describe_url(self._url)

    def on_close(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Await `callback()` when the store closes (before its connections close)."""
        self._on_close.append(callback)

    async def close(self) -> None:
        """Stop listening and close every connection."""
        for callback in self._on_close:
            with contextlib.suppress(Exception):
                await callback()
        await self._listening.stop()
        with contextlib.suppress(*TRANSIENT):
            await asyncio.wait_for(self._pool.close(), timeout=10)

    # -- running statements ----------------------------------------------------------------------------------------

    async def run(self, what: str, operation: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """`operation(connection)`, again on a fresh connection when the connection drops; StoreUnavailable (naming
        `what`) when the database stays unreachable or refuses connections. The operation must be one transaction
        or idempotent: after a drop it runs again from the start.

        Within FAST_FAIL_SECONDS of an outage there are two attempts without a pause (the second on a fresh
        connection), not several: while the database is away, a member's message waits milliseconds for the
        verdict, not seconds.
        """
        recently_down = self._down_at is not None and time.monotonic() - self._down_at < FAST_FAIL_SECONDS
        for delay in (0.0, None) if recently_down else (*RETRY_DELAYS, None):
            try:
                connection = await self._pool.acquire(timeout=CONNECT_TIMEOUT_SECONDS)
            except TRANSIENT as error:
                problem: BaseException = error
            except Exception as error:  # refused outright (login, a database gone or closed to connections)
                self._down_at = time.monotonic()
                raise StoreUnavailable(f"{what}: {connection_problem(self.description, error)}") from None
            else:
                try:
                    result = await operation(connection)
                    self._down_at = None
                    return result
                except TRANSIENT as error:
                    problem = error
                    # Never handed out again: the pool opens a fresh one (unless the pool already let it go).
                    with contextlib.suppress(asyncpg.InterfaceError):
                        connection.terminate()
                finally:
                    with contextlib.suppress(*TRANSIENT):
                        await self._pool.release(connection)
            if delay is None:
                self._down_at = time.monotonic()
                raise StoreUnavailable(f"{what}: {connection_problem(self.description, problem)}")
            if delay:
                log.warning("%s: the database connection failed (%s); trying again", what, type(problem).__name__)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    @contextlib.asynccontextmanager
    async def cluster_lock(self, lock: int, *, shared: bool, wait_seconds: float) -> AsyncIterator[None]:
        """Hold a cluster-wide advisory lock (shared or exclusive) on a connection of its own while the block runs.

        TimeoutError when another process holds it longer than `wait_seconds`; StoreUnavailable when the database is
        unreachable.
        """
        function = "pg_advisory_lock_shared" if shared else "pg_advisory_lock"
        try:
            connection = await self._pool.acquire(timeout=CONNECT_TIMEOUT_SECONDS)
        except Exception as error:  # unreachable, or refusing connections
            raise StoreUnavailable(connection_problem(self.description, error)) from None
        try:
            try:
                await connection.execute(f"SELECT {function}($1, $2)", LOCK_NAMESPACE, lock, timeout=wait_seconds)
            except (TimeoutError, asyncpg.QueryCanceledError):
                raise TimeoutError(f"the cluster lock {lock} is still held after {wait_seconds:.0f} s") from None
            except TRANSIENT as error:
                raise StoreUnavailable(connection_problem(self.description, error)) from None
            try:
                yield
            finally:
                unlock = "pg_advisory_unlock_shared" if shared else "pg_advisory_unlock"
                with contextlib.suppress(*TRANSIENT):  # a dropped connection released the lock with it
                    await connection.execute(f"SELECT {unlock}($1, $2)", LOCK_NAMESPACE, lock, timeout=10)
        finally:
            with contextlib.suppress(*TRANSIENT):
                await self._pool.release(connection)

    # -- listening (bot/store/pg_listen.py) ------------------------------------------------------------------------

    async def listen(self, channel: str, callback: Callable[[str], None]) -> None:
        """Call `callback(payload)` for every NOTIFY on `channel` (from any process, this one included)."""
        await self._listening.listen(channel, callback)

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Call `callback()` whenever listening (re)starts: notifications sent before it may have been missed."""
        self._listening.on_reconnect(callback)

    @property
    def listening(self) -> asyncio.Event:
        """Set while the LISTEN connection is up."""
        return self._listening.listening

    def _on_settings_changed(self, payload: str) -> None:
        token, _, guild = payload.partition(" ")
        if token == self._token or not guild.isdecimal():
            return
        self._invalidations += 1
        self._cache.pop(int(guild), None)
        self._stale.pop(int(guild), None)  # known to be out of date: not even a fallback

    def _clear_cache(self) -> None:
        self._invalidations += 1
        self._stale.update(self._cache)
        self._cache.clear()

    # -- settings --------------------------------------------------------------------------------------------------

    async def get(self, guild_id: int | None) -> GuildSettings:
        """The guild's settings (the defaults for DMs); cached until a change in any process.

        While the database is unreachable, a guild read before listening last restarted keeps those settings;
        one never read raises StoreUnavailable.
        """
        if guild_id is None:
            return self.defaults
        cached = self._cache.get(guild_id)
        if cached is not None:
            return cached
        async with self._locks[guild_id]:
            cached = self._cache.get(guild_id)
            if cached is not None:
                return cached
            seen = self._invalidations
            try:
                rows = await self.run("reading a server's settings", lambda c: self._rows(c, guild_id))
            except StoreUnavailable:
                if guild_id in self._stale:
                    return self._stale[guild_id]
                raise
            settings = readable_settings(guild_id, rows, self.defaults)
            self._stale.pop(guild_id, None)
            if self._invalidations == seen:
                self._cache[guild_id] = settings
            return settings

    async def update(self, guild_id: int, change: Change) -> GuildSettings:
        """Apply `change(current settings) -> {key: new value}` atomically for this guild and return the result.

        The transaction holds the guild's advisory lock from the read to the commit, so concurrent changes from any
        process never overwrite each other; `change` may raise SettingRefused (nothing is written) or return {}.
        """

        async def transaction(connection: asyncpg.Connection) -> GuildSettings:
            async with connection.transaction():
                await connection.execute("SELECT pg_advisory_xact_lock($1)", guild_id)
                current = readable_settings(guild_id, await self._rows(connection, guild_id), self.defaults)
                changes = dict(change(current))
                if not changes:
                    return current
                updated, rows = changed_settings(current, changes)
                await connection.executemany(
                    "INSERT INTO guild_settings (guild_id, key, value) VALUES ($1, $2, $3) "
                    "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
                    [(guild_id, key, value) for key, value in rows.items()],
                )
                await self._notify_changed(connection, guild_id)
                return updated

        return await self._changing(guild_id, "changing a server's settings", transaction)

    async def set(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Validate and store changed keys in one transaction (see `update`)."""
        return await self.update(guild_id, lambda current: changes)

    async def reset(self, guild_id: int, key: str) -> GuildSettings:
        """Forget one key of a guild's settings, so it falls back to the default."""

        async def transaction(connection: asyncpg.Connection) -> GuildSettings:
            async with connection.transaction():
                await connection.execute("SELECT pg_advisory_xact_lock($1)", guild_id)
                await connection.execute("DELETE FROM guild_settings WHERE guild_id = $1 AND key = $2", guild_id, key)
                await self._notify_changed(connection, guild_id)
                return readable_settings(guild_id, await self._rows(connection, guild_id), self.defaults)

        return await self._changing(guild_id, "resetting a server's setting", transaction)

    async def _changing(
        self, guild_id: int, what: str, transaction: Callable[[asyncpg.Connection], Awaitable[GuildSettings]]
    ) -> GuildSettings:
        async with self._locks[guild_id]:
            seen = self._invalidations
            # A failure leaves the cache as it was: a refused or rolled-back change changed nothing, and while the
            # database is away the guild keeps its settings (listening again clears every cache, in case a commit
            # went through unseen).
            result = await self.run(what, transaction)
            self._stale.pop(guild_id, None)
            if self._invalidations == seen:
                self._cache[guild_id] = result
            else:
                self._cache.pop(guild_id, None)
            return result

    async def _notify_changed(self, connection: asyncpg.Connection, guild_id: int) -> None:
        await connection.execute("SELECT pg_notify($1, $2)", SETTINGS_CHANNEL, f"{self._token} {guild_id}")

    @staticmethod
    async def _rows(connection: asyncpg.Connection, guild_id: int) -> list[tuple[str, str]]:
        records = await connection.fetch("SELECT key, value FROM guild_settings WHERE guild_id = $1", guild_id)
        return [(record["key"], record["value"]) for record in records]

    def forget_cached(self, guild_id: int) -> None:
        """Drop a guild's cached settings (the bot left it); the stored rows stay for when it comes back."""
        self._cache.pop(guild_id, None)
        self._stale.pop(guild_id, None)

    # -- moderation log --------------------------------------------------------------------------------------------

    async def log_action(self, guild_id: int | None, user_id: int, user_name: str, action: str, detail: str) -> None:
        """Record a moderation action: who, when, what; also written to the log."""
        at = datetime.now(UTC)
        log.info("moderation: %s by %s (%d) in guild %s: %s", action, user_name, user_id, guild_id, detail)
        await self.run(
            "recording a moderation action",
            lambda connection: connection.execute(
                "INSERT INTO moderation_log (at, guild_id, user_id, user_name, action, detail) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                at,
                guild_id,
                user_id,
                user_name,
                action,
                detail,
            ),
        )

    async def recent_actions(self, guild_id: int, limit: int = 10) -> list[Action]:
        """The guild's latest moderation actions: (when, who, action, detail), newest first."""
        records = await self.run(
            "reading the moderation log",
            lambda connection: connection.fetch(
                "SELECT at, user_name, action, detail FROM moderation_log WHERE guild_id = $1 "
                "ORDER BY id DESC LIMIT $2",
                guild_id,
                limit,
            ),
        )
        return [
            (r["at"].astimezone(UTC).isoformat(timespec="seconds"), r["user_name"], r["action"], r["detail"])
            for r in records
        ]
