"""Which shards this process runs (`[discord] shard_count`, `shard_ids`), and what it tells `python -m bot health`.

Discord sends each guild's events to one shard, `(guild_id >> 22) % shard_count`; a cluster is several processes,
each running a range of shards, so each guild is answered by exactly one process. Slash commands are synced by
the process that runs shard 0 only (once per cluster, not once per process).

Each process rewrites its status file in the state folder every beat and on every shard event: the time, its
process id and each of its shards' connection and gateway latency. The name carries the shard ids
(`heartbeat-shards-0-1`), so processes that share a state folder never overwrite each other's.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.settings import Settings

HEARTBEAT_FILE = "heartbeat"


def shard_options(settings: Settings) -> dict[str, Any]:
    """The discord.py options for this process's shards ({} lets discord.py ask Discord how many to run)."""
    discord = settings.discord
    if discord.shard_count is None:
        return {}
    options: dict[str, Any] = {"shard_count": discord.shard_count}
    if discord.shard_ids is not None:
        options["shard_ids"] = list(discord.shard_ids)
    return options


def syncs_commands(settings: Settings) -> bool:
    """Whether this process syncs slash commands: the one that runs shard 0 (every process of an unsplit bot)."""
    ids = settings.discord.shard_ids
    return ids is None or 0 in ids


def shard_label(settings: Settings) -> str:
    """`shards 0, 1 of 4`, `all 4 shards`, or `the shards Discord recommends`."""
    discord = settings.discord
    if discord.shard_ids is not None:
        ids = ", ".join(str(shard) for shard in discord.shard_ids)
        return f"shard{'s' if len(discord.shard_ids) > 1 else ''} {ids} of {discord.shard_count}"
    if discord.shard_count is not None:
        return f"all {discord.shard_count} shards"
    return "the shards Discord recommends"


def status_file(settings: Settings) -> Path:
    """This process's status file: `<state>/heartbeat`, or `<state>/heartbeat-shards-0-1` for a shard range."""
    ids = settings.discord.shard_ids
    suffix = "" if ids is None else "-shards-" + "-".join(str(shard) for shard in ids)
    return settings.state_dir / f"{HEARTBEAT_FILE}{suffix}"


@dataclass(frozen=True)
class ShardState:
    """One shard as the running bot last saw it."""

    id: int
    connected: bool
    latency_ms: float | None  # None before the first heartbeat was acknowledged

    def describe(self, shard_count: int | None) -> str:
        """`shard 1 of 4: connected, gateway latency 42 ms`."""
        of = f" of {shard_count}" if shard_count else ""
        if not self.connected:
            return f"shard {self.id}{of}: disconnected"
        latency = "not measured yet" if self.latency_ms is None else f"{self.latency_ms:.0f} ms"
        return f"shard {self.id}{of}: connected, gateway latency {latency}"


def shard_states(latencies: Iterable[tuple[int, float]], closed: Iterable[int]) -> list[ShardState]:
    """ShardStates from discord.py's `(shard id, latency in seconds)` pairs and the ids of closed shards."""
    closed = set(closed)
    return [
        ShardState(shard, shard not in closed, latency * 1000 if math.isfinite(latency) else None)
        for shard, latency in sorted(latencies)
    ]


def write_status(path: Path, shard_count: int | None, shards: list[ShardState]) -> None:
    """Rewrite the status file atomically (write, rename): a reader sees the old or the new one, never half.

    Not fsynced: after a crash an old status is as good as none (it is stale either way).
    """
    document = {
        "at": time.time(),
        "pid": os.getpid(),
        "shard_count": shard_count,
        "shards": [{"id": s.id, "connected": s.connected, "latency_ms": s.latency_ms} for s in shards],
    }
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        temporary.write_bytes(json.dumps(document).encode())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


@dataclass(frozen=True)
class Status:
    """A status file as read back: when it was written, by which process, and the shards."""

    at: float
    pid: int | None
    shard_count: int | None
    shards: list[ShardState]


def read_status(path: Path) -> Status:
    """The status file; ValueError (saying what is wrong) for a damaged one, OSError when it can't be read.

    A file that holds only a time is an older storybot's heartbeat: it counts, with no shards listed.
    """
    if path.is_dir():
        raise IsADirectoryError(path)
    text = path.read_text(encoding="utf-8", errors="replace").strip()
    shown = text if len(text) <= 30 else text[:27] + "..."
    try:
        document = json.loads(text) if text else {"at": path.stat().st_mtime}  # empty: caught mid-write by an older bot
    except ValueError:
        raise ValueError(f"holds {shown!r}, not a time") from None
    if isinstance(document, int | float) and not isinstance(document, bool):
        document = {"at": document}
    at = document.get("at") if isinstance(document, dict) else None
    if not isinstance(at, int | float) or isinstance(at, bool) or not math.isfinite(at):
        raise ValueError(f"holds {shown!r}, not a time")
    try:
        shards = [
            ShardState(int(s["id"]), bool(s["connected"]), None if s["latency_ms"] is None else float(s["latency_ms"]))
            for s in document.get("shards") or []
        ]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ValueError("holds an unreadable list of shards") from None
    return Status(float(at), document.get("pid"), document.get("shard_count"), shards)
