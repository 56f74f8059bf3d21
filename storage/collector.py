"""Python's cyclic garbage collector around big loads: paused while a corpus loads, then its objects settled.

Loading a corpus makes millions of long-lived objects and next to no cyclic garbage. Left alone, the collector walks
the growing heap again and again (as long as the loading itself), and later every full collection walks it all while
holding the interpreter lock, which stalls the bot's event loop.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while loading.

    Loading creates millions of long-lived objects (a model per paragraph) and next to no cyclic garbage; the collector
    would otherwise walk the growing heap again and again, which took as long as the loading itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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


def release_gradually(items: list[Any], batch: int = 100) -> None:
    """Let go of a big list's items (a parsed corpus's articles) `batch` at a time, giving the interpreter lock away
    between batches: freeing a million paragraphs in one go holds it for a tenth of a second or more, a stall of the
    event loop when it happens in a worker thread. The list is empty afterwards."""
    while items:
        del items[-batch:]
        time.sleep(0)
