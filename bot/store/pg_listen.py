"""LISTEN for a PostgreSQL store: one connection of its own, kept alive whatever happens, calling back on every
NOTIFY of the channels asked for, and telling `on_reconnect` callbacks whenever listening (re)starts, since
notifications sent meanwhile were missed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg

from bot.core.database_url import connection_problem, describe_url
from bot.store.base import stop_task

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 10.0
LISTEN_RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)
# What a dropped or refused connection raises: worth another try on a fresh connection.
TRANSIENT = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # a connection the server terminated while idle: "another operation is in progress"
    OSError,
    TimeoutError,
)
Handler = Callable[[str], None]


class Listening:
    """The LISTEN connection of one store."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.description = describe_url(url)
        self._listeners: dict[str, list[Handler]] = {}
        self._reconnect_callbacks: list[Callable[[], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._listen_connection: asyncpg.Connection | None = None
        self._subscribing = asyncio.Lock()  # one LISTEN statement at a time on that connection
        self.listening = asyncio.Event()

    def start(self) -> None:
        """Connect and keep listening in the background until `stop`."""
        self._task = asyncio.create_task(self._keep_listening(), name="storybot LISTEN")

    async def stop(self) -> None:
        """Stop listening and close the connection."""
        await stop_task(self._task)
        self._task = None

    async def listen(self, channel: str, callback: Handler) -> None:
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
