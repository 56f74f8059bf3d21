"""What the answer policy costs a question, at 100,000 paragraphs (run by hand; no timed test asserts speed).

    .venv/bin/python bench/bench_policy.py [--paragraphs 100000] [--queries 1000]

The synthetic news-like corpus of bench/synthetic.py, as 100 articles, is indexed once; every query (half of them
asked as questions, `what did w1 w2 w3 do`) is answered with `SearchEngine.search(query, 3)` under plain BM25
(`plain_bm25`: words as typed, no refusal, no cut) and under the shipped settings (question reading, the no-answer
rule, the cut of weak passages), one after the other, after a warm-up pass. Prints the median, p90 and p99
milliseconds a question of each, and the difference.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answers.engine import SearchEngine
from bench.synthetic import make_corpus
from bot.core.settings import SearchSettings
from corpus.models import Article, Paragraph
from index.bm25 import CompiledIndex
from index.paragraphs import ParagraphIndex
from index.tokenizer import Tokenizer

ARTICLES = 100


def timings(engine: SearchEngine, questions: list[str]) -> list[float]:
    """Milliseconds per question, each answered with a first page of 3."""
    spent = []
    for question in questions:
        started = time.perf_counter()
        engine.search(question, 3)
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def main() -> None:
    """Build the corpus and index, time both policies, print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1_000)
    args = parser.parse_args()
    corpus = make_corpus(args.paragraphs, args.queries)
    texts = corpus.texts()
    per = len(texts) // ARTICLES
    articles = [
        Article(
            id=f"a{n}",
            title=f"Article {n}",
            paragraphs=tuple(Paragraph(number=i + 1, text=t) for i, t in enumerate(texts[n * per : (n + 1) * per])),
            file=Path(f"a{n}.txt"),
        )
        for n in range(ARTICLES)
    ]
    queries = [" ".join(words) for words in corpus.queries()]
    questions = [f"what did {query} do" if n % 2 else query for n, query in enumerate(queries)]
    shipped = SearchSettings().engine_settings()
    plain = SearchSettings(plain_bm25=True, min_coverage=0).engine_settings()
    tokenizer = Tokenizer(shipped.tokenizer)
    started = time.perf_counter()
    index = CompiledIndex.build([tokenizer.terms(p.text) for a in articles for p in a.paragraphs], shipped.bm25)
    print(f"{index.doc_count:,} paragraphs indexed in {time.perf_counter() - started:.1f} s")
    engines = {
        "plain BM25": SearchEngine(ParagraphIndex(articles, plain.index, index), plain),
        "shipped policy": SearchEngine(ParagraphIndex(articles, shipped.index, index), shipped),
    }
    for engine in engines.values():
        timings(engine, questions[:100])  # warm-up: tokenizer caches, page cache
    results = {name: timings(engine, questions) for name, engine in engines.items()}
    print(f"\n| policy | median ms | p90 ms | p99 ms | ({len(questions)} questions, {index.doc_count:,} paragraphs) |")
    print("|---|---|---|---|---|")
    for name, spent in results.items():
        cuts = statistics.quantiles(spent, n=100)
        print(f"| {name} | {statistics.median(spent):.2f} | {cuts[89]:.2f} | {cuts[98]:.2f} | |")
    extra = [s - p for s, p in zip(results["shipped policy"], results["plain BM25"], strict=True)]
    print(f"\npolicy cost over plain BM25: median {statistics.median(extra):+.2f} ms a question")


if __name__ == "__main__":
    main()
