"""What only PostgreSQL has: several processes caching one guild's settings, connections that drop and come back,
and a database that cannot be reached (one line, no password, no hang)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from bot.core.settings import BUNDLED_CORPUS
from bot.store import GuildSettings, StoreUnavailable
from bot.store.postgres import PostgresGuildStore
from testing.postgres_server import PostgresServer

GUILD = 987_654_321_987_654_321
ROOT = Path(__file__).resolve().parent.parent


async def eventually(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 5.0) -> None:
    """Wait (bounded) until `await check()` is true."""
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, f"{what} within {seconds} s"
        await asyncio.sleep(0.05)


async def terminate_connections(url: str, database: str | None = None) -> int:
    """Kill every other server process connected to the database (this URL's, or `database`): a restart or a
    network cut, as the store's connections see it; returns how many."""
    connection = await asyncpg.connect(url)
    try:
        return int(
            await connection.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = coalesce($1, current_database()) AND pid <> pg_backend_pid()",
                database,
            )
        )
    finally:
        await connection.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.asyncio
async def test_a_change_in_one_process_reaches_the_others_cache(postgres_url: str) -> None:
    first = await PostgresGuildStore.open(postgres_url, GuildSettings())
    second = await PostgresGuildStore.open(postgres_url, GuildSettings())
    try:
        await asyncio.wait_for(second.listening.wait(), timeout=5)
        assert (await second.get(GUILD)).prefix == "!", "cached in the second process"
        await first.set(GUILD, prefix="?")

        async def seen() -> bool:
            return (await second.get(GUILD)).prefix == "?"

        await eventually(seen, "the second process serving the first one's change")
    finally:
        await asyncio.gather(first.close(), second.close())


@pytest.mark.asyncio
async def test_dropped_connections_lose_no_committed_write_and_listening_resumes(postgres_url: str) -> None:
    store = await PostgresGuildStore.open(postgres_url, GuildSettings())
    other = await PostgresGuildStore.open(postgres_url, GuildSettings())
    try:
        await asyncio.wait_for(store.listening.wait(), timeout=5)
        await store.set(GUILD, channels=(1,))
        await store.log_action(GUILD, 7, "mod", "reload", "before the drop")
        assert await terminate_connections(postgres_url) >= 2, "the pools' and the LISTEN connections"

        changed = await store.update(GUILD, lambda current: {"channels": (*current.channels, 2)})
        assert changed.channels == (1, 2), "the change after the drop is applied once, on top of the committed one"
        assert [row[3] for row in await store.recent_actions(GUILD)] == ["before the drop"]

        await asyncio.wait_for(store.listening.wait(), timeout=10)  # LISTEN connected again
        await other.set(GUILD, results=9)

        async def seen() -> bool:
            return (await store.get(GUILD)).results == 9

        await eventually(seen, "a change after the reconnection reaching the cache")
    finally:
        await asyncio.gather(store.close(), other.close())


@pytest.mark.asyncio
async def test_a_database_that_refuses_connections_is_one_clear_error_and_recovers(
    postgres_url: str, postgres_server: PostgresServer
) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    store = await PostgresGuildStore.open(postgres_url, GuildSettings())
    try:
        await store.set(GUILD, results=4)
        postgres_server.psql(f"ALTER DATABASE {database} ALLOW_CONNECTIONS false")
        await terminate_connections(postgres_server.url(), database)
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as raised:
            await store.set(GUILD, results=5)
        assert time.monotonic() - started < 15, "bounded retries, no hang"
        message = str(raised.value)
        assert "\n" not in message and "changing a server's settings" in message and database in message
        postgres_server.psql(f"ALTER DATABASE {database} ALLOW_CONNECTIONS true")
        assert (await store.set(GUILD, results=6)).results == 6
        store.forget_cached(GUILD)
        assert (await store.get(GUILD)).results == 6
    finally:
        postgres_server.psql(f"ALTER DATABASE {database} ALLOW_CONNECTIONS true")
        await store.close()


@pytest.mark.asyncio
async def test_an_unreachable_database_is_one_line_without_the_password() -> None:
    url = f"postgresql://storybot:hunter2@127.0.0.1:{closed_port()}/storybot"
    with pytest.raises(StoreUnavailable) as raised:
        await PostgresGuildStore.open(url, GuildSettings())
    message = str(raised.value)
    assert "hunter2" not in message and "\n" not in message
    assert "storybot@127.0.0.1" in message and "Connection refused" in message


def test_the_bot_stops_with_one_line_when_the_database_is_unreachable(tmp_path: Path) -> None:
    port = closed_port()
    env = {
        **os.environ,
        "DISCORD_TOKEN": "not-used-the-database-fails-first",
        "STORYBOT_DATABASE__URL": f"postgresql://storybot:hunter2@127.0.0.1:{port}/storybot",
        "STORYBOT_STATE_DIR": str(tmp_path / "state"),
        "STORYBOT_CORPUS_DIR": str(BUNDLED_CORPUS),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stderr  # 1: try again later (the database may come back)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"127.0.0.1:{port}/storybot" in errors[0], done.stderr
    assert "Traceback" not in done.stderr and "hunter2" not in done.stderr + done.stdout


@pytest.mark.asyncio
async def test_settings_read_before_are_served_while_the_server_is_down_and_retries_stop_stalling(
    postgres_url: str, postgres_server: PostgresServer, caplog: pytest.LogCaptureFixture
) -> None:
    store = await PostgresGuildStore.open(postgres_url, GuildSettings())
    try:
        await asyncio.wait_for(store.listening.wait(), timeout=5)
        await store.set(GUILD, prefix="?")
        await terminate_connections(postgres_url)  # listening restarts: what was cached must be read again
        await eventually(lambda: _false(store.listening.is_set()), "listening stopping")
        await asyncio.wait_for(store.listening.wait(), timeout=10)
        await asyncio.to_thread(postgres_server.stop)  # the whole server goes away (this test's session restarts it)
        try:
            assert (await store.get(GUILD)).prefix == "?", "the last settings read, while the database is away"
            with caplog.at_level(logging.WARNING, logger="bot.store.postgres"):
                caplog.clear()
                for guild in (GUILD + 1, GUILD + 2):  # never read: nothing to fall back on
                    with pytest.raises(StoreUnavailable, match="Connection refused"):
                        await store.get(guild)
            assert not [r for r in caplog.records if "trying again" in r.getMessage()], "one attempt during an outage"
        finally:
            await asyncio.to_thread(postgres_server.start)
        assert (await store.set(GUILD + 1, results=2)).results == 2, "back to normal once the server is"
    finally:
        await store.close()


async def _false(value: bool) -> bool:
    return not value
