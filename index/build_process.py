"""Index builds in a child process, so a big build never holds the serving process's GIL.

Reading and parsing a large corpus, tokenizing and compiling it run long loops in the interpreter and in C (numpy's
`fromiter` over every token, full garbage collections over millions of lists) that hold the interpreter lock: in a
thread of the bot, that stalls its event loop and every member's answer (measured: 760 ms at 100,000 paragraphs for
the build; the parse alone, 74 ms stalls at 1,000,000). A child process (`python -m index.build_process`, its
arguments pickled on stdin) reads the folder, builds and saves the index, and hands back only what the parent needs
for its reply: the bad files, each article's content hash and the paragraph count (`BuildOutcome`, pickled on
stdout). The parent then opens the saved generation as a start-up does, without parsing a file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from corpus import CorpusFileError, load_corpus
from index.paragraphs import IndexSettings
from index.store import index_key, load_or_build

log = logging.getLogger(__name__)

# Below this many paragraphs a build takes well under a second: starting a child would cost more than it saves.
CHILD_BUILD_MIN_PARAGRAPHS = 20_000
# A corpus folder this large holds about that many paragraphs (news paragraphs are some 200 to 600 bytes).
CHILD_BUILD_MIN_BYTES = 8_000_000
CHILD_BUILD_TIMEOUT_SECONDS = 3_600
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BuildOutcome:
    """What the child read: the bad files (nothing was built then), each article's content hash by id, the number
    of paragraphs, and the key of the index it saved (`index_key`). Errors travel as (path, message, line): an
    exception with its own arguments does not survive pickling."""

    bad_files: tuple[tuple[str, str, int | None], ...]
    hashes: dict[str, str]
    paragraphs: int
    key: str

    @property
    def errors(self) -> tuple[CorpusFileError, ...]:
        """The bad files as the loader reports them."""
        return tuple(CorpusFileError(path, message, line) for path, message, line in self.bad_files)


def build_and_save(corpus_dir: Path, max_bytes: int, settings: IndexSettings, state_dir: Path) -> BuildOutcome:
    """Load the corpus, then build and save its index (and record the folder) unless the saved one already matches
    it; a corpus with bad files is not built, its errors are returned for the parent's refusal."""
    loaded = load_corpus(corpus_dir, max_bytes=max_bytes)
    if not loaded.errors:
        load_or_build(loaded.articles, settings, state_dir, folder=loaded.folder, errors=loaded.errors)
    return BuildOutcome(
        bad_files=tuple((str(error.path), error.message, error.line) for error in loaded.errors),
        hashes={article.id: article.content_hash() for article in loaded.articles},
        paragraphs=sum(len(article.paragraphs) for article in loaded.articles),
        key=index_key(loaded.articles, settings),
    )


def corpus_is_large(corpus_dir: Path, paragraphs_now: int) -> bool:
    """Whether a change of this corpus should be read and built in a child: it serves many paragraphs now, or its
    folder has grown past the size of that many (stat calls only, no file is read)."""
    if paragraphs_now >= CHILD_BUILD_MIN_PARAGRAPHS:
        return True
    total = 0
    try:
        with os.scandir(corpus_dir) as entries:
            for entry in entries:
                if entry.is_file():
                    total += entry.stat().st_size
                    if total >= CHILD_BUILD_MIN_BYTES:
                        return True
    except OSError:
        return False  # the in-process path reports the unreadable folder
    return False


def build_in_child(corpus_dir: Path, max_bytes: int, settings: IndexSettings, state_dir: Path) -> BuildOutcome | None:
    """Read the corpus folder, then build and save its index, in a child process; wait for it (call it off the
    event loop) and return what it read.

    Returns None when the child failed: the caller then reads and builds in-process, slower for the event loop but
    never wrong, since a saved index is only trusted when its key matches.
    """
    arguments = pickle.dumps((corpus_dir, max_bytes, settings, state_dir))
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")])}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "index.build_process"],
            input=arguments,
            capture_output=True,
            env=environment,
            timeout=CHILD_BUILD_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        log.warning("the index build in a child process failed (%s); building in this process", error)
        return None
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        log.warning("the index build in a child process failed (%s); building in this process", reason[0])
        return None
    try:
        outcome = pickle.loads(done.stdout)  # our own child's output, never a member's
    except Exception as error:  # any malformed output means: build here instead
        log.warning("the index build in a child process gave no result (%r); building in this process", error)
        return None
    return outcome if isinstance(outcome, BuildOutcome) else None


BUILD_NICENESS = 10  # the build yields the CPU to the serving process (its members' answers) when both want it

if __name__ == "__main__":
    from index import build_process  # by its importable name, so the outcome unpickles in the parent

    with contextlib.suppress(OSError):
        os.nice(BUILD_NICENESS)

    result = build_process.build_and_save(*pickle.loads(sys.stdin.buffer.read()))
    sys.stdout.buffer.write(pickle.dumps(result))
