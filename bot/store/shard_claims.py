"""One process per shard: each process of a cluster claims its shards in PostgreSQL before it connects to Discord.

Discord lets two sessions run the same shard, and then both processes answer every question of its servers. A
cluster misconfigured that way (two processes with overlapping `shard_ids`, a process left running every shard
beside the ranged ones, processes disagreeing on `shard_count`, which routes servers inconsistently) is refused at
start-up with one line naming the conflict.

The claim is a set of session-level advisory locks held on a connection of their own for the process's life:
a process that dies (even SIGKILL) drops its connection and with it its claim. When that connection drops while
the process runs (the database restarted), the claim is taken again; if another process took a shard meanwhile,
that is logged as an error every minute until an operator fixes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import asyncpg

from bot.core.database_url import connection_problem, describe_url
from bot.core.operations import EXIT_FIX_SETTINGS
from bot.core.settings import Settings
from bot.store.base import StoreUnavailable, stop_task

log = logging.getLogger(__name__)

SHARD_NAMESPACE = 0x53_48  # "SH": (namespace, shard id) is one shard's claim
EVERY_SHARD = 2**31 - 1  # the claim of a process that runs every shard (shared by the ranged processes)
COUNT_NAMESPACE = 0x53_43  # "SC": (namespace, shard_count), held shared by every ranged process
CLAIM_WAIT_SECONDS = 15.0  # a restarted process may find its predecessor's session not yet gone
WATCH_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 10.0


class ShardConflict(StoreUnavailable):
    """Another process of the cluster runs (some of) these shards, or another shard count; one line."""

    exit_status = EXIT_FIX_SETTINGS


class ShardClaim:
    """This process's claim on its shards (see the module's docstring); `release` gives it back."""

    def __init__(self, url: str, settings: Settings, *, wait_seconds: float | None = None) -> None:
        self._url = url
        self._where = describe_url(url)
        self._count = settings.discord.shard_count
        self._ids = settings.discord.shard_ids
        self._wait_seconds = CLAIM_WAIT_SECONDS if wait_seconds is None else wait_seconds
        self._connection: asyncpg.Connection | None = None
        self._watching: asyncio.Task[None] | None = None

    @classmethod
    async def acquire(cls, url: str, settings: Settings, *, wait_seconds: float | None = None) -> ShardClaim:
        """Claim this process's shards; ShardConflict (or StoreUnavailable) says why it can't."""
        claim = cls(url, settings, wait_seconds=wait_seconds)
        await claim._claim()
        claim._watching = asyncio.create_task(claim._watch(), name="storybot shard claim")
        return claim

    async def release(self) -> None:
        """Give the claim back (closing its connection ends every lock at once)."""
        await stop_task(self._watching)
        await self._close()

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), timeout=5)

    def _locks(self) -> list[tuple[int, int, bool, str]]:
        """(namespace, key, shared, what it means) for each lock of the claim."""
        if self._ids is None:
            return [(SHARD_NAMESPACE, EVERY_SHARD, False, "every shard")]
        assert self._count is not None, "settings validation: shard_ids needs shard_count"
        locks = [(SHARD_NAMESPACE, EVERY_SHARD, True, "every shard"), (COUNT_NAMESPACE, self._count, True, "count")]
        return locks + [(SHARD_NAMESPACE, shard, False, f"shard {shard}") for shard in self._ids]

    async def _claim(self) -> None:
        try:
            self._connection = await asyncpg.connect(self._url, timeout=CONNECT_TIMEOUT_SECONDS)
        except Exception as error:
            raise StoreUnavailable(connection_problem(self._where, error)) from None
        try:
            locks = self._locks()
            for namespace, key, shared, what in locks[:2]:  # every shard, the count: a wrong count says so first
                await self._lock(namespace, key, shared, what)
            await self._check_count()
            for namespace, key, shared, what in locks[2:]:
                await self._lock(namespace, key, shared, what)
        except BaseException:
            await self._close()
            raise

    async def _lock(self, namespace: int, key: int, shared: bool, what: str) -> None:
        assert self._connection is not None
        function = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        deadline = time.monotonic() + self._wait_seconds
        while not await self._connection.fetchval(f"SELECT {function}($1, $2)", namespace, key):
            left = deadline - time.monotonic()
            if left <= 0:
                raise ShardConflict(self._conflict(what))
            await asyncio.sleep(min(0.5, left))

    def _conflict(self, what: str) -> str:
        mine = "every shard" if self._ids is None else f"shards {', '.join(map(str, self._ids))} of {self._count}"
        if what == "every shard" and self._ids is None:
            held = "another process of this cluster runs shards already"
        elif what == "every shard":
            held = "another process of this cluster runs every shard (no [discord] shard_ids)"
        else:
            held = f"{what} is already run by another process of this cluster"
        return (
            f"{held} ({self._where}); this process would run {mine}, and a server would be answered twice: give "
            "each process its own [discord] shard_ids (the same shard_count everywhere)"
        )

    async def _check_count(self) -> None:
        """Every ranged process holds its shard_count shared: another count held at the same time is a conflict."""
        if self._ids is None:
            return
        assert self._connection is not None
        others = await self._connection.fetch(
            "SELECT DISTINCT objid::bigint AS count FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid = $1 AND objsubid = 2 AND objid <> $2 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            COUNT_NAMESPACE,
            self._count,
        )
        if others:
            counts = ", ".join(str(row["count"]) for row in others)
            raise ShardConflict(
                f"this process has [discord] shard_count {self._count}, but other processes of this cluster run with "
                f"shard_count {counts} ({self._where}): servers would go to the wrong process; use one shard_count"
            )

    async def _watch(self) -> None:
        """Take the claim again after its connection dropped; log an error while another process holds it."""
        last_error = 0.0
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            if self._connection is not None and not self._connection.is_closed():
                continue
            await self._close()
            try:
                await self._claim()
                log.info("shard claim taken again after its database connection dropped")
            except ShardConflict as conflict:
                if time.monotonic() - last_error > 60:
                    log.error("lost the claim on this process's shards: %s", conflict)
                    last_error = time.monotonic()
            except StoreUnavailable as error:
                log.warning("shard claim: %s; trying again", error)
