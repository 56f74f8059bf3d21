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
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import asyncpg

from bot.store.base import (
    Action,
    Change,
    GuildSettings,
    SchemaTooNew,
    StoreUnavailable,
    changed_settings,
    readable_settings,
)
from bot.store.urls import connection_problem, describe_url

log = logging.getLogger(__name__)
T = TypeVar("T")

SETTINGS_CHANNEL = "storybot_settings"
# Advisory locks of the cluster use the two-key form (namespace, lock); guild locks use the one-key form (the guild
# id), a separate key space in PostgreSQL.
LOCK_NAMESPACE = 0x53_42  # "SB"
MIGRATION_LOCK = 1
CONNECT_TIMEOUT_SECONDS = 10.0
COMMAND_TIMEOUT_SECONDS = 60.0
POOL_SIZE = 5
# Pauses between attempts when the connection drops: about two seconds in all, inside Discord's 3 s for an answer.
RETRY_DELAYS = (0.1, 0.3, 0.6, 1.0)
LISTEN_RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)
TRANSIENT = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # a connection the server terminated while idle: "another operation is in progress"
    OSError,
    TimeoutError,
)

MIGRATIONS = (
    # 1: the tables the SQLite store has always had.
    """
    CREATE TABLE guild_settings (
        guild_id bigint NOT NULL,
        key text NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (guild_id, key)
    );
    CREATE TABLE moderation_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        guild_id bigint,
        user_id bigint NOT NULL,
        user_name text NOT NULL,
        action text NOT NULL,
        detail text NOT NULL
    );
    """,
    # 2: one guild's latest actions without a scan; the corpus generation the cluster's processes follow.
    """
    CREATE INDEX moderation_log_guild ON moderation_log (guild_id, id);
    CREATE TABLE corpus_state (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        generation bigint NOT NULL,
        fingerprint text NOT NULL,
        changed_at timestamptz NOT NULL
    );
    INSERT INTO corpus_state (generation, fingerprint, changed_at) VALUES (0, '', now());
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

Listener = Callable[[str], None]


async def migrate(connection: asyncpg.Connection, where: str) -> int:
    """Bring the schema to SCHEMA_VERSION in one transaction (one process at a time); returns the old version."""
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_NAMESPACE, MIGRATION_LOCK)
        await connection.execute("CREATE TABLE IF NOT EXISTS storybot_schema (version integer NOT NULL)")
        version = await connection.fetchval("SELECT coalesce(max(version), 0) FROM storybot_schema")
        if version > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"the settings database {where} has schema version {version}, written by a newer storybot (this one "
                f"knows versions up to {SCHEMA_VERSION}): run the newer storybot, or restore a backup"
            )
        for number in range(version + 1, SCHEMA_VERSION + 1):
            await connection.execute(MIGRATIONS[number - 1])
            log.info("settings database %s: migrated to schema version %d", where, number)
        if version < SCHEMA_VERSION:
            await connection.execute("DELETE FROM storybot_schema")
            await connection.execute("INSERT INTO storybot_schema (version) VALUES ($1)", SCHEMA_VERSION)
        return version


class PostgresGuildStore:
    """Guild settings in PostgreSQL: a connection pool for reads and changes, one connection for LISTEN."""

    def __init__(self, pool: asyncpg.Pool, url: str, defaults: GuildSettings) -> None:
        self._pool = pool
        self._url = url
        self.defaults = defaults
        self._cache: dict[int, GuildSettings] = {}
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        # Counts cache invalidations from other processes: a read that raced one is served but not cached.
        self._invalidations = 0
        self._token = secrets.token_hex(4)  # tells this process's own notifications from the others'
        self._listeners: dict[str, list[Listener]] = {SETTINGS_CHANNEL: [self._on_settings_changed]}
        self._reconnect_callbacks: list[Callable[[], None]] = []
        self._listening: asyncio.Task[None] | None = None
        self._listen_connection: asyncpg.Connection | None = None
        self._subscribing = asyncio.Lock()  # one LISTEN statement at a time on that connection
        self.listening = asyncio.Event()

    @classmethod
    async def open(cls, url: str, defaults: GuildSettings) -> PostgresGuildStore:
        """Connect, migrate the schema forward and start listening; StoreUnavailable (one line) when it can't."""
        where = describe_url(url)
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
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
        store._listening = asyncio.create_task(store._keep_listening(), name="storybot LISTEN")
        return store

    @property
    def description(self) -> str:
        """The database's address without any password."""
        return describe_url(self._url)

    async def close(self) -> None:
        """Stop listening and close every connection."""
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listening
        with contextlib.suppress(*TRANSIENT):
            await asyncio.wait_for(self._pool.close(), timeout=10)

    # -- running statements ----------------------------------------------------------------------------------------

    async def run(self, what: str, operation: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """`operation(connection)`, again on a fresh connection when the connection drops; StoreUnavailable (naming
        `what`) when the database stays unreachable or refuses connections. The operation must be one transaction
        or idempotent: after a drop it runs again from the start."""
        for delay in (*RETRY_DELAYS, None):
            try:
                connection = await self._pool.acquire(timeout=CONNECT_TIMEOUT_SECONDS)
            except TRANSIENT as error:
                problem: BaseException = error
            except Exception as error:  # refused outright (login, a database gone or closed to connections)
                raise StoreUnavailable(f"{what}: {connection_problem(self.description, error)}") from None
            else:
                try:
                    return await operation(connection)
                except TRANSIENT as error:
                    problem = error
                    connection.terminate()  # never handed out again: the pool opens a fresh one
                finally:
                    with contextlib.suppress(*TRANSIENT):
                        await self._pool.release(connection)
            if delay is None:
                raise StoreUnavailable(f"{what}: {connection_problem(self.description, problem)}")
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

    # -- listening -------------------------------------------------------------------------------------------------

    async def listen(self, channel: str, callback: Listener) -> None:
        """Call `callback(payload)` for every NOTIFY on `channel` (from any process, this one included)."""
        first = channel not in self._listeners
        self._listeners.setdefault(channel, []).append(callback)
        connection = self._listen_connection
        if first and connection is not None and not connection.is_closed():
            async with self._subscribing:
                with contextlib.suppress(*TRANSIENT):  # dropped meanwhile: the reconnection listens to every channel
                    await connection.add_listener(channel, self._dispatch)

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Call `callback()` whenever listening (re)starts: notifications sent before it may have been missed."""
        self._reconnect_callbacks.append(callback)

    def _dispatch(self, connection: Any, pid: int, channel: str, payload: str) -> None:
        for callback in self._listeners.get(channel, ()):
            try:
                callback(payload)
            except Exception:
                log.exception("a NOTIFY handler for %s failed", channel)

    async def _keep_listening(self) -> None:
        """Hold the LISTEN connection; after it drops, reconnect (backing off) and tell `on_reconnect` callbacks.

        Never gives up while the store is open: a process that stopped listening would serve stale settings and an
        old corpus without a word.
        """
        failures = 0
        while True:
            try:
                await self._listen_once(failures)
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if failures == 0:
                    log.warning("LISTEN: %s; retrying", connection_problem(self.description, error))
                failures += 1
            await asyncio.sleep(LISTEN_RETRY_SECONDS[min(failures, len(LISTEN_RETRY_SECONDS) - 1)])

    async def _listen_once(self, failures: int) -> None:
        """Connect, LISTEN to every channel, catch up, and return when the connection is lost."""
        lost = asyncio.Event()
        connection = await asyncpg.connect(self._url, timeout=CONNECT_TIMEOUT_SECONDS)
        try:
            connection.add_termination_listener(lambda _connection: lost.set())
            async with self._subscribing:
                self._listen_connection = connection  # from now on `listen` adds new channels itself
                for channel in list(self._listeners):
                    await connection.add_listener(channel, self._dispatch)
            if failures:
                log.info("LISTEN: connected again to %s; catching up", self.description)
            self._clear_cache()
            for callback in self._reconnect_callbacks:
                callback()
            self.listening.set()
            await lost.wait()
            log.warning("LISTEN: the connection to %s dropped; reconnecting", self.description)
        finally:
            self.listening.clear()
            self._listen_connection = None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), timeout=5)

    def _on_settings_changed(self, payload: str) -> None:
        token, _, guild = payload.partition(" ")
        if token == self._token or not guild.isdecimal():
            return
        self._invalidations += 1
        self._cache.pop(int(guild), None)

    def _clear_cache(self) -> None:
        self._invalidations += 1
        self._cache.clear()

    # -- settings --------------------------------------------------------------------------------------------------

    async def get(self, guild_id: int | None) -> GuildSettings:
        """The guild's settings (the defaults for DMs); cached until a change in any process."""
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
            rows = await self.run("reading a server's settings", lambda c: self._rows(c, guild_id))
            settings = readable_settings(guild_id, rows, self.defaults)
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
            self._cache.pop(guild_id, None)
            seen = self._invalidations
            result = await self.run(what, transaction)
            if self._invalidations == seen:
                self._cache[guild_id] = result
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
