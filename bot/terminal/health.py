"""`python -m bot health`: whether the running bot touched its heartbeat file recently (the image's HEALTHCHECK)."""

from __future__ import annotations

import math
import time
from pathlib import Path

from bot.core.operations import os_reason
from bot.discord.app import HEARTBEAT_FILE, HEARTBEAT_SECONDS

# Missing four beats in a row is unhealthy: one slow beat (a busy disk) is not.
STALE_AFTER_SECONDS = 4 * HEARTBEAT_SECONDS


def check_health(state_dir: Path, now: float | None = None) -> tuple[bool, str]:
    """(healthy, one line saying why) from `<state>/heartbeat`, which the bot rewrites with the time every beat.

    A heartbeat that is missing, old, not a file, unreadable, or holds anything but a time is unhealthy, with the
    line naming the file and the problem. An empty file (caught between the bot's truncate and write) counts by
    its modification time.
    """
    path = state_dir / HEARTBEAT_FILE
    now = time.time() if now is None else now
    try:
        if not path.exists():
            return False, f"unhealthy: heartbeat missing ({path}): the bot is not running or not connected"
        if not path.is_file():
            return False, f"unhealthy: the heartbeat {path} is not a file: remove it while the bot is stopped"
        text = path.read_text(encoding="utf-8", errors="replace").strip()
        beat = path.stat().st_mtime if not text else float(text)
    except OSError as error:
        return False, f"unhealthy: the heartbeat {path} cannot be read: {os_reason(error)}"
    except ValueError:
        shown = text if len(text) <= 30 else text[:27] + "..."
        return False, f"unhealthy: the heartbeat {path} is damaged (holds {shown!r}, not a time)"
    if not math.isfinite(beat):
        return False, f"unhealthy: the heartbeat {path} is damaged (holds {text!r}, not a time)"
    age = now - beat
    if age > STALE_AFTER_SECONDS:
        return False, f"unhealthy: heartbeat {age:.0f} s old ({path})"
    if age < -STALE_AFTER_SECONDS:
        return False, f"unhealthy: the heartbeat {path} is {-age:.0f} s in the future (clock changed?)"
    return True, "healthy"
