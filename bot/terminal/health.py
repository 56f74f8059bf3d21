"""`python -m bot health`: this process's shards, their gateway latency, and the settings database.

It runs beside the bot (the image's HEALTHCHECK) with the same settings, so it reads the heartbeat file of the same
shard range (bot/core/shards.py) and reaches the same database. The first line is `healthy` or `unhealthy: <why>`, then
one line per shard and one for the database. Healthy means: the heartbeat was written within four beats (one slow
beat, a busy disk, is not a problem), every shard of the range is connected, and the database answers. A heartbeat
that is missing, old, in the future, not a file, unreadable or damaged is unhealthy, the line naming the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
from pathlib import Path

from bot.core.database_url import connection_problem, describe_url
from bot.core.operations import os_reason
from bot.core.settings import Settings
from bot.core.shards import read_status, shard_label, status_file
from bot.discord.app import HEARTBEAT_SECONDS
from bot.store.sqlite import DATABASE_FILE, SCHEMA_VERSION

STALE_AFTER_SECONDS = 4 * HEARTBEAT_SECONDS
DATABASE_TIMEOUT_SECONDS = 5.0


def check_health(settings: Settings, now: float | None = None) -> tuple[bool, list[str]]:
    """(healthy, lines): the first line `healthy` or `unhealthy: <why>`, then one line per shard and the database."""
    problems, details = check_shards(settings, time.time() if now is None else now)
    database_ok, database_line = asyncio.run(check_database(settings))
    if not database_ok:
        problems.append("the database does not answer")
    first = "healthy" if not problems else "unhealthy: " + "; ".join(problems)
    return not problems, [first, *details, database_line]


def check_shards(settings: Settings, now: float) -> tuple[list[str], list[str]]:
    """(problems, lines) from this process's status file."""
    path = status_file(settings)
    try:
        status = read_status(path)
    except FileNotFoundError:
        return [f"heartbeat missing ({path}): the bot is not running or not connected"], []
    except IsADirectoryError:
        return [f"the heartbeat {path} is not a file: remove it while the bot is stopped"], []
    except OSError as error:
        return [f"the heartbeat {path} cannot be read: {os_reason(error)}"], []
    except ValueError as error:
        return [f"the heartbeat {path} is damaged ({error})"], []
    age = now - status.at
    problems: list[str] = []
    if age > STALE_AFTER_SECONDS:
        problems.append(f"heartbeat {age:.0f} s old ({path})")
    elif age < -STALE_AFTER_SECONDS:
        problems.append(f"the heartbeat {path} is {-age:.0f} s in the future (clock changed?)")
    by_id = {shard.id: shard for shard in status.shards}
    count = settings.discord.shard_count
    expected = settings.discord.shard_ids or (range(count) if count else ())
    missing = [shard for shard in expected if shard not in by_id]
    if missing:
        problems.append(f"shard {', '.join(map(str, missing))} not running ({shard_label(settings)} expected)")
    disconnected = [shard.id for shard in status.shards if not shard.connected]
    if disconnected:
        problems.append(f"shard {', '.join(map(str, disconnected))} disconnected")
    pid = f" by process {status.pid}" if status.pid else ""
    lines = [shard.describe(status.shard_count) for shard in status.shards]
    lines.append(f"heartbeat: written {max(age, 0):.0f} s ago{pid}")
    return problems, lines


async def check_database(settings: Settings) -> tuple[bool, str]:
    """(answers, one line) for the settings database, without changing it."""
    if settings.database.url is not None:
        return await _check_postgres(settings.database.url.get_secret_value())
    return await asyncio.to_thread(_check_sqlite, settings.state_dir / DATABASE_FILE)


async def _check_postgres(url: str) -> tuple[bool, str]:
    import asyncpg

    where = describe_url(url)
    started = time.perf_counter()
    try:
        connection = await asyncpg.connect(url, timeout=DATABASE_TIMEOUT_SECONDS)
    except Exception as error:
        return False, f"database: {connection_problem(where, error)}"
    try:
        exists = await connection.fetchval("SELECT to_regclass('storybot_schema') IS NOT NULL")
        version = await connection.fetchval("SELECT max(version) FROM storybot_schema") if exists else None
    except Exception as error:
        return False, f"database: {connection_problem(where, error)}"
    finally:
        await connection.close(timeout=DATABASE_TIMEOUT_SECONDS)
    elapsed = (time.perf_counter() - started) * 1000
    schema = "no storybot tables yet" if version is None else f"schema version {version}"
    return True, f"database: {where}: answered in {elapsed:.0f} ms, {schema}"


def _check_sqlite(path: Path) -> tuple[bool, str]:
    if not path.is_file():
        return False, f"database: SQLite {path} does not exist yet (the bot creates it when it starts)"
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=DATABASE_TIMEOUT_SECONDS)) as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            db.execute("SELECT count(*) FROM guild_settings").fetchone()
    except sqlite3.Error as error:
        return False, f"database: SQLite {path} cannot be read: {error}"
    newer = f" (newer than this storybot's {SCHEMA_VERSION})" if version > SCHEMA_VERSION else ""
    size = os.path.getsize(path)
    return True, f"database: SQLite {path}: readable, schema version {version}{newer}, {size:,} bytes"
