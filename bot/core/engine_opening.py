"""Opening the serving engine: the state folder checked, the saved index opened when the corpus folder is unchanged,
or loaded (and built) from the articles, and the compiled kernels started when the index will use them."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

from answers.engine import EngineSettings, ProgressCallback, SearchEngine
from bot.core.operations import StateDirectoryError, os_reason
from bot.core.settings import Settings
from corpus import CorpusFileError, CorpusLoad
from corpus.models import Article
from index import accel
from index.bm25 import IndexFormatError
from index.store import load_or_build, open_unchanged

log = logging.getLogger(__name__)


def prepare_state_directory(state_dir: Path) -> None:
    """Create the state directory when missing and check that a file can be written, synced and removed in it.

    Raises StateDirectoryError naming the folder and the reason (not a folder, read-only, full, no permission).
    """
    probe = state_dir / f".write-test-{os.getpid()}"
    if state_dir.exists() and not state_dir.is_dir():
        raise StateDirectoryError(
            f"the state directory {state_dir} cannot be created or written: it is a file, not a folder"
        )
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(descriptor, b"storybot write test\n")
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
            with contextlib.suppress(OSError):
                probe.unlink()
    except OSError as error:
        raise StateDirectoryError(
            f"the state directory {state_dir} cannot be created or written: {os_reason(error)}"
        ) from None


def load_engine(
    articles: Sequence[Article],
    settings: EngineSettings,
    state_dir: Path,
    progress: ProgressCallback | None = None,
    loaded_corpus: CorpusLoad | None = None,
) -> SearchEngine:
    """The saved index when it matches the articles, else a new one built and saved; answering by `settings`.
    With the `loaded_corpus` the articles come from, its folder is recorded for the next start-up."""
    folder, errors = (loaded_corpus.folder, loaded_corpus.errors) if loaded_corpus else (None, ())
    loaded = load_or_build(articles, settings.index, state_dir, progress, folder=folder, errors=errors)
    paragraphs = loaded.paragraphs
    verb = "built" if loaded.built else "loaded"
    log.info(
        "%s the index: %d articles, %d paragraphs (%s)", verb, len(articles), paragraphs.paragraph_count, loaded.reason
    )
    return SearchEngine(paragraphs, settings)


def engine_settings(settings: Settings) -> EngineSettings:
    """The index settings selected by the bot's settings."""
    return settings.search.engine_settings()


def log_start_up_problems(corpus_dir: Path, errors: Sequence[CorpusFileError], articles: int) -> None:
    """Log each bad file or record skipped at start-up, how many (a reload is refused until they are fixed), and an
    empty corpus, as WARNINGs naming the folder."""
    for error in errors:
        log.warning("skipped %s", error)
    if errors:
        log.warning(
            "%d bad files or records skipped in %s; a reload is refused until they are fixed", len(errors), corpus_dir
        )
    if not articles:
        log.warning("the corpus folder %s holds no articles: every question will be told so", corpus_dir)


def open_unchanged_corpus(settings: Settings) -> tuple[SearchEngine, tuple[CorpusFileError, ...]] | None:
    """The saved index and text store when the corpus folder is exactly as last loaded (index/store.py
    `open_unchanged`), with the bad files it had (each logged again); None, with the reason logged, otherwise."""
    started = time.perf_counter()
    search = engine_settings(settings)
    try:
        unchanged = open_unchanged(settings.corpus_dir, settings.state_dir, search.index, settings.max_file_bytes)
    except IndexFormatError as error:
        log.info("loading the corpus folder: %s", error)
        return None
    engine = SearchEngine(unchanged.paragraphs, search)
    log_start_up_problems(settings.corpus_dir, unchanged.errors, len(engine.articles))
    log.info(
        "the corpus folder is unchanged: served the saved index and text (%d articles, %d paragraphs) in %.2f s",
        len(engine.articles),
        engine.paragraph_count,
        time.perf_counter() - started,
    )
    start_kernels(engine)
    return engine, unchanged.errors


def answer_once(engine: SearchEngine) -> None:
    """Answer one question (the first article's title) on a new engine before it serves, so that its first-query
    work (each paragraph's length factor over the whole index, the kernels' scratch space) is done here, in the
    reload's thread, and not on a member's question while the event loop waits for the interpreter lock."""
    if len(engine.articles):
        engine.search(engine.articles[0].title, 1)


def start_kernels(engine: SearchEngine) -> None:
    """Start loading the compiled query kernels in the background when this index will use them, so that the first
    question does not wait for them (index/accel.py)."""
    if engine.paragraph_count >= accel.MIN_DOCUMENTS:
        accel.start()
