"""Benchmark of who-said searches (run by hand): plain search against quotes_first, cold and warm, on a large corpus.

    .venv/bin/python bench/bench_who.py [--copies 2500] [--repeats 7]

The corpus is the bundled story's two articles copied `--copies` times (41 paragraphs a copy, so 2,500 copies are
102,500 paragraphs, each copy its own article), which keeps the story's density of quotations. It prints medians:
loading the saved index (quotations are not part of it), a warm plain search, a warm who-said search, a cold
who-said search (a fresh engine, so no article's quotations are known yet), and what finding the quotations of
every article would cost at load time instead. Nothing here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from answers.engine import EngineSettings, SearchEngine
from bot.core.settings import BUNDLED_CORPUS
from corpus import load_corpus
from corpus.models import Article
from index.store import load_or_build
from quotations.quotes import find_quotes

QUESTIONS = [
    "border czar",
    "say it to my face",
    "help is on the way",
    "not happening in a vacuum",
    "most qualified person",
    "Harris focused on long-term fixes",  # no quotation: the fall-back scans every candidate
    "dangerously liberal",
    "an eye on the border",
]


def copies_of_story(count: int) -> list[Article]:
    """The story's articles, `count` times over, each copy with its own id."""
    story = load_corpus(BUNDLED_CORPUS, max_bytes=1_000_000).articles
    return [article.model_copy(update={"id": f"{article.id}-{n}"}) for n in range(count) for article in story]


def median_ms(action: Callable[[], object], repeats: int) -> float:
    """The median wall time of `action` in milliseconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    """Build the corpus and its index, then print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2500)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    articles = copies_of_story(args.copies)
    paragraphs = sum(len(article.paragraphs) for article in articles)
    settings = EngineSettings()
    with tempfile.TemporaryDirectory() as state:
        started = time.perf_counter()
        engine = SearchEngine(load_or_build(articles, settings.index, Path(state)).paragraphs, settings)
        print(f"{len(articles):,} articles, {paragraphs:,} paragraphs; built in {time.perf_counter() - started:.1f} s")
        load = median_ms(
            lambda: SearchEngine(load_or_build(articles, settings.index, Path(state)).paragraphs, settings),
            args.repeats,
        )
    print(f"load the saved index (with the engine and its empty quote book): median {load:.1f} ms")

    plain = [median_ms(lambda q=q: engine.search(q, 3), args.repeats) for q in QUESTIONS]
    for q in QUESTIONS:
        engine.search(q, 3, quotes_first=True)  # warm: the page's articles' quotations are now known
    warm = [median_ms(lambda q=q: engine.search(q, 3, quotes_first=True), args.repeats) for q in QUESTIONS]
    cold = [
        median_ms(lambda q=q: SearchEngine(engine.paragraphs, settings).search(q, 3, quotes_first=True), 3)
        for q in QUESTIONS
    ]
    fresh = median_ms(lambda: SearchEngine(engine.paragraphs, settings), 3)
    print(f"{'question':<36} {'plain':>8} {'who warm':>9} {'who cold':>9}   (ms, medians)")
    for q, a, b, c in zip(QUESTIONS, plain, warm, cold, strict=True):
        print(f"{q:<36} {a:>8.2f} {b:>9.2f} {c - fresh:>9.2f}")
    print(
        f"median over questions: plain {statistics.median(plain):.2f} ms, who warm {statistics.median(warm):.2f} ms, "
        f"who cold {statistics.median(cold) - fresh:.2f} ms (engine construction, {fresh:.1f} ms, subtracted)"
    )

    sample = articles[:20]
    per_paragraph = median_ms(lambda: [find_quotes([p.text for p in a.paragraphs]) for a in sample], 3) / sum(
        len(a.paragraphs) for a in sample
    )
    print(
        f"finding every article's quotations at load instead: {per_paragraph * 1000:.0f} µs a paragraph, "
        f"{per_paragraph * paragraphs / 1000:.1f} s for this corpus, {per_paragraph * 1_000_000 / 1000:.0f} s a "
        "million paragraphs"
    )


if __name__ == "__main__":
    main()
