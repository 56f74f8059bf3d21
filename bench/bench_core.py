"""Benchmark of the BM25 core: CompiledIndex against rank_bm25.BM25Okapi on a synthetic corpus (run by hand).

    .venv/bin/python bench/bench_core.py [--paragraphs 100000] [--queries 1000] [--baseline-queries 100]

The corpus is deterministic (seeded): a Zipf-distributed vocabulary of ~50,000 made-up words, 40–120 words a
paragraph; queries are 2–5 words from the same distribution. rank-bm25 scans every paragraph for every query
word, so it only answers the first `--baseline-queries` queries. Nothing here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import gc
import mmap
import resource
import shutil
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from index.bm25 import BM25Params, CompiledIndex
from index.postings_io import current_generation

LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def make_vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    """`size` distinct made-up words of 2–12 letters."""
    words: dict[str, None] = {}
    while len(words) < size:
        lengths = rng.integers(2, 13, size=size)
        letters = rng.choice(LETTERS, size=(size, 12))
        for row, length in zip(letters, lengths, strict=True):
            words["".join(row[:length])] = None
    return list(words)[:size]


def zipf_sampler(size: int, rng: np.random.Generator, exponent: float = 1.0) -> Callable[[int], np.ndarray]:
    """A function drawing word ranks with probability ∝ 1 / rank**exponent."""
    cumulative = np.cumsum(1.0 / np.arange(1, size + 1) ** exponent)
    cumulative /= cumulative[-1]
    return lambda count: np.minimum(np.searchsorted(cumulative, rng.random(count)), size - 1)


def make_corpus(
    paragraphs: int, queries: int, vocabulary: int, seed: int
) -> tuple[list[list[str]], list[list[str]], int]:
    """Tokenized paragraphs, tokenized queries, and the number of tokens."""
    rng = np.random.default_rng(seed)
    words = np.array(make_vocabulary(vocabulary, rng), dtype=object)
    draw = zipf_sampler(vocabulary, rng)
    lengths = rng.integers(40, 121, size=paragraphs)
    flat = words[draw(int(lengths.sum()))].tolist()
    ends = np.cumsum(lengths).tolist()
    docs = [flat[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]
    query_lengths = rng.integers(2, 6, size=queries)
    query_words = words[draw(int(query_lengths.sum()))].tolist()
    query_ends = np.cumsum(query_lengths).tolist()
    query_list = [query_words[s:e] for s, e in zip([0, *query_ends[:-1]], query_ends, strict=True)]
    return docs, query_list, int(lengths.sum())


def file_crc32(path: Path) -> int:
    """crc32 of a file read through a memory map, as the loader verifies it."""
    with open(path, "rb") as handle:
        if path.stat().st_size == 0:
            return 0
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return zlib.crc32(mapped)


def python_size(model: Any) -> int:
    """Bytes of rank-bm25's own containers: per-document dicts, lengths, idf (the words are shared with the corpus)."""
    size = sum(map(sys.getsizeof, model.doc_freqs)) + sys.getsizeof(model.doc_freqs)
    return size + sys.getsizeof(model.doc_len) + sys.getsizeof(model.idf) + 32 * len(model.idf)  # + idf floats


def rss_mb() -> float:
    """The process's current resident set size in MB (Linux /proc; 0 elsewhere)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return 0.0


def peak_rss_mb() -> float:
    """The process's peak resident set size so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    """The function's result and its wall time in seconds."""
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def latencies(function: Callable[[list[str]], Any], queries: Sequence[list[str]]) -> tuple[list[Any], np.ndarray]:
    """Each query's result and latency in milliseconds."""
    results, times = [], []
    for query in queries:
        result, seconds = timed(lambda query=query: function(query))
        results.append(result)
        times.append(seconds * 1000)
    return results, np.array(times)


def agreement(ours: list[tuple[int, float]], baseline: Any, query: list[str], their_docs: list[int]) -> str:
    """'same' when the top 10 are identical, 'ties' when only the order of equal scores differs, else 'differ'."""
    their_scores = baseline.get_batch_scores(query, their_docs)
    kept = [(doc, score) for doc, score in zip(their_docs, their_scores, strict=True) if score > 0]
    if [doc for doc, _ in ours] == [doc for doc, _ in kept]:
        return "same"
    same_scores = len(ours) == len(kept) and np.allclose([s for _, s in ours], [s for _, s in kept], rtol=0, atol=1e-6)
    return "ties" if same_scores else "differ"


def row(name: str, ours: float, theirs: float | None, unit: str) -> str:
    """One table line: our figure, rank-bm25's and their ratio."""
    their_text = f"{theirs:>14,.2f}" if theirs is not None else f"{'n/a':>14}"
    ratio = f"{theirs / ours:>10,.1f}x" if theirs is not None and ours > 0 else f"{'':>11}"
    return f"{name:<28}{ours:>14,.2f}{their_text}{ratio}  {unit}"


