"""The saved index in the state directory: loaded memory-mapped when it matches the corpus, rebuilt when it doesn't."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus.models import Article
from index.bm25 import CompiledIndex, IndexFormatError
from index.paragraphs import IndexSettings, ParagraphIndex, ProgressCallback

log = logging.getLogger(__name__)

INDEX_DIRECTORY = "index"


@dataclass(frozen=True)
class Loaded:
    """A ready paragraph index and how it came to be: `loaded` from disk, or `built` with the reason."""

    paragraphs: ParagraphIndex
    built: bool
    reason: str


def index_key(articles: Sequence[Article], settings: IndexSettings) -> str:
    """The hash that a saved index must carry to be used: the articles' contents in order and the settings."""
    digest = hashlib.sha256(settings.fingerprint().encode())
    for article in articles:
        digest.update(article.content_hash().encode())
    return digest.hexdigest()


def index_directory(state_dir: Path) -> Path:
    """Where the compiled index lives inside the state directory."""
    return state_dir / INDEX_DIRECTORY


def load_or_build(
    articles: Sequence[Article],
    settings: IndexSettings,
    state_dir: Path,
    progress: ProgressCallback | None = None,
    *,
    force: bool = False,
) -> Loaded:
    """Load the saved index when its key matches, else build and save a new one (atomically).

    A missing, stale, truncated, corrupted or foreign index is never trusted: it is rebuilt, and the reason is
    returned (and logged). CPU- and IO-bound: call it off the event loop.
    """
    key = index_key(articles, settings)
    directory = index_directory(state_dir)
    reason = "rebuild requested"
    if not force:
        try:
            index = CompiledIndex.load(directory, expected_key=key)
            return Loaded(
                ParagraphIndex(articles, settings, index), built=False, reason="saved index matches the corpus"
            )
        except IndexFormatError as error:
            reason = str(error)
            log.info("rebuilding the index: %s", reason)
    paragraphs = ParagraphIndex.build(articles, settings, progress)
    save(paragraphs, state_dir, key)
    return Loaded(paragraphs, built=True, reason=reason)


def save(paragraphs: ParagraphIndex, state_dir: Path, key: str | None = None) -> None:
    """Persist the paragraphs' index under the state directory (write, fsync, then switch atomically)."""
    directory = index_directory(state_dir)
    directory.mkdir(parents=True, exist_ok=True)
    paragraphs.index.save(directory, key or index_key(paragraphs.articles, paragraphs.settings))
