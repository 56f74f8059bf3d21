"""Changing the corpus directory safely: validated uploads written atomically, removals moved to a trash folder."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from corpus.loaders import SUPPORTED_SUFFIXES, article_id_for, parse_file
from corpus.models import Article, CorpusFileError
from storage.durable_files import atomic_write, fsync_directory

# Names Windows reserves: a file called `CON.txt` cannot be copied to a Windows machine for backup.
RESERVED_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
TRASH_DIRECTORY = "trash"
BACKUP_DIRECTORY = "replaced"


class UploadRefused(Exception):
    """An uploaded file that cannot be added; the message says why, naming the file; `errors` lists its bad records."""

    def __init__(self, summary: str, errors: tuple[CorpusFileError, ...] = ()) -> None:
        self.summary = summary
        self.errors = errors
        super().__init__(summary + "".join(f"\n- {error}" for error in errors))


@dataclass(frozen=True)
class Upload:
    """A validated upload: where it will be written and the articles it holds."""

    target: Path
    data: bytes
    articles: tuple[Article, ...]
    replaces: bool


def check_file_name(file_name: str) -> str:
    """Return the name if it is a safe, plain file name with a supported suffix; raise UploadRefused otherwise."""
    shown = file_name.encode("unicode_escape").decode("ascii")[:120]
    if not file_name.strip():
        raise UploadRefused("the file has no name; name it like `article.md`")
    if any(unicodedata.category(char) in {"Cc", "Cf"} for char in file_name):
        raise UploadRefused(f"`{shown}`: the file name contains control characters")
    if "/" in file_name or "\\" in file_name or file_name in {".", ".."}:
        raise UploadRefused(f"`{shown}`: the file name must be a plain name, not a path")
    if file_name.startswith("."):
        raise UploadRefused(f"`{shown}`: a name starting with '.' is a hidden file, which the bot ignores; rename it")
    if not SAFE_NAME.match(file_name):
        raise UploadRefused(f"`{shown}`: use only letters, digits, '.', '-' and '_' (at most 100 characters)")
    stem, suffix = os.path.splitext(file_name)
    if suffix.lower() not in SUPPORTED_SUFFIXES:
        allowed = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UploadRefused(f"`{shown}`: unsupported file type `{suffix or '(none)'}`; use one of {allowed}")
    if stem.split(".")[0].lower() in RESERVED_NAMES:
        raise UploadRefused(f"`{shown}`: `{stem}` is a reserved device name")
    return file_name


def plan_upload(corpus_dir: Path, file_name: str, data: bytes, max_bytes: int, replace: bool) -> Upload:
    """Validate an upload completely in memory before anything touches the disk."""
    name = check_file_name(file_name)
    if len(data) > max_bytes:
        raise UploadRefused(f"`{name}` is {len(data):,} bytes, over the {max_bytes:,}-byte limit")
    target = corpus_dir / name
    if target.resolve().parent != corpus_dir.resolve():
        raise UploadRefused(f"`{name}` would be written outside the corpus directory")
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise UploadRefused(f"`{name}` exists in the corpus directory and is not a regular file")
    if target.exists() and not replace:
        raise UploadRefused(f"`{name}` already exists; add it again with `replace` to overwrite it")
    clash = _id_clash(corpus_dir, name)
    if clash is not None:
        raise UploadRefused(f"`{name}` would have the same article id as `{clash.name}`; rename one of them")
    try:
        contents = parse_file(name, data, max_bytes=max_bytes, path=target)
    except CorpusFileError as error:
        raise UploadRefused(str(error)) from error
    if contents.errors:
        count = len(contents.errors)
        records = "a bad record" if count == 1 else f"{count} bad records"
        raise UploadRefused(f"`{name}` has {records}; fix them and upload it again:", contents.errors)
    return Upload(target, data, contents.articles, replaces=target.exists())


def _id_clash(corpus_dir: Path, name: str) -> Path | None:
    wanted = article_id_for(name)
    for existing in corpus_dir.iterdir():
        if existing.name != name and existing.suffix.lower() in SUPPORTED_SUFFIXES:
            try:
                if article_id_for(existing.name) == wanted:
                    return existing
            except ValueError:
                continue
    return None


def move_to_trash(file: Path, corpus_dir: Path, state_dir: Path) -> Path:
    """Move an article file out of the corpus into `<state>/trash/`, named with the time, and return its new path."""
    if file.resolve().parent != corpus_dir.resolve():
        raise UploadRefused(f"`{file.name}` is not in the corpus directory")
    trash = state_dir / TRASH_DIRECTORY
    trash.mkdir(parents=True, exist_ok=True)
    destination = trash / kept_name(file.name)
    if _same_device(file, trash):
        os.replace(file, destination)
    else:
        atomic_write(destination, file.read_bytes())
        file.unlink()
    fsync_directory(corpus_dir)
    return destination


def _same_device(file: Path, directory: Path) -> bool:
    return file.stat().st_dev == directory.stat().st_dev


def kept_name(file_name: str) -> str:
    """The name a file's old version is kept under in the state folder: `<UTC time>-<file name>`."""
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}-{file_name}"
