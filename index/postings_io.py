"""Versioned, checksummed, crash-safe storage of named numpy arrays, loaded memory-mapped.

Layout of a store directory::

    CURRENT                      the name of the generation in use (replaced atomically)
    LOCK                         held (flock) by a save in progress
    gen-<time>-<pid>-<random>/   one complete generation
        manifest.json            magic, format version, key, metadata, and per array: dtype, shape, bytes, crc32
        <name>.npy               one array each, written with np.save(allow_pickle=False)

A save writes and fsyncs a new generation, then switches `CURRENT` to it (write a temporary file, fsync,
os.replace, fsync the directory) and only then deletes older generations, so a crash at any point leaves either
the old or the new generation readable. Nothing is ever unpickled.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import secrets
import shutil
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from storage.durable_files import fsync_directory, write_durably

try:
    import fcntl
except ImportError:  # not POSIX: concurrent saves into one directory are then not serialised
    fcntl = None  # type: ignore[assignment]

MAGIC = "storybot-index"
FORMAT_VERSION = 2  # 2: chunked 16-bit documents, 4-bit frequencies, columns (index/postings.py)
CURRENT_FILE = "CURRENT"
MANIFEST_FILE = "manifest.json"
LOCK_FILE = "LOCK"
GENERATION_PREFIX = "gen-"
_GENERATION_NAME = re.compile(r"gen-[0-9]{20}-[0-9]+-[0-9a-f]{8}")
_ARRAY_NAME = re.compile(r"[a-z][a-z0-9_]*")
_RESERVED_KEYS = frozenset({"magic", "format_version", "key", "arrays"})


class IndexFormatError(Exception):
    """A saved index that must not be used; the message says what is wrong with it."""


class _ChecksumWriter:
    """A write-only file wrapper that keeps the crc32 and size of everything written through it."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.crc32 = 0
        self.size = 0

    def write(self, data: bytes | memoryview) -> int:
        """Write `data` to the underlying file, updating the checksum and the size."""
        view = memoryview(data)
        self.crc32 = zlib.crc32(view, self.crc32)
        self.size += view.nbytes
        return self._raw.write(view)


def _write_array(generation: Path, name: str, array: np.ndarray) -> dict[str, Any]:
    """Write one array as `<name>.npy`, fsync it, and return its manifest entry."""
    file_name = f"{name}.npy"
    with open(generation / file_name, "wb") as handle:
        writer = _ChecksumWriter(handle)
        np.lib.format.write_array(writer, np.ascontiguousarray(array), allow_pickle=False)
        handle.flush()
        os.fsync(handle.fileno())
    shape = list(array.shape)
    return {
        "name": name,
        "file": file_name,
        "dtype": array.dtype.str,
        "shape": shape,
        "bytes": writer.size,
        "crc32": writer.crc32,
    }


@contextmanager
def _exclusive(directory: Path) -> Iterator[None]:
    """Serialise saves into one directory, across threads and processes (an advisory lock where fcntl exists).

    Without it a save finishing first would delete the generation another save is still writing, or one that a
    load (which holds the lock shared, `_shared`) is still opening.
    """
    with open(directory / LOCK_FILE, "ab") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # released when the file is closed
        yield


@contextmanager
def _shared(directory: Path) -> Iterator[None]:
    """Hold the directory's lock shared while a load opens and maps the current generation, so no save deletes it
    under the load (once mapped, its files may go: the mapping keeps them). Without a lock file (nothing was ever
    saved here) or where it cannot be opened (a read-only folder), the load goes ahead unlocked."""
    try:
        handle = open(directory / LOCK_FILE, "rb")  # noqa: SIM115 (closed below, after the load)
    except OSError:
        yield
        return
    with handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
        yield


def save_arrays(
    directory: Path,
    key: str,
    metadata: Mapping[str, Any],
    arrays: Mapping[str, np.ndarray] | Iterable[tuple[str, np.ndarray]],
) -> Path:
    """Write `arrays` and `metadata` (JSON-able) as a new generation under `directory` and make it current.

    `arrays` may be (name, array) pairs made one at a time (each is written, then let go: bounded memory).
    Returns the new generation's directory. Older generations are deleted once the new one is current.
    """
    if clash := _RESERVED_KEYS & set(metadata):
        raise ValueError(f"metadata may not use the reserved keys {sorted(clash)}")
    pairs = arrays.items() if isinstance(arrays, Mapping) else arrays
    directory.mkdir(parents=True, exist_ok=True)
    with _exclusive(directory):
        generation = directory / f"{GENERATION_PREFIX}{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}"
        generation.mkdir()
        try:
            entries = []
            for name, array in pairs:
                if not _ARRAY_NAME.fullmatch(name) or name in {entry["name"] for entry in entries}:
                    raise ValueError(f"array name {name!r} is not a new lower-case identifier")
                entries.append(_write_array(generation, name, array))
            manifest = {"magic": MAGIC, "format_version": FORMAT_VERSION, "key": key, **metadata, "arrays": entries}
            write_durably(generation / MANIFEST_FILE, json.dumps(manifest, indent=1).encode())
            fsync_directory(generation)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)  # best effort: a later save would remove it anyway
            raise

        pending = directory / f"{CURRENT_FILE}.tmp"
        write_durably(pending, generation.name.encode("ascii"))
        os.replace(pending, directory / CURRENT_FILE)
        fsync_directory(directory)

        for child in directory.iterdir():
            if child.name.startswith(GENERATION_PREFIX) and child != generation and child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
    return generation


