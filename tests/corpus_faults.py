"""Faults injected into the corpus and state volumes, for tests: a corpus and a state folder on different devices
(renames between them fail with EXDEV), and a state disk that is full when the index is saved."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

import corpus.files
import index.store


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file of a folder (not hidden, not in subfolders) with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file() and not p.name.startswith(".")}


def two_volumes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """From now on, renames between two different folders fail with EXDEV, as between two volumes; returns the list
    of the renames refused so far."""
    refused: list[tuple[str, str]] = []
    real_replace, real_rename = os.replace, os.rename

    def guarded(real: Any) -> Any:
        def rename(source: Any, target: Any, *args: Any, **kwargs: Any) -> None:
            if Path(source).resolve().parent != Path(target).resolve().parent:
                refused.append((str(source), str(target)))
                raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(source), None, str(target))
            real(source, target, *args, **kwargs)

        return rename

    monkeypatch.setattr(corpus.files, "_same_device", lambda file, directory: False)
    monkeypatch.setattr(os, "replace", guarded(real_replace))
    monkeypatch.setattr(os, "rename", guarded(real_rename))
    return refused


def full_state_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, saving an index fails as on a full disk."""

    def save(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(index.store, "save", save)
