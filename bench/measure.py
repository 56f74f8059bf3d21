"""The child side of bench_engines.py: one engine, one phase, in a fresh process, its figures written as JSON.

Each phase runs in its own process so that one engine's peak memory never mixes with another's, and a load is
measured in a process that has never seen the index. Linux only (/proc for resident and peak memory).
"""

from __future__ import annotations

import gc
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.engines import ENGINES, Engine
from bench.synthetic import Corpus

MB = 2**20


def rss_mb() -> float:
    """The process's resident set size now, in MB."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB


def reset_peak() -> None:
    """Restart the peak resident size (VmHWM) from the current size (Linux ≥ 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_mb() -> float:
    """The process's peak resident set size since the last reset, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def evict(directory: Path) -> None:
    """Drop this directory's files from the page cache (only these files), so the next load reads the disk."""
    for path in directory.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)  # dirty pages cannot be dropped
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def disk_mb(directory: Path) -> float:
    """The size of every file under `directory`, in MB."""
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file()) / MB


def run_queries(
    engine: Engine, handle: Any, queries: list[list[str]], limit: int, seconds: float
) -> tuple[list[float], list[list[tuple[int, float]]], float]:
    """Latencies (ms) and hits of up to `limit` queries, stopping after `seconds`; and the first query's time.

    The first query is a warm-up (JIT compilation, first page faults) and is reported on its own.
    """
    start = time.perf_counter()
    engine.search(handle, queries[0])
    first_ms = (time.perf_counter() - start) * 1000
    times: list[float] = []
    hits: list[list[tuple[int, float]]] = []
    deadline = time.perf_counter() + seconds
    for query in queries[:limit]:
        start = time.perf_counter()
        found = engine.search(handle, query)
        end = time.perf_counter()
        times.append((end - start) * 1000)
        hits.append(found)
        if end > deadline:
            break
    return times, hits, first_ms


def latency_figures(times: list[float]) -> dict[str, float]:
    """p50, p99 (ms) and sequential throughput (queries/s) of the measured queries."""
    array = np.array(times)
    return {
        "p50_ms": float(np.percentile(array, 50)),
        "p99_ms": float(np.percentile(array, 99)),
        "qps": float(len(array) / (array.sum() / 1000)),
        "queries": len(array),
    }


def phase_build(engine: Engine, source: list[Any], directory: Path) -> dict[str, Any]:
    """Build (and save) the engine's index from its input (word lists or texts).

    Returns the build time, the peak memory above the input already in memory and the size on disk.
    """
    os.environ["BENCH_ENGINE_DIR"] = str(directory)
    gc.collect()
    before = rss_mb()
    reset_peak()
    start = time.perf_counter()
    handle = engine.build(source)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    if engine.save is not None:
        directory.mkdir(parents=True, exist_ok=True)
        engine.save(handle, directory)
    save_s = time.perf_counter() - start
    peak = peak_mb() - before
    return {"build_s": build_s, "save_s": save_s, "build_peak_mb": peak, "disk_mb": disk_mb(directory)}


def phase_query(
    engine: Engine, queries: list[list[str]], directory: Path, limit: int, seconds: float
) -> dict[str, Any]:
    """Load the saved index cold (evicted from the page cache), then warm and memory-mapped, then query it."""
    assert engine.load is not None
    evict(directory)
    gc.collect()
    start = time.perf_counter()
    handle = engine.load(directory, False)
    cold_ms = (time.perf_counter() - start) * 1000
    del handle
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    handle = engine.load(directory, engine.mmap)
    warm_ms = (time.perf_counter() - start) * 1000
    loaded_rss = rss_mb() - before
    times, hits, first_ms = run_queries(engine, handle, queries, limit, seconds)
    return {
        "load_cold_ms": cold_ms,
        "load_mmap_ms": warm_ms,
        "rss_after_load_mb": loaded_rss,
        "rss_after_queries_mb": rss_mb() - before,
        "first_query_ms": first_ms,
        **latency_figures(times),
        "hits": hits,
    }


def phase_all(
    engine: Engine, source: list[Any], queries: list[list[str]], limit: int, seconds: float
) -> dict[str, Any]:
    """Build in memory and query, for an engine without a safe save (rank-bm25)."""
    gc.collect()
    before = rss_mb()
    reset_peak()
    start = time.perf_counter()
    handle = engine.build(source)
    build_s = time.perf_counter() - start
    peak = peak_mb() - before
    held = rss_mb() - before
    times, hits, first_ms = run_queries(engine, handle, queries, limit, seconds)
    return {
        "build_s": build_s,
        "build_peak_mb": peak,
        "rss_after_load_mb": held,
        "rss_after_queries_mb": rss_mb() - before,
        "first_query_ms": first_ms,
        **latency_figures(times),
        "hits": hits,
    }


def run_child(name: str, phase: str, corpus_file: Path, directory: Path, limit: int, seconds: float) -> dict[str, Any]:
    """One phase of one engine; the result is JSON-able."""
    engine = ENGINES[name]
    corpus = Corpus.load(corpus_file)
    queries = corpus.queries()
    if phase == "query":
        del corpus
        return phase_query(engine, queries, directory, limit, seconds)
    source = corpus.docs() if engine.inputs == "tokens" else corpus.texts()  # made before the clock starts
    del corpus
    if phase == "build":
        return phase_build(engine, source, directory)
    return phase_all(engine, source, queries, limit, seconds)


def child_main(
    name: str, phase: str, corpus_file: Path, directory: Path, limit: int, seconds: float, out: Path
) -> None:
    """Entry point of a child process: measure and write the JSON result."""
    result = run_child(name, phase, corpus_file, directory, limit, seconds)
    out.write_text(json.dumps(result))
