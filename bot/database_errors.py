"""What to tell the operator when the settings database (`<state>/storybot.sqlite3`) cannot be opened or used."""

from __future__ import annotations

import sqlite3
from pathlib import Path

# How long opening the database waits for another process's lock before giving up (sqlite3's default is 5 s).
BUSY_TIMEOUT_SECONDS = 5.0

RECOVERY = (
    "stop the bot, then restore it from a backup (delete its -wal and -shm files first; README: Operations), "
    "or move it and its -wal and -shm files aside to start with default settings"
)


def describe_database_error(path: Path, error: sqlite3.Error) -> str:
    """One line naming the database file, what is wrong with it, and how to recover."""
    reason = str(error) or type(error).__name__
    lowered = reason.lower()
    if path.is_dir():
        return f"the settings database {path} is a folder, not a database file: move it aside or remove it"
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return f"the settings database {path} is damaged ({reason}): {RECOVERY}"
    if "locked" in lowered or "busy" in lowered:
        return (
            f"the settings database {path} is locked by another process ({reason}): is another storybot using "
            "this state folder? Stop it, or give each bot its own state folder"
        )
    if "readonly" in lowered or "read-only" in lowered:
        return f"the settings database {path} is read-only ({reason}): give the bot's user write access to it"
    if "full" in lowered:
        return f"the settings database {path} cannot be written: the disk is full ({reason}); free some space"
    if "unable to open" in lowered:
        return (
            f"the settings database {path} cannot be opened ({reason}): check that the state folder exists and "
            "that the bot's user may read and write it"
        )
    return f"the settings database {path} cannot be used ({reason}): {RECOVERY}"
