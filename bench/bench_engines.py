"""Side-by-side BM25 engines on one synthetic news-like corpus: build, memory, disk, load, latency, throughput.

    .venv/bin/python bench/bench_engines.py [--sizes 10000,100000,1000000] [--engines storybot,tantivy,...]

Engines: storybot (index/bm25.py), rank-bm25 (a bounded subset of the queries: it scans every paragraph),
bm25s (numpy and numba backends), tantivy (tantivy-py) and SQLite FTS5. Each engine's build and each engine's
load-and-query run in a fresh child process, one at a time. The markdown table goes to stdout and to
bench/results/engines.md, the plot to bench/results/engines.png. Needs bench/requirements.txt installed.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import markdown, plot  # noqa: E402
from bench.synthetic import make_corpus  # noqa: E402

ALL_ENGINES = ["storybot", "rank-bm25", "bm25s-numpy", "bm25s-numba", "tantivy", "sqlite-fts5"]
RESULTS = ROOT / "bench" / "results"


def run_phase(
    engine: str, phase: str, corpus_file: Path, directory: Path, limit: int, seconds: float, timeout: float
) -> dict[str, Any]:
    """Run one phase of one engine in a child process and return its figures (or the error)."""
    out = directory.parent / f"{engine}-{phase}.json"
    command = [sys.executable, __file__, "--child", engine, phase, str(corpus_file), str(directory), str(out)]
    command += ["--limit", str(limit), "--seconds", str(seconds)]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"{phase} timed out after {timeout:.0f} s"}
    if completed.returncode != 0 or not out.exists():
        tail = completed.stderr.strip().splitlines()[-3:]
        return {"error": f"{phase} failed ({completed.returncode}): {' / '.join(tail)}"}
    return json.loads(out.read_text())


def agreement(ours: list[list[list[float]]], theirs: list[list[list[float]]]) -> str:
    """How many of rank-bm25's answered queries storybot ranks the same: same documents in the same order, the
    same only up to the order of tied scores (compared as score-equal sets), or different."""
    same = ties = differ = 0
    for our_hits, their_hits in zip(ours, theirs, strict=False):
        their_hits = [(int(doc), score) for doc, score in their_hits if score > 0]  # rank-bm25 also returns zeros
        our_hits = [(int(doc), score) for doc, score in our_hits]
        if [d for d, _ in our_hits] == [d for d, _ in their_hits]:
            same += 1
            continue
        scores_equal = len(our_hits) == len(their_hits) and np.allclose(
            [s for _, s in our_hits], [s for _, s in their_hits], rtol=0, atol=1e-6
        )
        # Beyond the last score, which a tie may fill with either document, the documents must be the same set.
        last = our_hits[-1][1] if our_hits else 0.0
        above = {d for d, s in our_hits if s > last + 1e-6} == {d for d, s in their_hits if s > last + 1e-6}
        if scores_equal and above:
            ties += 1
        else:
            differ += 1
    total = same + ties + differ
    return f"{same} identical, {ties} identical up to the order of tied scores, {differ} different (of {total})"


def measure_size(size: int, args: argparse.Namespace, workdir: Path) -> dict[str, dict[str, Any]]:
    """Every engine's figures at one corpus size."""
    start = time.perf_counter()
    corpus = make_corpus(size, args.queries)
    corpus_file = workdir / f"corpus-{size}.npz"
    corpus.save(corpus_file)
    tokens = int(corpus.lengths.sum())
    del corpus
    print(f"\n{size:,} paragraphs, {tokens:,} tokens, {args.queries:,} queries ({time.perf_counter() - start:.1f} s)")
    rows: dict[str, dict[str, Any]] = {}
    for engine in args.engines:
        directory = workdir / f"{size}" / engine
        directory.mkdir(parents=True, exist_ok=True)
        if engine == "rank-bm25":
            row = run_phase(engine, "all", corpus_file, directory, args.baseline_queries, args.baseline_seconds, 3600)
        else:
            row = run_phase(engine, "build", corpus_file, directory, 0, 0, args.timeout)
            if "error" not in row:
                row |= run_phase(engine, "query", corpus_file, directory, args.queries, args.seconds, args.timeout)
        shutil.rmtree(directory, ignore_errors=True)
        rows[engine] = row
        shown = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items() if k != "hits"}
        print(f"  {engine}: {shown}", flush=True)
    corpus_file.unlink()
    if "hits" in rows.get("storybot", {}) and "hits" in rows.get("rank-bm25", {}):
        rows["storybot"]["agreement"] = agreement(rows["storybot"]["hits"], rows["rank-bm25"]["hits"])
        print(f"  agreement: {rows['storybot']['agreement']}")
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    """Measure every engine at every size, print and write the table, draw the plot."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated paragraph counts")
    parser.add_argument("--engines", default=",".join(ALL_ENGINES))
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seconds", type=float, default=120, help="time bound of one engine's query loop")
    parser.add_argument("--baseline-queries", type=int, default=100, help="at most this many through rank-bm25")
    parser.add_argument("--baseline-seconds", type=float, default=60, help="time bound of rank-bm25's query loop")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before a child process is abandoned")
    parser.add_argument("--output", type=Path, default=RESULTS / "engines.md")
    parser.add_argument("--child", nargs=5, metavar=("ENGINE", "PHASE", "CORPUS", "DIR", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        from bench.measure import child_main

        engine, phase, corpus_file, directory, out = args.child
        child_main(engine, phase, Path(corpus_file), Path(directory), args.limit, args.seconds, Path(out))
        return
    args.engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    sizes = [int(size) for size in args.sizes.split(",")]
    results: dict[int, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-engines-") as temporary:
        for size in sizes:
            results[size] = measure_size(size, args, Path(temporary))
    header = [
        "# BM25 engines side by side",
        "",
        f"Command: `.venv/bin/python bench/bench_engines.py {' '.join(argv if argv is not None else sys.argv[1:])}`",
        f"Machine: {platform.machine()}, {_cpus()} CPUs, Python {platform.python_version()}; "
        f"{args.queries:,} queries of 2–5 words, top 10, one at a time (rank-bm25: at most {args.baseline_queries} "
        f"queries or {args.baseline_seconds:.0f} s). Load cold = in a fresh process after dropping the index files "
        "from the page cache; load mmap = again, memory-mapped where the engine can. Memory is resident set size "
        "(build peak above the input already in memory; loaded = after loading and answering every query).",
        "",
        *_engine_notes(),
        "",
    ]
    text = markdown(results, header)
    print("\n" + text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    figures = {size: {name: {k: v for k, v in row.items() if k != "hits"} for name, row in rows.items()}
               for size, rows in results.items()}  # fmt: skip
    args.output.with_suffix(".json").write_text(json.dumps(figures, indent=1) + "\n")  # to render again
    plot(results, args.output.with_suffix(".png"))
    print(f"written: {args.output}, its .json and .png")


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def _engine_notes() -> list[str]:
    from bench.engines import ENGINES

    return [f"- {name} ({engine.inputs}): {engine.note}" for name, engine in ENGINES.items()]


if __name__ == "__main__":
    main()
