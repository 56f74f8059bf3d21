"""The story service shared by the terminal and Discord: the serving engine, reloads, uploads and removals.

One engine serves at a time. Changes happen under a lock, build off the event loop, persist, and only then replace
the serving engine in one assignment, so a member's search always sees a whole index, old or new.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from corpus import Corpus, CorpusFileError, diff_corpora, load_corpus
from corpus.directory import collector_paused
from corpus.files import move_to_trash, plan_upload, write_upload
from corpus.models import Article
from index.build_process import CHILD_BUILD_MIN_PARAGRAPHS, build_in_child
from index.engine import EngineSettings, ProgressCallback, SearchEngine, SearchResult
from index.store import load_or_build

log = logging.getLogger(__name__)


def settle_long_lived_objects() -> None:
    """Move everything alive now (the corpus and engine just loaded) out of the garbage collector's scans.

    A big corpus is hundreds of thousands of objects that live until the next reload; left in the collected
    generations, every full collection walks them all while holding the interpreter lock, which stalls the event
    loop (bench/load_bot.py). They form no reference cycles, so when a reload drops them, reference counting still
    frees them (tests/test_service_memory.py checks that an old engine is freed).
    """
    gc.freeze()


@contextlib.contextmanager
def collections_paused() -> Iterator[None]:
    """No automatic garbage collection while a corpus loads (its fresh objects would trigger full collections that
    stall the event loop), then settle what survived. Cyclic garbage made meanwhile is kept: a few objects a reload."""
    with collector_paused():
        try:
            yield
        finally:
            settle_long_lived_objects()


class CorpusRefused(Exception):
    """A change to the corpus that was refused; the old index keeps serving. `errors` lists each bad file."""

    def __init__(self, summary: str, errors: tuple[CorpusFileError, ...] = ()) -> None:
        self.summary = summary
        self.errors = errors
        super().__init__(summary + "".join(f"\n- {error}" for error in errors))


class StateDirectoryError(Exception):
    """The state directory cannot be created or written; the message names it and says why."""


def prepare_state_directory(state_dir: Path) -> None:
    """Create the state directory when missing and check that files can be written in it."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        probe = state_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or str(error)
        raise StateDirectoryError(f"the state directory {state_dir} cannot be created or written: {reason}") from None


@dataclass(frozen=True)
class ChangeReport:
    """What a reload, upload or removal changed, for the reply."""

    summary: str
    seconds: float
    articles: int
    paragraphs: int


def engine_settings(settings: Settings) -> EngineSettings:
    """The index settings selected by the bot's settings."""
    return settings.search.engine_settings()


class StoryService:
    """Holds the serving engine and changes it safely."""

    def __init__(self, settings: Settings, engine: SearchEngine, load_errors: tuple[CorpusFileError, ...] = ()) -> None:
        self.settings = settings
        self._engine = engine
        self.load_errors = load_errors
        self._lock = asyncio.Lock()

    @classmethod
    def open(cls, settings: Settings, progress: ProgressCallback | None = None) -> StoryService:
        """Load the corpus and the saved index (or build it). Bad files are skipped and kept in `load_errors`."""
        loaded_corpus = load_corpus(settings.corpus_dir, max_bytes=settings.max_file_bytes)
        for error in loaded_corpus.errors:
            log.warning("skipped a bad corpus file: %s", error)
        prepare_state_directory(settings.state_dir)
        loaded = load_or_build(loaded_corpus.articles, engine_settings(settings), settings.state_dir, progress)
        log.info(
            "%s the index: %d articles, %d paragraphs (%s)",
            "built" if loaded.built else "loaded",
            len(loaded.engine.articles),
            loaded.engine.paragraph_count,
            loaded.reason,
        )
        settle_long_lived_objects()
        return cls(settings, loaded.engine, loaded_corpus.errors)

    @property
    def engine(self) -> SearchEngine:
        """The engine serving right now."""
        return self._engine

    @property
    def corpus(self) -> Corpus:
        """The articles served right now."""
        return Corpus(self._engine.articles)

    def search(self, query: str, limit: int, offset: int = 0, *, quotes_first: bool = False) -> SearchResult:
        """Search the serving engine (CPU-bound; async callers use `search_async`); `quotes_first` for who-said."""
        return self._engine.search(query, limit, offset, quotes_first=quotes_first)

    async def search_async(
        self, query: str, limit: int, offset: int = 0, *, quotes_first: bool = False
    ) -> SearchResult:
        """Search off the event loop, so one slow query never delays another member."""
        engine = self._engine
        return await asyncio.to_thread(engine.search, query, limit, offset, quotes_first=quotes_first)

    def find_articles(self, name: str) -> list[Article]:
        """Articles whose id or title match what a member typed, best first."""
        return self.corpus.find(name)

    async def reload(self) -> ChangeReport:
        """Rescan the corpus directory and swap in the new index; refused (old index kept) if any file is bad."""
        async with self._lock:
            return await asyncio.to_thread(self._rebuild)

    async def add_article(self, file_name: str, data: bytes, *, replace: bool = False) -> ChangeReport:
        """Validate an uploaded file, save it atomically in the corpus directory, then reindex."""
        async with self._lock:
            upload = plan_upload(self.settings.corpus_dir, file_name, data, self.settings.max_file_bytes, replace)
            backup = write_upload(upload, self.settings.state_dir)
            try:
                return await asyncio.to_thread(self._rebuild)
            except CorpusRefused:
                upload.undo(backup)
                raise

    async def remove_article(self, article_id: str) -> tuple[ChangeReport, Path]:
        """Move an article's file to the trash folder in the state directory, then reindex."""
        async with self._lock:
            article = self.corpus.get(article_id)
            if article is None:
                raise CorpusRefused(f"There is no article with the id `{article_id}`.")
            trashed = move_to_trash(article.file, self.settings.corpus_dir, self.settings.state_dir)
            try:
                return await asyncio.to_thread(self._rebuild), trashed
            except CorpusRefused:
                trashed.rename(article.file)
                raise

    def _rebuild(self) -> ChangeReport:
        with collections_paused():
            return self._rebuild_now()

    def _rebuild_now(self) -> ChangeReport:
        started = time.perf_counter()
        loaded_corpus = load_corpus(self.settings.corpus_dir, max_bytes=self.settings.max_file_bytes)
        if loaded_corpus.errors:
            raise CorpusRefused("The corpus has bad files, so nothing changed:", loaded_corpus.errors)
        old = self.corpus
        settings = engine_settings(self.settings)
        if sum(len(article.paragraphs) for article in loaded_corpus.articles) >= CHILD_BUILD_MIN_PARAGRAPHS:
            build_in_child(self.settings.corpus_dir, self.settings.max_file_bytes, settings, self.settings.state_dir)
        loaded = load_or_build(loaded_corpus.articles, settings, self.settings.state_dir)
        self._engine = loaded.engine
        self.load_errors = ()
        summary = diff_corpora(old, loaded_corpus.corpus).summary()
        log.info("corpus reloaded: %s", summary)
        return ChangeReport(
            summary, time.perf_counter() - started, len(loaded.engine.articles), loaded.engine.paragraph_count
        )
