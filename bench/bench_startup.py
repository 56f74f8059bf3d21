"""Start-up to first answer: `python -m bot ask "…"` on a saved index of a big synthetic corpus (run by hand).

    .venv/bin/python bench/bench_startup.py [--paragraphs 1000000] [--runs 3] [--profile]

Writes the synthetic corpus of bench/synthetic.py as JSON Lines article files (each under the default 1 MB file
limit) into a temporary corpus folder, builds the index once with `python -m bot index build`, then times whole
`python -m bot ask` processes, from start to exit after printing the answer (warm page cache). With --profile it
also runs one `ask` under cProfile and one with `-X importtime`, and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile  # noqa: F401  (the child runs it; imported here to fail early if missing)
import json
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.synthetic import make_corpus  # noqa: E402

FILE_BYTES = 900_000  # under the default max_file_bytes (1,000,000)


def write_corpus(directory: Path, paragraphs: int, per_article: int) -> tuple[int, int, list[str]]:
    """Write the articles; return (files, articles, a few query strings)."""
    corpus = make_corpus(paragraphs, 20)
    docs = corpus.docs()
    directory.mkdir(parents=True, exist_ok=True)
    files = articles = 0
    lines: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal files, lines, size
        if lines:
            (directory / f"part-{files:05d}.jsonl").write_text("".join(lines), encoding="utf-8")
            files += 1
            lines, size = [], 0

    for start in range(0, len(docs), per_article):
        article = {
            "id": f"article-{articles:06d}",
            "title": f"Synthetic article {articles}",
            "published": "2024-07-31T03:36:51",
            "url": f"https://example.com/articles/{articles}",
            "paragraphs": [" ".join(doc).capitalize() + "." for doc in docs[start : start + per_article]],
        }
        line = json.dumps(article, ensure_ascii=False) + "\n"
        if size + len(line) > FILE_BYTES:
            flush()
        lines.append(line)
        size += len(line)
        articles += 1
    flush()
    return files, articles, [" ".join(query) for query in corpus.queries()]


def bot(command: list[str], corpus: Path, state: Path, prefix: list[str] | None = None) -> tuple[float, str]:
    """Run `python -m bot …` and return its wall time and output (raises on failure)."""
    full = [sys.executable, *(prefix or []), "-m", "bot", *command, "--corpus", str(corpus), "--state", str(state)]
    start = time.perf_counter()
    completed = subprocess.run(full, cwd=ROOT, capture_output=True, text=True, timeout=3600, check=False)
    seconds = time.perf_counter() - start
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {completed.stderr[-2000:]}")
    return seconds, completed.stdout + completed.stderr


def profile(corpus: Path, state: Path, question: str, workdir: Path) -> None:
    """Print the slowest functions (cumulative) of one `ask`, and the slowest imports."""
    stats_file = workdir / "ask.prof"
    bot(["ask", question], corpus, state, ["-m", "cProfile", "-o", str(stats_file)])
    print("\ncProfile of one `ask` (cumulative, top 30):")
    pstats.Stats(str(stats_file)).sort_stats("cumulative").print_stats(30)
    _, output = bot(["ask", question], corpus, state, ["-X", "importtime"])
    imports = []
    for line in output.splitlines():
        if line.startswith("import time:") and "|" in line:
            parts = [part.strip() for part in line.split(":", 1)[1].split("|")]
            if parts[1].isdigit():
                imports.append((int(parts[1]), parts[2]))
    print("slowest imports (cumulative µs):")
    for micros, name in sorted(imports, reverse=True)[:15]:
        print(f"  {micros / 1000:8.1f} ms  {name}")


def main() -> None:
    """Write the corpus, build once, time the start-ups, optionally profile one."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=1_000_000)
    parser.add_argument("--per-article", type=int, default=50, help="paragraphs per article")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--workdir", type=Path, help="keep the corpus and state here (default: a temporary folder)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-startup-"))
    corpus, state = workdir / "corpus", workdir / "state"
    try:
        start = time.perf_counter()
        if not corpus.exists():
            files, articles, questions = write_corpus(corpus, args.paragraphs, args.per_article)
            print(
                f"wrote {articles:,} articles ({args.paragraphs:,} paragraphs) in {files:,} files "
                f"({time.perf_counter() - start:.1f} s)"
            )
        else:
            questions = [" ".join(q) for q in make_corpus(10, 20).queries()]
        build_seconds, _ = bot(["index", "build"], corpus, state)
        print(f"python -m bot index build: {build_seconds:.1f} s (loading, tokenizing, compiling, saving)")
        baseline = statistics.median(timed_python(["-c", "pass"]) for _ in range(3))
        times = []
        for run in range(args.runs):
            seconds, output = bot(["ask", questions[run % len(questions)]], corpus, state)
            if "built" in output.lower() and "index" in output.lower() and run == 0:
                print("note: the first ask rebuilt the index:", output[:200])
            times.append(seconds)
        print(
            f"python -m bot ask: median {statistics.median(times):.2f} s of {args.runs} runs "
            f"({', '.join(f'{t:.2f}' for t in times)}); a bare `python -c pass` takes {baseline:.2f} s"
        )
        if args.profile:
            profile(corpus, state, questions[0], workdir)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


def timed_python(arguments: list[str]) -> float:
    """Wall time of one bare Python process."""
    start = time.perf_counter()
    subprocess.run([sys.executable, *arguments], check=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
