"""The story service shared by the terminal and Discord: the serving engine, reloads, uploads and removals.

One engine serves at a time. Changes happen under a lock, build off the event loop, persist, and only then replace
the serving engine in one assignment, so a member's search always sees a whole index, old or new.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TypeVar

from answers.engine import ProgressCallback, SearchEngine, SearchResult
from answers.sources import SourceFinder, SourceFinding
from bot.core.changes import (
    ChangeReport,
    CorpusRefused,
    StateWriteFailed,
    check_confirmed,
)
from bot.core.claims import Claim
from bot.core.engine_opening import (
    answer_once,
    engine_settings,
    load_engine,
    log_start_up_problems,
    open_unchanged_corpus,
    prepare_state_directory,
    start_kernels,
)
from bot.core.operations import (
    load_corpus_folder,
    require_corpus_folder,
    writing_state,
)
from bot.core.passage_context import PassageContext, paragraphs_around
from bot.core.questions import Question
from bot.core.settings import Settings
from corpus import Corpus, CorpusDiff, CorpusFileError, CorpusLoad, diff_corpora, diff_hashes, load_corpus
from corpus.edits import AppliedEdit, EditFailed, FileChangedOnDisk, FileEdit, apply_edit, current_bytes, undo_edit
from corpus.files import plan_upload
from corpus.models import Article
from corpus.removal import RemovalRefused, plan_removal
from index import accel
from index.bm25 import IndexFormatError
from index.build_process import build_in_child, corpus_is_large
from index.store import open_saved
from storage.collector import collections_paused, release_gradually, settle_long_lived_objects

log = logging.getLogger(__name__)
T = TypeVar("T")
# How long a large reload waits for the compiled kernels before serving without them (index/accel.py).
KERNELS_WAIT_SECONDS = 10.0


class StoryService:
    """Holds the serving engine and changes it safely."""

    def __init__(self, settings: Settings, engine: SearchEngine, load_errors: tuple[CorpusFileError, ...] = ()) -> None:
        self.settings = settings
        self._engine = engine
        self.load_errors = load_errors
        self._lock = asyncio.Lock()
        self._finder: SourceFinder | None = None  # for the serving engine; made again when it is swapped
        self._corpus: tuple[SearchEngine, Corpus] | None = None
        # Held by the worker thread for a whole change: a cancelled caller releases `_lock`, never this one.
        self._change_lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings, progress: ProgressCallback | None = None) -> StoryService:
        """Load the corpus and the saved index (or build it). Bad files and records are skipped (each logged) and
        kept in `load_errors`; an empty corpus is a warning naming the folder.

        Raises CorpusFolderError or StateDirectoryError (one line naming the folder) when the corpus folder cannot be
        read or the index cannot be saved; nothing saved before is changed then.
        """
        require_corpus_folder(settings.corpus_dir)
        prepare_state_directory(settings.state_dir)
        unchanged = open_unchanged_corpus(settings)
        if unchanged is not None:
            return cls(settings, unchanged[0], unchanged[1])
        loaded_corpus = load_corpus_folder(settings.corpus_dir, settings.max_file_bytes)
        log_start_up_problems(settings.corpus_dir, loaded_corpus.errors, len(loaded_corpus.articles))
        with writing_state(settings.state_dir, "the index"):
            engine = load_engine(
                loaded_corpus.articles, engine_settings(settings), settings.state_dir, progress, loaded_corpus
            )
        errors = loaded_corpus.errors
        del loaded_corpus  # the engine reads its articles from the saved text store
        settle_long_lived_objects()
        start_kernels(engine)
        return cls(settings, engine, errors)

    @property
    def engine(self) -> SearchEngine:
        """The engine serving right now."""
        return self._engine

    @property
    def corpus(self) -> Corpus:
        """The articles served right now (made once per serving engine)."""
        engine, made = self._engine, self._corpus
        if made is None or made[0] is not engine:
            made = self._corpus = (engine, Corpus(engine.articles))
        return made[1]

    def ask(self, question: Question, limit: int, offset: int = 0) -> SearchResult:
        """The answer to a member's question: `limit` passages from `offset` (CPU-bound; async callers use
        `ask_async`). Who-said questions rank passages quoting the words first, with their speakers."""
        return self._engine.search(question.text, limit, offset, quotes_first=question.who)

    async def ask_async(self, question: Question, limit: int, offset: int = 0) -> SearchResult:
        """`ask` off the event loop, so one slow question never delays another member."""
        engine = self._engine
        return await asyncio.to_thread(engine.search, question.text, limit, offset, quotes_first=question.who)

    def find_source(self, claim: Claim, limit: int) -> SourceFinding:
        """Where a message's claim comes from: at most `limit` passages holding its parts (quotations first, with
        their speakers), or the nearest passage when only close, or nothing (answers/sources.py). CPU-bound: async
        callers use `find_source_async`."""
        engine = self._engine
        finder = self._finder
        if finder is None or finder.engine is not engine:
            finder = self._finder = SourceFinder(engine)
        return finder.find(claim.parts, limit)

    async def find_source_async(self, claim: Claim, limit: int) -> SourceFinding:
        """`find_source` off the event loop."""
        return await asyncio.to_thread(self.find_source, claim, limit)

    def context(self, article_id: str, paragraph: int, text: str) -> PassageContext:
        """The paragraphs around paragraph `paragraph` of article `article_id`, shown earlier with `text`, in the
        story as it is now (bot/core/passage_context.py; raises PassageGone when it is no longer there)."""
        return paragraphs_around(self.corpus, article_id, paragraph, text)

    def find_articles(self, name: str) -> list[Article]:
        """Articles whose id or title match what a member typed, best first."""
        return self.corpus.find(name)

    async def reload(self, *, confirmed: frozenset[str] = frozenset()) -> ChangeReport:
        """Rescan the corpus directory and swap in the new index; refused (old index kept) if any file is bad.

        Raises NeedsConfirmation when it would remove several articles that are not all in `confirmed`.
        """
        return await self._serialized(self._rebuild, "This reload", confirmed, False)

    async def add_article(
        self, file_name: str, data: bytes, *, replace: bool = False, confirmed: frozenset[str] = frozenset()
    ) -> ChangeReport:
        """Validate an uploaded file, save it atomically in the corpus directory, then reindex.

        A replacement that would drop or change several articles raises NeedsConfirmation unless they are all in
        `confirmed`. Whatever fails, the corpus folder is left as it was.
        """
        return await self._serialized(self._add, file_name, data, replace, confirmed)

    async def remove_article(
        self, target: str, *, confirmed: frozenset[str] = frozenset()
    ) -> tuple[ChangeReport, Path]:
        """Remove one article (its id) or one file (its name), then reindex; returns where the old file is kept.

        Only that article goes: a multi-article file is rewritten without it (corpus/removal.py). A whole file of
        several articles raises NeedsConfirmation unless they are all in `confirmed`. Whatever fails, the corpus
        folder is left as it was.
        """
        return await self._serialized(self._remove, target, confirmed)

    def coordinate_changes(self, wrap: Callable[[asyncio.Lock], AbstractAsyncContextManager[None]]) -> None:
        """Run every later change under `wrap(this service's lock)`: a cluster's processes take turns and tell each
        other (bot/store/cluster.py)."""
        self._lock = wrap(self._lock)  # type: ignore[assignment]

    async def _serialized(self, work: Callable[..., T], *args: object) -> T:
        async with self._lock:
            return await asyncio.to_thread(self._in_change_lock, work, *args)

    def _in_change_lock(self, work: Callable[..., T], *args: object) -> T:
        with self._change_lock, collections_paused():
            return work(*args)

    def _add(self, file_name: str, data: bytes, replace: bool, confirmed: frozenset[str]) -> ChangeReport:
        settings = self.settings
        upload = plan_upload(settings.corpus_dir, file_name, data, settings.max_file_bytes, replace)
        name = upload.target.name
        before = {a.id: a.content_hash() for a in self.corpus.articles if a.file.name == name}
        after = {a.id: a.content_hash() for a in upload.articles}
        dropped = sorted(before.keys() - after.keys())
        changed = sorted(key for key in before.keys() & after.keys() if before[key] != after[key])
        what = f"Replacing `{name}`" if upload.replaces else f"Adding `{name}`"
        check_confirmed(what, dropped, changed, confirmed)
        try:
            old_bytes = current_bytes(upload.target) if upload.replaces else None
        except OSError as error:
            raise CorpusRefused(f"Nothing changed: `{name}` cannot be read ({error.strerror or error}).") from None
        report, _ = self._apply_and_rebuild(FileEdit(upload.target, old_bytes, data), what, confirmed, upload.replaces)
        return report

    def _remove(self, target: str, confirmed: frozenset[str]) -> tuple[ChangeReport, Path]:
        settings = self.settings
        try:
            plan = plan_removal(self.corpus, settings.corpus_dir, target, max_bytes=settings.max_file_bytes)
        except RemovalRefused as refused:
            raise CorpusRefused(str(refused)) from None
        what = f"Removing `{plan.file_name}`"
        check_confirmed(what, plan.removed, (), confirmed)
        report, applied = self._apply_and_rebuild(plan.edit, what, confirmed | set(plan.removed), False)
        assert applied.kept is not None, "a removal keeps the old file"
        return report, applied.kept

    def _apply_and_rebuild(
        self, edit: FileEdit, what: str, allowed: frozenset[str], count_changed: bool
    ) -> tuple[ChangeReport, AppliedEdit]:
        """Apply the edit, rebuild, and undo the edit if anything at all goes wrong before the new index serves."""
        name = edit.path.name
        try:
            applied = apply_edit(edit, self.settings.corpus_dir, self.settings.state_dir)
        except FileChangedOnDisk:
            raise CorpusRefused(f"Nothing changed: `{name}` changed on disk meanwhile; try again.") from None
        except EditFailed as failed:
            log.warning("%s: %s failed: %s", what, failed.step, failed.error)
            reason = failed.error.strerror or str(failed.error)
            raise CorpusRefused(f"Nothing changed: {failed.step} failed ({reason}).") from None
        try:
            return self._rebuild(what, allowed, count_changed), applied
        except BaseException as error:
            self._undo(applied, error)
            raise

    def _undo(self, applied: AppliedEdit, cause: BaseException) -> None:
        try:
            undo_edit(applied)
        except OSError as error:
            kept = applied.kept.name if applied.kept else "(none)"
            log.error("could not put %s back after %r: %s (its old version: %s)", applied.edit.path, cause, error, kept)
            reason = (
                (getattr(cause, "summary", None) or type(cause).__name__).removeprefix("Nothing changed: ").rstrip(".")
            )
            raise CorpusRefused(
                f"The change failed ({reason}) and `{applied.edit.path.name}` could not be put back "
                f"({error.strerror or error}): its previous version is kept in the state folder as `{kept}`. "
                "Move it back into the corpus folder, then reload."
            ) from cause

    def _rebuild(self, what: str, allowed: frozenset[str], count_changed: bool) -> ChangeReport:
        started = time.perf_counter()
        if corpus_is_large(self.settings.corpus_dir, self._engine.paragraph_count):
            report = self._rebuild_in_child(what, allowed, count_changed, started)
            if report is not None:
                return report
        try:
            loaded_corpus = load_corpus(self.settings.corpus_dir, max_bytes=self.settings.max_file_bytes)
        except CorpusFileError as error:  # the folder itself went away (an unmounted volume) or became unreadable
            raise CorpusRefused(f"Nothing changed: {error.message}.") from None
        parsed = list(loaded_corpus.articles)
        try:
            return self._swap_in(loaded_corpus, what, allowed, count_changed, started)
        except BaseException as error:
            # A refusal's traceback would keep every parsed article alive, to be freed at once on the event loop.
            traceback.clear_frames(error.__traceback__)
            raise
        finally:
            # The parsed articles: the new engine reads its own from the text store. Only `parsed` holds them now.
            del loaded_corpus
            release_gradually(parsed)

    def _rebuild_in_child(
        self, what: str, allowed: frozenset[str], count_changed: bool, started: float
    ) -> ChangeReport | None:
        """A large corpus read and built in a child process (index/build_process.py), so this process parses no
        file; then its saved generation opened as a start-up does. None when the child failed or the folder changed
        since it read it: the caller then reads and builds here."""
        settings, search = self.settings, engine_settings(self.settings)
        accel.start()  # a large index answers through the kernels: load them while the child works, not after
        outcome = build_in_child(settings.corpus_dir, settings.max_file_bytes, search.index, settings.state_dir)
        if outcome is None:
            return None
        if outcome.bad_files:
            raise CorpusRefused("The corpus has bad files, so nothing changed:", outcome.errors)
        serving = {article.id: article.content_hash() for article in self.corpus.articles}
        diff = diff_hashes(serving, outcome.hashes, self._engine.paragraph_count, outcome.paragraphs)
        check_confirmed(what, diff.removed, diff.changed if count_changed else (), allowed)
        try:  # the generation the child saved for exactly what it read (the folder record is its, too)
            paragraphs = open_saved(settings.state_dir, search.index, outcome.key, settings.corpus_dir, serving=True)
        except (IndexFormatError, OSError) as error:
            log.info("%s: the index built in a child cannot be served (%s); reading the folder here", what, error)
            return None
        engine = SearchEngine(paragraphs, search)
        accel.wait(KERNELS_WAIT_SECONDS)  # serve the new index through them from its first answer (normally ready)
        answer_once(engine)
        return self._serve(engine, diff, started)

    def _swap_in(
        self, loaded_corpus: CorpusLoad, what: str, allowed: frozenset[str], count_changed: bool, started: float
    ) -> ChangeReport:
        if loaded_corpus.errors:
            raise CorpusRefused("The corpus has bad files, so nothing changed:", loaded_corpus.errors)
        diff = diff_corpora(self.corpus, loaded_corpus.corpus)
        check_confirmed(what, diff.removed, diff.changed if count_changed else (), allowed)
        settings, state_dir = engine_settings(self.settings), self.settings.state_dir
        try:
            engine = load_engine(loaded_corpus.articles, settings, state_dir, loaded_corpus=loaded_corpus)
        except OSError as error:
            log.warning("%s: the index could not be saved in %s: %s", what, state_dir, error)
            reason = error.strerror or str(error)
            message = f"Nothing changed: the new index could not be saved in the state folder ({reason})."
            raise StateWriteFailed(message) from error
        return self._serve(engine, diff, started)

    def _serve(self, engine: SearchEngine, diff: CorpusDiff, started: float) -> ChangeReport:
        """Swap the new engine in (one assignment) and say what changed."""
        self._engine = engine
        self._finder = self._corpus = None  # made for the old engine: they would keep it alive
        self.load_errors = ()
        summary = diff.summary()
        log.info("corpus reloaded: %s", summary)
        return ChangeReport(summary, time.perf_counter() - started, len(engine.articles), engine.paragraph_count)
