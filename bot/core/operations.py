"""Known operator problems: the exception that carries one line and an exit status, and the folder checks behind it.

An `OperatorError` is a mistake in the settings or a problem of the machine (a missing folder, a full or read-only
disk, a damaged database, an unreachable Discord) that the operator must see as one line, never as a traceback;
`python -m bot` prints it as `error: …` and exits with its status. Anything else that escapes is a bug and keeps
its traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from corpus import CorpusFileError, CorpusLoad, load_corpus

try:
    import fcntl
except ImportError:  # not POSIX: two bots on one state folder are then not detected
    fcntl = None  # type: ignore[assignment]

INSTANCE_LOCK_FILE = "storybot.lock"
# Exit statuses of `python -m bot`: 2 the operator must change something, 1 it may come right by itself (the
# network), 130 interrupted (Ctrl-C), as shells report a SIGINT.
EXIT_FIX_SETTINGS = 2
EXIT_TRY_AGAIN = 1
EXIT_INTERRUPTED = 130


class OperatorError(Exception):
    """A known problem the operator must fix; the message is the one line shown, `setting` the key it concerns."""

    exit_status = EXIT_FIX_SETTINGS

    def __init__(self, message: str, *, setting: str | None = None, exit_status: int | None = None) -> None:
        super().__init__(message)
        self.setting = setting
        if exit_status is not None:
            self.exit_status = exit_status


class StateDirectoryError(OperatorError):
    """The state directory cannot be created or written; the message names it and says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message, setting="state_dir")


class CorpusFolderError(OperatorError):
    """The corpus folder is missing, not a folder, or cannot be read."""

    def __init__(self, message: str) -> None:
        super().__init__(message, setting="corpus_dir")


class SettingsDatabaseError(OperatorError):
    """The per-guild settings database cannot be opened or used; the message names the file and the way out."""

    def __init__(self, message: str) -> None:
        super().__init__(message, setting="state_dir")


def os_reason(error: OSError) -> str:
    """The reason of an OSError in words (`No space left on device`), without the Python class name."""
    if error.errno is not None and not error.strerror:
        return os.strerror(error.errno)
    return error.strerror or str(error) or type(error).__name__


def require_corpus_folder(path: Path) -> None:
    """Raise CorpusFolderError unless `path` is a folder whose entries can be listed."""
    try:
        if not path.exists():
            raise CorpusFolderError(f"the corpus folder {path} does not exist")
        if not path.is_dir():
            raise CorpusFolderError(f"the corpus folder {path} is a file, not a folder")
        with os.scandir(path):
            pass
    except OSError as error:
        raise CorpusFolderError(f"the corpus folder {path} cannot be read: {os_reason(error)}") from None


def load_corpus_folder(corpus_dir: Path, max_bytes: int) -> CorpusLoad:
    """The corpus folder's articles and bad files; CorpusFolderError when the folder is missing or unreadable."""
    require_corpus_folder(corpus_dir)
    try:
        return load_corpus(corpus_dir, max_bytes=max_bytes)
    except CorpusFileError as error:  # the folder went away or became unreadable since the check
        raise CorpusFolderError(error.message) from None


@contextlib.contextmanager
def writing_state(state_dir: Path, what: str) -> Iterator[None]:
    """Turn an OSError while writing `what` into the state directory into a StateDirectoryError naming the file."""
    try:
        yield
    except OSError as error:
        where = error.filename or state_dir
        advice = {
            errno.ENOSPC: "free some space on that disk",
            errno.EDQUOT: "free some space or raise the quota",
            errno.EROFS: "the disk is mounted read-only; mount it writable or choose another state folder",
            errno.EACCES: "give the bot's user write access to the state folder",
            errno.EPERM: "give the bot's user write access to the state folder",
        }.get(error.errno or 0, "check the state folder")
        raise StateDirectoryError(
            f"cannot write {what} in the state folder {state_dir} ({where}: {os_reason(error)}); {advice}"
        ) from None


@contextlib.contextmanager
def only_bot_on(state_dir: Path) -> Iterator[None]:
    """Hold `<state>/storybot.lock` while a bot serves Discord from this state folder.

    A second bot on the same folder (two containers on one volume, a forgotten terminal) would answer every
    message twice and race on the database; it stops with an OperatorError naming the folder (and the pid).
    The lock goes with the process, however it ends.
    """
    if fcntl is None:
        yield
        return
    path = state_dir / INSTANCE_LOCK_FILE
    with writing_state(state_dir, "the instance lock"):
        handle = open(path, "a+", encoding="ascii")  # noqa: SIM115 (closed below, after the bot stops)
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid = handle.read().strip()
            running = f"another storybot (pid {pid})" if pid.isdigit() else "another storybot"
            raise OperatorError(
                f"{running} is already running on the state folder {state_dir}: stop it, or give each bot its own "
                "state folder",
                setting="state_dir",
            ) from None
        with writing_state(state_dir, "the instance lock"):
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
        yield
