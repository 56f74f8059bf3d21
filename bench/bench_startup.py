"""Start-up to the first answer and memory after loading, before and after, side by side (run by hand).

    .venv/bin/python bench/bench_startup.py [--paragraphs 100000 1000000] [--runs 5] [--before main]
                                            [--workdir DIR] [--profile]

For each size it writes the synthetic corpus of bench/synthetic.py as JSON Lines article files (each under the
default 1 MB file limit; 50 paragraphs an article) into one corpus folder, exports the `--before` revision with
`git archive` (no checkout is touched) beside this working tree, builds each version's index once in its own state
folder, then, alternating the two versions run after run (so the machine's noise falls on both alike):

- start-up to first answer: the wall time of a whole `python -m bot ask "…"` process, from its start to its exit
  after printing the answer (warm page cache, the index saved, the corpus unchanged);
- memory: in a fresh process, `StoryService.open` and then one `ask`: resident memory (VmRSS) after loading, after
  the first answer, and the process's peak (VmHWM).

Medians are printed as one markdown table. With --profile it also runs one `ask` of this tree under cProfile and
one with `-X importtime`, and prints where the time goes.
"""

from __future__ import annotations

import argparse
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


MEMORY_PROBE = """
import json, sys, time
from pathlib import Path
def rss(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
started = time.perf_counter()
from bot.core.questions import Question
from bot.core.service import StoryService
from bot.core.settings import load_settings
service = StoryService.open(load_settings(None, corpus_dir=Path(sys.argv[1]), state_dir=Path(sys.argv[2])))
opened, loaded = time.perf_counter() - started, rss("VmRSS")
hits = len(service.ask(Question(sys.argv[3]), 3).hits)
print(json.dumps({"open_s": opened, "loaded_mb": loaded, "answered_mb": rss("VmRSS"), "peak_mb": rss("VmHWM"),
                  "hits": hits}))
"""


def bot(
    command: list[str], corpus: Path, state: Path, code: Path = ROOT, prefix: list[str] | None = None
) -> tuple[float, str]:
    """Run `python -m bot …` from the source tree `code` and return its wall time and output (raises on failure)."""
    full = [sys.executable, *(prefix or []), "-m", "bot", *command, "--corpus", str(corpus), "--state", str(state)]
    start = time.perf_counter()
    completed = subprocess.run(full, cwd=code, capture_output=True, text=True, timeout=3600, check=False)
    seconds = time.perf_counter() - start
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {completed.stderr[-2000:]}")
    return seconds, completed.stdout + completed.stderr


def memory(code: Path, corpus: Path, state: Path, question: str) -> dict[str, float]:
    """Open the service in a fresh process of the source tree `code`; its memory after loading and answering."""
    completed = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(corpus), str(state), question],
        cwd=code,
        capture_output=True,
        text=True,
        timeout=3600,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def export(revision: str, target: Path) -> Path:
    """The source tree of `revision`, exported with `git archive` into `target` (kept between runs)."""
    if not (target / "bot").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        # Its compiled kernels into numba's cache once, as `make setup` does: never inside a timed run.
        subprocess.run([sys.executable, "-c", "from index import accel; accel.wait()"], cwd=target, check=True)
    return target


def profile(corpus: Path, state: Path, question: str, workdir: Path) -> None:
    """Print the slowest functions (cumulative) of one `ask`, and the slowest imports."""
    stats_file = workdir / "ask.prof"
    bot(["ask", question], corpus, state, prefix=["-m", "cProfile", "-o", str(stats_file)])
    print("\ncProfile of one `ask` (cumulative, top 30):")
    pstats.Stats(str(stats_file)).sort_stats("cumulative").print_stats(30)
    _, output = bot(["ask", question], corpus, state, prefix=["-X", "importtime"])
    imports = []
    for line in output.splitlines():
        if line.startswith("import time:") and "|" in line:
            parts = [part.strip() for part in line.split(":", 1)[1].split("|")]
            if parts[1].isdigit():
                imports.append((int(parts[1]), parts[2]))
    print("slowest imports (cumulative µs):")
    for micros, name in sorted(imports, reverse=True)[:15]:
        print(f"  {micros / 1000:8.1f} ms  {name}")


def measure_size(paragraphs: int, args: argparse.Namespace, workdir: Path, before: Path) -> dict[str, dict]:
    """Both versions' figures at one size (medians of alternating runs)."""
    corpus = workdir / f"corpus-{paragraphs}"
    if not corpus.exists():
        started = time.perf_counter()
        files, articles, _ = write_corpus(corpus, paragraphs, args.per_article)
        print(
            f"wrote {articles:,} articles ({paragraphs:,} paragraphs) in {files:,} files "
            f"({time.perf_counter() - started:.1f} s)",
            flush=True,
        )
    questions = [" ".join(words) for words in make_corpus(10, 20).queries()]
    versions = {"before": before, "after": ROOT}
    figures: dict[str, dict] = {}
    for name, code in versions.items():
        state = workdir / f"state-{name}-{paragraphs}"
        seconds, _ = bot(["index", "build"], corpus, state, code)
        print(f"{paragraphs:,} {name}: index build {seconds:.1f} s", flush=True)
        figures[name] = {"state": state, "ask": [], "memory": []}
    for run in range(args.runs):
        for name, code in versions.items():
            seconds, _ = bot(["ask", questions[run % len(questions)]], corpus, figures[name]["state"], code)
            figures[name]["ask"].append(seconds)
        print(f"  run {run + 1}: " + ", ".join(f"{n} {figures[n]['ask'][-1]:.2f} s" for n in versions), flush=True)
    for _ in range(max(1, args.runs // 2)):
        for name, code in versions.items():
            figures[name]["memory"].append(memory(code, corpus, figures[name]["state"], questions[0]))
    if args.profile:
        profile(corpus, figures["after"]["state"], questions[0], workdir)
    return figures


def main() -> None:
    """Write the corpora, build each version's index once, time the start-ups side by side, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--per-article", type=int, default=50, help="paragraphs per article")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", default="main", help="the git revision measured as `before` (default: main)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--workdir", type=Path, help="keep corpora, states and the export here (default: temporary)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-startup-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", args.before], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        before = export(args.before, workdir / f"before-{commit}")
        rows = [(size, measure_size(size, args, workdir, before)) for size in args.paragraphs]
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    baseline = statistics.median(timed_python(["-c", "pass"]) for _ in range(3))
    print(
        f"\nbefore = {args.before} ({commit}), after = this tree; medians of {args.runs} alternating runs "
        f"(memory: {max(1, args.runs // 2)}); a bare `python -c pass` takes {baseline:.2f} s\n"
    )
    print(
        "| paragraphs | version | start-up to first answer s | open s (in-process) | RSS after loading MB | "
        "RSS after the first answer MB | peak RSS MB |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|")
    for size, figures in rows:
        for name in ("before", "after"):
            f = figures[name]
            mem = {key: statistics.median(m[key] for m in f["memory"]) for key in f["memory"][0]}
            print(
                f"| {size:,} | {name} | {statistics.median(f['ask']):.2f} | {mem['open_s']:.2f} | "
                f"{mem['loaded_mb']:.0f} | {mem['answered_mb']:.0f} | {mem['peak_mb']:.0f} |"
            )
        ratio = statistics.median(figures["before"]["ask"]) / statistics.median(figures["after"]["ask"])
        print(f"| {size:,} | before ÷ after | {ratio:.1f}× | | | | |")


def timed_python(arguments: list[str]) -> float:
    """Wall time of one bare Python process."""
    start = time.perf_counter()
    subprocess.run([sys.executable, *arguments], check=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
