"""One change to one corpus file, applied so that it can always be undone, whatever volumes the folders are on.

A change is described by the file's bytes before and after it (None: no file). Applying it keeps the old version in
the state folder (`trash/` for a removal or a rewrite without an article, `replaced/` for an upload over a file);
undoing it puts the old bytes back. The undo never depends on a rename across folders succeeding: the corpus and
the state folder may be on different volumes (the Docker image's two volumes), where a rename fails with EXDEV, so
a rename back is only tried first (it needs no free space) and the bytes kept in memory are written back otherwise.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from corpus.files import BACKUP_DIRECTORY, kept_name, move_to_trash
from storage.durable_files import atomic_write, fsync_directory

log = logging.getLogger(__name__)
T = TypeVar("T")


class FileChangedOnDisk(Exception):
    """The file is no longer what the change was planned on (edited or deleted behind the bot's back)."""


class EditFailed(Exception):
    """Applying an edit failed on a folder (an OSError such as a full disk); the corpus file is as it was."""

    def __init__(self, step: str, error: OSError) -> None:
        self.step = step
        self.error = error
        super().__init__(f"{step} failed: {error.strerror or error}")


@dataclass(frozen=True)
class FileEdit:
    """One corpus file's content before the change and after it (None: the file does not exist), and the state
    folder's subfolder where its old version is kept (a removal always goes to the trash)."""

    path: Path
    before: bytes | None
    after: bytes | None
    keep_in: str = BACKUP_DIRECTORY


@dataclass(frozen=True)
class AppliedEdit:
    """An edit that was applied: where the old version is kept, and whether the file itself was moved there."""

    edit: FileEdit
    kept: Path | None
    moved: bool


def current_bytes(path: Path) -> bytes | None:
    """The file's bytes now, None when there is no such file. OSError when it exists but cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def apply_edit(edit: FileEdit, corpus_dir: Path, state_dir: Path) -> AppliedEdit:
    """Make the change, keeping the old version in the state folder first.

    Raises FileChangedOnDisk when the file is no longer `edit.before`, EditFailed on an OSError: either way the
    corpus file is as it was (a copy of the old version may be left in the state folder).
    """
    try:
        now = current_bytes(edit.path)
    except OSError as error:
        raise EditFailed(f"reading `{edit.path.name}`", error) from error
    if now != edit.before:
        raise FileChangedOnDisk(edit.path.name)
    if edit.before is None:
        assert edit.after is not None, "an edit changes something"
        _step(f"writing `{edit.path.name}` in the corpus folder", atomic_write, edit.path, edit.after)
        return AppliedEdit(edit, None, moved=False)
    if edit.after is None:
        step = "moving the file to the trash in the state folder"
        kept = _step(step, move_to_trash, edit.path, corpus_dir, state_dir)
        return AppliedEdit(edit, kept, moved=True)
    kept = state_dir / edit.keep_in / kept_name(edit.path.name)
    _step(f"keeping the old version in the state folder's {edit.keep_in}/", _keep, kept, edit.before)
    _step(f"writing `{edit.path.name}` in the corpus folder", atomic_write, edit.path, edit.after)
    return AppliedEdit(edit, kept, moved=False)


def _keep(kept: Path, data: bytes) -> None:
    kept.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(kept, data)


def _step(step: str, action: Callable[..., T], *args: Any) -> T:
    try:
        return action(*args)
    except OSError as error:
        raise EditFailed(step, error) from error


def undo_edit(applied: AppliedEdit) -> None:
    """Put the corpus file back as it was before `apply_edit`; the state folder's copy of it goes away again.

    Raises OSError only when the old version could not be put back (it is still at `applied.kept` then).
    """
    edit = applied.edit
    if edit.before is None:
        edit.path.unlink(missing_ok=True)
        fsync_directory(edit.path.parent)
        return
    if applied.moved and applied.kept is not None:
        try:
            os.replace(applied.kept, edit.path)  # the cheapest way back, and it needs no free space
            fsync_directory(edit.path.parent)
            return
        except OSError as error:
            log.info("moving %s back failed (%s); writing it back instead", edit.path.name, error)
    atomic_write(edit.path, edit.before)
    if applied.kept is not None:
        with contextlib.suppress(OSError):  # the change never happened: its copy is no removed article
            applied.kept.unlink()
