"""The saved index in the state directory: loaded memory-mapped when it matches the corpus, rebuilt when it doesn't.

A generation holds the postings and the articles' text (index/text_store.py), so a served index never needs the
parsed corpus. Beside the generations, `corpus-state.json` records what the corpus folder looked like when it was
last loaded (corpus/folder_state.py), the index key its articles gave, and the bad files it had. A start-up whose
folder is still exactly that (`open_unchanged`) serves the saved generation of that key without reading a single
article file; any doubt (the record missing, damaged, from another loader or settings; a file added, removed,
replaced or changed) and the folder is loaded and the index built as always.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.directory import FolderState
from corpus.folder_state import FileRecord, loader_fingerprint, unchanged_since
from corpus.models import Article, CorpusFileError
from index.bm25 import CompiledIndex, IndexFormatError
from index.paragraphs import IndexSettings, ParagraphIndex, ProgressCallback
from index.postings_io import load_arrays
from index.text_store import StoredArticles, text_array_names, text_arrays
from storage.durable_files import fsync_directory, write_durably

log = logging.getLogger(__name__)

INDEX_DIRECTORY = "index"
CORPUS_STATE_FILE = "corpus-state.json"
_CORPUS_STATE_MAGIC = "storybot-corpus-state"
_CORPUS_STATE_VERSION = 1


@dataclass(frozen=True)
class Loaded:
    """A ready paragraph index and how it came to be: `loaded` from disk, or `built` with the reason."""

    paragraphs: ParagraphIndex
    built: bool
    reason: str


@dataclass(frozen=True)
class Unchanged:
    """The saved index served for an unchanged corpus folder, and the bad files that folder had (each logged)."""

    paragraphs: ParagraphIndex
    errors: tuple[CorpusFileError, ...]


def index_key(articles: Sequence[Article], settings: IndexSettings) -> str:
    """The hash that a saved index must carry to be used: the articles' contents in order and the settings."""
    digest = hashlib.sha256(settings.fingerprint().encode())
    for article in articles:
        digest.update(article.content_hash().encode())
    return digest.hexdigest()


def index_directory(state_dir: Path) -> Path:
    """Where the compiled index lives inside the state directory."""
    return state_dir / INDEX_DIRECTORY


def open_saved(
    state_dir: Path, settings: IndexSettings, key: str | None, corpus_dir: Path | None = None, *, serving: bool = False
) -> ParagraphIndex:
    """The current generation as a paragraph index over its own stored articles (memory-mapped), after checking
    every array's crc32 and, when `key` is given, that it was built for it. IndexFormatError says why not.
    `serving`: opened while answering members (postings_io.load_arrays)."""
    manifest, arrays = load_arrays(index_directory(state_dir), key, serving=serving)
    index = CompiledIndex.from_saved(manifest, arrays)
    if manifest.get("settings") != settings.fingerprint():
        raise IndexFormatError("the saved index was built with other tokenizer or BM25 settings")
    if not text_array_names(arrays):
        raise IndexFormatError("the saved index has no text store (saved by an older version)")
    try:
        articles = StoredArticles(arrays, corpus_dir)
        return ParagraphIndex(articles, settings, index)
    except (ValueError, KeyError, UnicodeDecodeError) as error:
        raise IndexFormatError(f"the saved text store is inconsistent: {error}") from None


def load_or_build(
    articles: Sequence[Article],
    settings: IndexSettings,
    state_dir: Path,
    progress: ProgressCallback | None = None,
    *,
    force: bool = False,
    folder: FolderState | None = None,
    errors: Sequence[CorpusFileError] = (),
) -> Loaded:
    """Load the saved index when its key matches, else build and save a new one (atomically); either way the index
    served reads its articles from the saved text store. With `folder` (the load's record of the corpus folder,
    and its bad files `errors`), record it for the next start-up (`open_unchanged`).

    A missing, stale, truncated, corrupted or foreign index is never trusted: it is rebuilt, and the reason is
    returned (and logged). CPU- and IO-bound: call it off the event loop.
    """
    key = index_key(articles, settings)
    reason = "rebuild requested"
    paragraphs: ParagraphIndex | None = None
    if not force:
        try:
            paragraphs = open_saved(state_dir, settings, key)
        except IndexFormatError as error:
            reason = str(error)
            log.info("rebuilding the index: %s", reason)
    built = paragraphs is None
    if paragraphs is None:
        fresh = ParagraphIndex.build(articles, settings, progress)
        save(fresh, state_dir, key)
        try:
            paragraphs = open_saved(state_dir, settings, key)
        except IndexFormatError as error:  # another process sharing the state folder saved since: serve this one
            log.info("serving the index just built from memory: %s", error)
            paragraphs = fresh
        del fresh
    if folder is not None:
        record_folder(state_dir, key, settings, folder, errors)
    return Loaded(paragraphs, built=built, reason=reason if built else "saved index matches the corpus")


