"""What the corpus folder looked like when it was loaded, and whether it still looks the same.

A start-up may serve the saved index and text store without reading a single article file, but only when the folder
is provably what was loaded. Each entry of the folder is recorded (name, kind) and each article file also with its
size, modification time, status-change time, inode and the SHA-256 of the very bytes that were parsed.

Later, `unchanged_since` lists the folder again (one `stat` per entry, no file read): any entry added, removed or of
another kind (a file replaced by a symlink, a folder) is a change. A file whose size, modification time, status-change
time and inode are all as recorded is taken as unchanged; any difference, or a file recorded as *racy*, is read and
hashed, and only its hash decides. Editing a file in place and setting its modification time back (`touch -d`) still
moves its status-change time (ctime), which no program can set back: it is hashed. A racy file is one that changed
while it was read or within RACY_SECONDS of its reading, where a later write could keep the same times on a file
system with coarse timestamps: it is always hashed (as git treats a "racily clean" file).

What stays undetected: a change that keeps size, both times and the inode, which takes setting the system clock back
or writing the disk below the file system (or a file system that does not keep ctime). `reload` reads every file
whatever the times say.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import time
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pydantic

RACY_SECONDS = 2
_HASH_BLOCK = 1 << 20


@dataclass(frozen=True)
class FileRecord:
    """One entry of the corpus folder as it was loaded; `sha256` only for an article file that was read."""

    name: str
    kind: str  # "file", "link", "dir" or "other"
    size: int = 0
    mtime_ns: int = 0
    ctime_ns: int = 0
    inode: int = 0
    sha256: str | None = None
    racy: bool = False

    def to_json(self) -> list[Any]:
        """A compact JSON form (a list), read back by `from_json`."""
        return [self.name, self.kind, self.size, self.mtime_ns, self.ctime_ns, self.inode, self.sha256, self.racy]

    @classmethod
    def from_json(cls, value: Any) -> FileRecord:
        """The record from its JSON form; ValueError when it is not one."""
        if not isinstance(value, list) or len(value) != 8:
            raise ValueError("a file record is a list of 8 values")
        name, kind, size, mtime, ctime, inode, sha, racy = value
        if not isinstance(name, str) or kind not in {"file", "link", "dir", "other"}:
            raise ValueError("a file record needs a name and a kind")
        if not all(isinstance(number, int) and not isinstance(number, bool) for number in (size, mtime, ctime, inode)):
            raise ValueError("a file record's size and times are integers")
        if not (sha is None or (isinstance(sha, str) and len(sha) == 64)) or not isinstance(racy, bool):
            raise ValueError("a file record's hash is 64 hex digits or null")
        return cls(name, kind, size, mtime, ctime, inode, sha, racy)


def kind_of(mode: int) -> str:
    """The kind of a folder entry from its lstat mode."""
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "other"


def entry_record(path: Path) -> FileRecord:
    """A folder entry that is not read (a symlink, a folder, a file of another type): its name and kind."""
    return FileRecord(path.name, kind_of(os.lstat(path).st_mode))


def read_recorded(path: Path, max_bytes: int, started_ns: int) -> tuple[bytes, int, FileRecord]:
    """Read up to `max_bytes + 1` bytes of an article file; return them, the file's size, and its record.

    The times are those of the open file before reading; the file is racy when they moved during the read or lie
    within RACY_SECONDS of `started_ns` (the start of the folder's loading). OSError when it cannot be read.
    """
    with path.open("rb") as handle:
        before = os.fstat(handle.fileno())
        data = handle.read(max_bytes + 1)
        after = os.fstat(handle.fileno())
    moved = (before.st_size, before.st_mtime_ns, before.st_ctime_ns) != (
        after.st_size,
        after.st_mtime_ns,
        after.st_ctime_ns,
    )
    recent = max(before.st_mtime_ns, before.st_ctime_ns) >= started_ns - RACY_SECONDS * 1_000_000_000
    record = FileRecord(
        path.name,
        "file",
        before.st_size,
        before.st_mtime_ns,
        before.st_ctime_ns,
        before.st_ino,
        hashlib.sha256(data).hexdigest(),
        moved or recent,
    )
    return data, before.st_size, record


def now_ns() -> int:
    """The wall-clock time in nanoseconds (file times are wall-clock times)."""
    return time.time_ns()


@cache
def loader_fingerprint() -> str:
    """A hash of everything that decides what the loader makes of a file: this package's source, the Python and
    Unicode versions, pydantic's version. A saved text store from another loader is never trusted."""
    digest = hashlib.sha256(f"{sys.version_info[:2]}|{unicodedata.unidata_version}|{pydantic.VERSION}".encode())
    for source in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def _sha256_of(path: Path, limit: int) -> str | None:
    """The SHA-256 of the file's first `limit + 1` bytes (what the loader reads), None when it cannot be read."""
    digest = hashlib.sha256()
    left = limit + 1
    try:
        with path.open("rb") as handle:
            while left > 0 and (block := handle.read(min(_HASH_BLOCK, left))):
                digest.update(block)
                left -= len(block)
    except OSError:
        return None
    return digest.hexdigest()


def unchanged_since(directory: Path, records: tuple[FileRecord, ...], max_bytes: int) -> str | None:
    """None when the folder still holds exactly what `records` describe, else the first difference in words.

    Lists the folder (one lstat per entry); reads and hashes only the article files whose size, times or inode
    differ from their record, or that were recorded racy.
    """
    try:
        with os.scandir(directory) as listing:
            entries = {entry.name: entry for entry in listing if not entry.name.startswith(".")}
    except OSError as error:
        return f"the corpus folder cannot be listed ({error.strerror or error})"
    recorded = {record.name: record for record in records}
    if added := sorted(entries.keys() - recorded.keys()):
        return f"{added[0]} is new in the corpus folder"
    if gone := sorted(recorded.keys() - entries.keys()):
        return f"{gone[0]} is no longer in the corpus folder"
    for name in sorted(entries):
        record = recorded[name]
        try:
            now = entries[name].stat(follow_symlinks=False)
        except OSError as error:
            return f"{name} cannot be examined ({error.strerror or error})"
        kind = kind_of(now.st_mode)
        if kind != record.kind:
            return f"{name} is now a {kind}, it was a {record.kind}"
        if record.sha256 is None:
            continue
        same = (now.st_size, now.st_mtime_ns, now.st_ctime_ns, now.st_ino) == (
            record.size,
            record.mtime_ns,
            record.ctime_ns,
            record.inode,
        )
        if same and not record.racy:
            continue
        if _sha256_of(directory / name, max_bytes) != record.sha256:
            return f"{name} changed"
    return None