def current_generation(directory: Path) -> Path:
    """The generation directory that `CURRENT` names; IndexFormatError when there is none or it is unusable."""
    try:
        name = (directory / CURRENT_FILE).read_bytes().decode("ascii").strip()
    except FileNotFoundError:
        raise IndexFormatError(f"no saved index in {directory}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise IndexFormatError(f"unreadable {CURRENT_FILE} file in {directory}: {error}") from None
    if not _GENERATION_NAME.fullmatch(name):
        raise IndexFormatError(f"{CURRENT_FILE} in {directory} does not name an index generation")
    generation = directory / name
    if not generation.is_dir():
        raise IndexFormatError(f"{CURRENT_FILE} names {name}, which does not exist")
    return generation


def _read_manifest(generation: Path, expected_key: str | None) -> dict[str, Any]:
    try:
        manifest = json.loads((generation / MANIFEST_FILE).read_bytes())
    except FileNotFoundError:
        raise IndexFormatError(f"{generation.name} has no {MANIFEST_FILE}") from None
    except (OSError, ValueError) as error:
        raise IndexFormatError(f"{generation.name}/{MANIFEST_FILE} is not a readable JSON manifest: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("magic") != MAGIC:
        raise IndexFormatError(f"{generation.name}/{MANIFEST_FILE} is not a storybot index manifest (wrong magic)")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexFormatError(f"index format version {version!r}, this program reads version {FORMAT_VERSION}")
    if expected_key is not None and manifest.get("key") != expected_key:
        raise IndexFormatError("the saved index is stale: it was built from a different corpus or settings")
    entries = manifest.get("arrays")
    if not isinstance(entries, list) or not all(_well_formed(entry) for entry in entries):
        raise IndexFormatError(f"{generation.name}/{MANIFEST_FILE} has a malformed array list")
    if len({entry["name"] for entry in entries}) != len(entries):
        raise IndexFormatError(f"{generation.name}/{MANIFEST_FILE} lists an array twice")
    return manifest


def _well_formed(entry: Any) -> bool:
    """Whether a manifest array entry has every field with the right type (and a safe file name)."""
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("name"), str)
        and _ARRAY_NAME.fullmatch(entry["name"]) is not None
        and entry.get("file") == f"{entry['name']}.npy"
        and isinstance(entry.get("dtype"), str)
        and isinstance(entry.get("shape"), list)
        and all(isinstance(size, int) and size >= 0 for size in entry["shape"])
        and isinstance(entry.get("bytes"), int)
        and isinstance(entry.get("crc32"), int)
    )


def _file_crc32(path: Path, size: int) -> int:
    """crc32 of a whole file, read through a memory map (no copy into Python memory)."""
    if size == 0:
        return 0
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        return zlib.crc32(mapped)


def load_arrays(
    directory: Path, expected_key: str | None, *, serving: bool = False
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The current generation's manifest and its arrays, memory-mapped read-only, after verifying them (see
    `_load_current`); the directory's lock is held shared meanwhile, so a save in another process cannot delete
    the generation being opened. `serving`: opened while this process answers members (a reload), so the files are
    checked one at a time, leaving the other cores to the answers."""
    with _shared(directory):
        return _load_current(directory, expected_key, 1 if serving else max(1, min(4, os.cpu_count() or 1)))


def _load_current(
    directory: Path, expected_key: str | None, check_threads: int
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The current generation's manifest and its arrays, memory-mapped read-only, after verifying them.

    Raises IndexFormatError for a missing or foreign manifest, a wrong format version, a key other than
    `expected_key` (when given), a missing, truncated or corrupted (crc32) array file, or an array whose dtype
    or shape differs from the manifest.
    """
    generation = current_generation(directory)
    manifest = _read_manifest(generation, expected_key)
    for entry in manifest["arrays"]:
        path, label = generation / entry["file"], f"{generation.name}/{entry['file']}"
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise IndexFormatError(f"{label} is missing") from None
        if size != entry["bytes"]:
            raise IndexFormatError(f"{label} has {size} bytes, the manifest says {entry['bytes']} (truncated?)")
    # zlib releases the GIL on large buffers, so the files are checked side by side (the big ones dominate).
    with ThreadPoolExecutor(max_workers=check_threads) as pool:
        crcs = list(pool.map(lambda entry: _file_crc32(generation / entry["file"], entry["bytes"]), manifest["arrays"]))
    arrays: dict[str, np.ndarray] = {}
    for entry, crc in zip(manifest["arrays"], crcs, strict=True):
        path, label = generation / entry["file"], f"{generation.name}/{entry['file']}"
        if crc != entry["crc32"]:
            raise IndexFormatError(f"{label} is corrupted (crc32 mismatch)")
        try:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as error:
            raise IndexFormatError(f"{label} is not a readable .npy array: {error}") from None
        if array.dtype.str != entry["dtype"] or list(array.shape) != entry["shape"]:
            found, expected = f"{array.dtype.str}{list(array.shape)}", f"{entry['dtype']}{entry['shape']}"
            raise IndexFormatError(f"{label} holds {found}, the manifest says {expected}")
        arrays[entry["name"]] = array
    return manifest, arrays
