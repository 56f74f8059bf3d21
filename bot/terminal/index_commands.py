"""`python -m bot index build|info`: build the saved index with a progress bar, or describe what is saved."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from bot.core.engine_opening import engine_settings, prepare_state_directory
from bot.core.operations import StateDirectoryError, load_corpus_folder, writing_state
from bot.core.settings import Settings
from index.bm25 import CompiledIndex, IndexFormatError
from index.paragraphs import ProgressCallback
from index.store import index_directory, index_key, load_or_build

log = logging.getLogger(__name__)

# Below this many paragraphs a build takes a blink; a bar would only flicker.
PROGRESS_THRESHOLD = 20_000


@contextlib.contextmanager
def progress_bar() -> Iterator[ProgressCallback]:
    """A progress callback that draws a bar on a terminal (stderr) for large corpora, and does nothing otherwise."""
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    with Progress(
        TextColumn("indexing paragraphs"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),  # stdout stays the answer's, even when piped
        transient=True,
    ) as progress:
        task = progress.add_task("index", total=None)

        def update(done: int, total: int) -> None:
            if total >= PROGRESS_THRESHOLD:
                progress.update(task, completed=done, total=total)

        yield update


def build_index(settings: Settings, force: bool) -> int:
    """Build (or confirm) the saved index for the corpus; print what was done.

    Raises CorpusFolderError or StateDirectoryError for an unreadable corpus folder or a state folder that cannot
    be written (read-only, full): the index saved before stays as it was.
    """
    loaded_corpus = load_corpus_folder(settings.corpus_dir, settings.max_file_bytes)
    for error in loaded_corpus.errors:
        print(f"skipped: {error}", file=sys.stderr)
    prepare_state_directory(settings.state_dir)
    started = time.perf_counter()
    with progress_bar() as progress, writing_state(settings.state_dir, "the index"):
        loaded = load_or_build(
            loaded_corpus.articles,
            engine_settings(settings).index,
            settings.state_dir,
            progress,
            force=force,
            folder=loaded_corpus.folder,
            errors=loaded_corpus.errors,
        )
    seconds = time.perf_counter() - started
    verb = "built" if loaded.built else "up to date, loaded"
    print(
        f"index {verb} in {seconds:.2f} s: {len(loaded.paragraphs.articles)} articles, "
        f"{loaded.paragraphs.paragraph_count} paragraphs, {loaded.paragraphs.index.term_count} terms "
        f"-> {index_directory(settings.state_dir)}"
    )
    return 1 if loaded_corpus.errors else 0


def describe_index(settings: Settings) -> int:
    """Print the corpus and whether the saved index matches it."""
    loaded_corpus = load_corpus_folder(settings.corpus_dir, settings.max_file_bytes)
    if settings.state_dir.exists() and not settings.state_dir.is_dir():
        raise StateDirectoryError(f"the state directory {settings.state_dir} is a file, not a folder: move it aside")
    paragraphs = sum(len(article.paragraphs) for article in loaded_corpus.articles)
    print(f"corpus: {settings.corpus_dir} ({len(loaded_corpus.articles)} articles, {paragraphs} paragraphs)")
    for error in loaded_corpus.errors:
        print(f"  bad file: {error}")
    directory = index_directory(settings.state_dir)
    key = index_key(loaded_corpus.articles, engine_settings(settings).index)
    try:
        index = CompiledIndex.load(directory, expected_key=key)
    except IndexFormatError as error:
        print(f"saved index: {directory}: not usable ({error}); `index build` or starting the bot rebuilds it")
        return 1
    try:
        size = sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())
    except OSError as error:  # the folder changed while it was measured: describe what could be read
        log.debug("cannot measure %s: %s", directory, error)
        size = 0
    print(
        f"saved index: {directory} (matches the corpus): {index.doc_count} paragraphs, {index.term_count} terms, "
        f"{index.posting_count} postings, {size:,} bytes on disk; key {key[:12]}"
    )
    print(f"settings: {settings.search.variant} k1={settings.search.k1} b={settings.search.b}")
    return 0
