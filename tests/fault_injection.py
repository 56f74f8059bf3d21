"""Disk faults for tests, without root: file creation, writes and renames under one folder fail with an errno.

`failing_disk(monkeypatch, folder, errno.ENOSPC)` makes the folder behave like a full disk, `errno.EROFS` like a
read-only mount, `errno.EACCES` like a folder the bot's user may not write (which root, running the tests here,
otherwise ignores). Reading keeps working. `only` narrows the fault to some file names (`lambda p: p.suffix ==
".npy"`: the disk fills up while the index is written, after the start-up checks passed).
"""

from __future__ import annotations

import builtins
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def failing_disk(
    monkeypatch: pytest.MonkeyPatch, folder: Path, error_number: int, only: Callable[[Path], bool] = lambda p: True
) -> list[Path]:
    """Patch os.open, open, io.open, os.mkdir, os.replace and os.rename; returns the paths refused so far."""
    root = Path(os.path.abspath(folder))
    refused: list[Path] = []

    def hit(target: Any) -> bool:
        if isinstance(target, int):
            return False
        path = Path(os.path.abspath(os.fsdecode(target)))
        if (path == root or root in path.parents) and only(path):
            refused.append(path)
            return True
        return False

    def fail(target: Any) -> OSError:
        return OSError(error_number, os.strerror(error_number), os.fsdecode(target))

    real_os_open, real_open, real_mkdir = os.open, builtins.open, os.mkdir
    real_replace, real_rename = os.replace, os.rename

    def os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & WRITE_FLAGS and hit(path):
            raise fail(path)
        return real_os_open(path, flags, *args, **kwargs)

    def open_file(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(flag in mode for flag in "wax+") and hit(file):
            raise fail(file)
        return real_open(file, mode, *args, **kwargs)

    def mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
        if hit(path) and not os.path.isdir(path):
            raise fail(path)
        real_mkdir(path, *args, **kwargs)

    def moved(real: Callable[..., None]) -> Callable[..., None]:
        def move(source: Any, target: Any, *args: Any, **kwargs: Any) -> None:
            if hit(target):
                raise fail(target)
            real(source, target, *args, **kwargs)

        return move

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", open_file)
    monkeypatch.setattr(io, "open", open_file)
    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "replace", moved(real_replace))
    monkeypatch.setattr(os, "rename", moved(real_rename))
    return refused
