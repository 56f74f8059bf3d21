"""The compiled query kernels (index/kernels.py), loaded in a background thread so that nothing waits for numba.

Importing numba and loading the kernels from its on-disk cache takes about 0.3 s of CPU and 110 MB of resident
memory; compiling them (the first run after an install or a change, or where the cache cannot be written) takes
several seconds (`make setup` and the Docker image do it once). Until they are ready, and for indexes too small to
need them, queries are answered exactly in numpy (index/bm25.py): slower at scale, identical results.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path
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


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            return True
    except OSError:
        return False


def _choose_cache() -> None:
    """numba refuses to compile a cached function when it has nowhere to write its cache (beside the source, or in
    the user's cache folder): then, unless NUMBA_CACHE_DIR says where, use a folder in the temporary directory."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    try:
        home = Path.home()
    except (RuntimeError, KeyError):  # no home folder for this user
        home = None
    if _writable(Path(__file__).parent / "__pycache__") or (home and _writable(home / ".cache" / "numba")):
        return
    user = os.getuid() if hasattr(os, "getuid") else 0
    os.environ["NUMBA_CACHE_DIR"] = str(Path(tempfile.gettempdir()) / f"storybot-numba-{user}")


def _load() -> None:
    global _kernels
    try:
        _choose_cache()
        from index import kernels
        from index.topk import warm_up

        loaded = SimpleNamespace(top_k=kernels.top_k, exact_scores=kernels.exact_scores, find_term=kernels.find_term)
        warm_up(loaded)  # compiles, or loads from the cache, every signature the queries use
        _kernels = loaded
    except Exception:  # numba missing or failing: numpy answers every query, exactly, only slower
        log.warning("the compiled query kernels are unavailable; answering in numpy", exc_info=True)
    finally:
        _ready.set()