def main(argv: Sequence[str] | None = None) -> None:
    """Generate the corpus, measure both implementations and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--baseline-queries", type=int, default=100, help="queries also run through rank-bm25")
    parser.add_argument("--vocabulary", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=20240607)
    parser.add_argument("--skip-baseline", action="store_true", help="do not build rank-bm25 at all")
    args = parser.parse_args(argv)

    (docs, queries, tokens), seconds = timed(
        lambda: make_corpus(args.paragraphs, args.queries, args.vocabulary, args.seed)
    )
    print(f"corpus: {len(docs):,} paragraphs, {tokens:,} tokens, generated in {seconds:.1f} s; RSS {rss_mb():,.0f} MB")
    before = rss_mb()
    index, build_ours = timed(lambda: CompiledIndex.build(docs, BM25Params()))
    held_ours = index.nbytes / 1e6
    print(
        f"CompiledIndex: {index.term_count:,} terms, {index.posting_count:,} postings, {held_ours:,.1f} MB of arrays "
        f"(RSS grew {rss_mb() - before:,.0f} MB), built in {build_ours:.2f} s; peak RSS so far {peak_rss_mb():,.0f} MB"
    )
    our_results, our_ms = latencies(lambda query: index.top_k(query, 10), queries)
    print(f"CompiledIndex: {len(queries):,} queries, top 10, in {our_ms.sum() / 1000:.2f} s")

    state = Path(tempfile.mkdtemp(prefix="bench-core-"))
    try:
        _, save_seconds = timed(lambda: index.save(state, "bench"))
        generation = current_generation(state)
        disk = sum(path.stat().st_size for path in generation.iterdir())
        crc_seconds = timed(lambda: [file_crc32(path) for path in generation.glob("*.npy")])[1]
        loaded, load_seconds = timed(lambda: CompiledIndex.load(state, expected_key="bench"))
        first, first_seconds = timed(lambda: loaded.top_k(queries[0], 10))
        assert first == our_results[0], "the loaded index answers differently"
        print(
            f"saved in {save_seconds:.2f} s: {disk / 1e6:,.1f} MB on disk; load (memory-mapped, crc32-verified) "
            f"{load_seconds * 1000:.0f} ms; reading + crc32 of every file alone: {crc_seconds * 1000:.0f} ms; "
            f"first query after load {first_seconds * 1000:.1f} ms"
        )
    finally:
        shutil.rmtree(state, ignore_errors=True)

    baseline_queries = queries[: args.baseline_queries]
    build_theirs = p50_theirs = p99_theirs = held_theirs = None
    verdicts: list[str] = []
    if not args.skip_baseline and baseline_queries:
        from rank_bm25 import BM25Okapi

        gc.collect()
        before = rss_mb()
        baseline, build_theirs = timed(lambda: BM25Okapi(docs))
        held_theirs = python_size(baseline) / 1e6
        print(
            f"rank-bm25 BM25Okapi built in {build_theirs:.2f} s; its dicts and lists take {held_theirs:,.0f} MB "
            f"(RSS grew {rss_mb() - before:,.0f} MB); "
            f"peak RSS so far {peak_rss_mb():,.0f} MB"
        )
        numbers = list(range(len(docs)))  # get_top_n returns these "documents": the paragraph numbers
        their_results, their_ms = latencies(lambda query: baseline.get_top_n(query, numbers, n=10), baseline_queries)
        p50_theirs, p99_theirs = float(np.percentile(their_ms, 50)), float(np.percentile(their_ms, 99))
        verdicts = [
            agreement(ours, baseline, query, theirs)
            for ours, query, theirs in zip(our_results, baseline_queries, their_results, strict=False)
        ]

    p50, p99 = float(np.percentile(our_ms, 50)), float(np.percentile(our_ms, 99))
    print()
    print(f"{'':<28}{'CompiledIndex':>14}{'rank-bm25':>14}{'ratio':>11}  (ratio = rank-bm25 / ours)")
    print(row("build", build_ours, build_theirs, "s"))
    print(row("query p50 (top 10)", p50, p50_theirs, "ms"))
    print(row("query p99 (top 10)", p99, p99_theirs, "ms"))
    measured = f"{len(baseline_queries):,}" if verdicts else "none"
    print(f"{'queries measured':<28}{len(queries):>14,}{measured:>14}  (rank-bm25 only a subset: it is slow)")
    print(row("index size in memory", held_ours, held_theirs, "MB (arrays / Python dicts and lists)"))
    print(row("saved size", disk / 1e6, None, "MB (rank-bm25 cannot save without pickle)"))
    print(row("load, memory-mapped", load_seconds * 1000, None, "ms (crc32-verified, warm page cache)"))
    if verdicts:
        counts = {verdict: verdicts.count(verdict) for verdict in ("same", "ties", "differ")}
        print(
            f"top-10 agreement with rank-bm25 on {len(verdicts)} queries: {counts['same']} identical, "
            f"{counts['ties']} identical up to the order of tied scores, {counts['differ']} different"
        )
    print(f"peak RSS of the whole run: {peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
