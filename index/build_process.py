"""Index builds in a child process, so a big build never holds the serving process's GIL.

Tokenizing and compiling a large corpus runs long C loops (numpy's `fromiter` over every token, full garbage
collections over millions of lists) that hold the interpreter lock for hundreds of milliseconds: in a thread of the
bot, that stalls its event loop and every member's answer (measured: 760 ms at 100,000 paragraphs). A child process
(`python -m index.build_process`, its arguments pickled on stdin) builds and saves the index; the parent then
memory-maps the saved result, which is quick.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
from pathlib import Path

from corpus import load_corpus
from index.paragraphs import IndexSettings
from index.store import load_or_build

log = logging.getLogger(__name__)

# Below this many paragraphs a build takes well under a second: starting a child would cost more than it saves.
CHILD_BUILD_MIN_PARAGRAPHS = 20_000
CHILD_BUILD_TIMEOUT_SECONDS = 3_600
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def build_and_save(corpus_dir: Path, max_bytes: int, settings: IndexSettings, state_dir: Path) -> None:
    """Load the corpus, then build and save its index unless the saved one already matches it."""
    loaded = load_corpus(corpus_dir, max_bytes=max_bytes)
    if not loaded.errors:  # a corpus with bad files is refused by the parent itself, with the errors
        load_or_build(loaded.articles, settings, state_dir, folder=loaded.folder, errors=loaded.errors)


def build_in_child(corpus_dir: Path, max_bytes: int, settings: IndexSettings, state_dir: Path) -> bool:
    """Build and save the corpus's index in a child process and wait for it (call it off the event loop).

    Returns whether the child succeeded. If it did not, the caller's own `load_or_build` builds in-process:
    slower for the event loop, never wrong, since the saved index is only trusted when its key matches.
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
        return False
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        log.warning("the index build in a child process failed (%s); building in this process", reason[0])
        return False
    return True


if __name__ == "__main__":
    build_and_save(*pickle.loads(sys.stdin.buffer.read()))