def save(paragraphs: ParagraphIndex, state_dir: Path, key: str | None = None) -> None:
    """Persist the paragraphs' index and text under the state directory (write, fsync, then switch atomically)."""
    directory = index_directory(state_dir)
    directory.mkdir(parents=True, exist_ok=True)
    key = key or index_key(paragraphs.articles, paragraphs.settings)
    info = {"settings": paragraphs.settings.fingerprint()}
    paragraphs.index.save(directory, key, text_arrays(paragraphs.articles), info)


def record_folder(
    state_dir: Path, key: str, settings: IndexSettings, folder: FolderState, errors: Sequence[CorpusFileError]
) -> None:
    """Write `corpus-state.json` (atomically): this folder, read with this loader and these settings, gives the
    articles of index `key` and these bad files. Every claim it makes was true when written, so a crash at any
    point leaves a true one (or none)."""
    body = {
        "magic": _CORPUS_STATE_MAGIC,
        "version": _CORPUS_STATE_VERSION,
        "key": key,
        "settings": settings.fingerprint(),
        "loader": loader_fingerprint(),
        "max_bytes": folder.max_bytes,
        "files": [record.to_json() for record in folder.files],
        "errors": [[error.path.name, error.message, error.line] for error in errors],
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    data = json.dumps({"body": body, "sha256": hashlib.sha256(text.encode()).hexdigest()}, ensure_ascii=False)
    directory = index_directory(state_dir)
    pending = directory / f"{CORPUS_STATE_FILE}.{os.getpid()}.tmp"
    write_durably(pending, data.encode())
    os.replace(pending, directory / CORPUS_STATE_FILE)
    fsync_directory(directory)


def open_unchanged(corpus_dir: Path, state_dir: Path, settings: IndexSettings, max_bytes: int) -> Unchanged:
    """The saved index and text store, when the corpus folder is exactly as last loaded (see the module's
    docstring); IndexFormatError saying why not otherwise. Reads no article file unless its times changed."""
    body = _read_corpus_state(index_directory(state_dir) / CORPUS_STATE_FILE)
    if body["loader"] != loader_fingerprint():
        raise IndexFormatError("the corpus was last read by another version of the loader")
    if body["settings"] != settings.fingerprint():
        raise IndexFormatError("the index settings changed since the corpus was last read")
    if body["max_bytes"] != max_bytes:
        raise IndexFormatError("max_file_bytes changed since the corpus was last read")
    try:
        files = tuple(FileRecord.from_json(value) for value in body["files"])
        errors = tuple(_error(corpus_dir, value) for value in body["errors"])
    except (ValueError, TypeError) as error:
        raise IndexFormatError(f"{CORPUS_STATE_FILE} is malformed: {error}") from None
    difference = unchanged_since(corpus_dir, files, max_bytes)
    if difference is not None:
        raise IndexFormatError(f"the corpus folder changed: {difference}")
    return Unchanged(open_saved(state_dir, settings, body["key"], corpus_dir), errors)


def _read_corpus_state(path: Path) -> dict[str, Any]:
    try:
        whole = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise IndexFormatError("the corpus folder was never recorded") from None
    except (OSError, ValueError) as error:
        raise IndexFormatError(f"{CORPUS_STATE_FILE} cannot be read: {error}") from None
    if not isinstance(whole, dict) or not isinstance(body := whole.get("body"), dict):
        raise IndexFormatError(f"{CORPUS_STATE_FILE} is malformed")
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    if hashlib.sha256(text.encode()).hexdigest() != whole.get("sha256"):
        raise IndexFormatError(f"{CORPUS_STATE_FILE} is damaged (checksum mismatch)")
    expected = {"magic", "version", "key", "settings", "loader", "max_bytes", "files", "errors"}
    if set(body) != expected or body["magic"] != _CORPUS_STATE_MAGIC or body["version"] != _CORPUS_STATE_VERSION:
        raise IndexFormatError(f"{CORPUS_STATE_FILE} is not a corpus record of this version")
    if not isinstance(body["files"], list) or not isinstance(body["errors"], list):
        raise IndexFormatError(f"{CORPUS_STATE_FILE} is malformed")
    return body


def _error(corpus_dir: Path, value: Any) -> CorpusFileError:
    if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) and isinstance(value[1], str)):
        raise ValueError("a recorded bad file is [name, message, line]")
    if not (value[2] is None or (isinstance(value[2], int) and not isinstance(value[2], bool))):
        raise ValueError("a recorded bad file's line is a number or null")
    return CorpusFileError(corpus_dir / value[0], value[1], value[2])
