"""The compiled query kernels (index/kernels.py), loaded in a background thread so that nothing waits for numba.

Importing numba and loading the kernels from its on-disk cache takes about 0.3 s of CPU and 110 MB of resident
memory; compiling them (the first run after an install or a change, or where the cache cannot be written) takes
several seconds. Until they are ready, and for indexes too small to need them, queries are answered exactly in
numpy (index/topk.py): slower at scale, identical results.
"""

from __future__ import annotations

import logging
import os
import threading
from types import SimpleNamespace

log = logging.getLogger(__name__)

# Below this many documents the numpy path answers in well under a millisecond: numba is never loaded for them.
MIN_DOCUMENTS = 2_000
DISABLE_VARIABLE = "STORYBOT_NO_KERNELS"  # set (to anything) to answer every query in numpy

_lock = threading.Lock()
_ready = threading.Event()
_started = False
_kernels: SimpleNamespace | None = None


def kernels() -> SimpleNamespace | None:
    """The loaded kernels (`top_k`, `exact_scores`, `find_term`), or None while they load or when they cannot."""
    return _kernels


def start() -> None:
    """Start loading the kernels in a daemon thread, once per process; returns at once."""
    global _started
    if _started:  # the common case, without the lock
        return
    with _lock:
        if _started:
            return
        _started = True
    if os.environ.get(DISABLE_VARIABLE):
        log.info("compiled query kernels disabled by %s", DISABLE_VARIABLE)
        _ready.set()
        return
    threading.Thread(target=_load, name="storybot-kernels", daemon=True).start()


def wait(timeout: float | None = None) -> bool:
    """Start loading if needed and wait up to `timeout` seconds (None: for good); whether the kernels are ready."""
    start()
    _ready.wait(timeout)
    return _kernels is not None


def _load() -> None:
    global _kernels
    try:
        from index import kernels
        from index.topk import warm_up

        loaded = SimpleNamespace(top_k=kernels.top_k, exact_scores=kernels.exact_scores, find_term=kernels.find_term)
        warm_up(loaded)  # compiles, or loads from the cache, every signature the queries use
        _kernels = loaded
    except Exception:  # numba missing or failing: numpy answers every query, exactly, only slower
        log.warning("the compiled query kernels are unavailable; answering in numpy", exc_info=True)
    finally:
        _ready.set()
