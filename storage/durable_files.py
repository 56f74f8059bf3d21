"""Durable file writes: a crash leaves the old file or the new one, never half of it (write, fsync, rename, fsync)."""

from __future__ import annotations

import os
from pathlib import Path


def atomic_write(target: Path, data: bytes) -> None:
    """Write `data` to `target` so that a crash leaves either the old file or the new one, never half of it."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write_durably(temporary, data)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    fsync_directory(target.parent)


def write_durably(path: Path, data: bytes) -> None:
    """Write `data` to `path` and fsync it (not atomic on its own: see `atomic_write`)."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_directory(directory: Path) -> None:
    """Make a directory's entries (new, renamed or deleted files) durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
