"""The whole ask path against the engine's own query time, with a per-stage breakdown (run by hand).

    .venv/bin/python bench/bench_ask_path.py [--sizes 10000 100000 1000000] [--queries 300]

For each size it writes the synthetic corpus of bench/synthetic.py as JSON Lines article files (bench_startup's
writer), opens the real `StoryService` on it (building and saving the index once), then for every query measures,
one query at a time, medians over the queries:

- engine: `CompiledIndex.top_k(terms, 10)` on the question's terms, as bench/bench_engines.py times the engine;
- ask + terminal: `StoryService.ask` then `bot.terminal.console.render_result`, what `!ask` prints in the terminal;
- ask + Discord: `StoryService.ask` then `bot.discord.embeds.answer_embed`, what `!ask` / `/ask` send;
- the same two for `who said …` (quotations first, with their speakers);

and, in a separate pass with every stage wrapped by a timer (exclusive time: a stage called inside another counts
for itself only), the median of each stage: tokenize (reading the question, its terms, the typed unknown words),
retrieve (top-k in the index), policy (the rest of `rank`/`search`: refusal, cut, phrase check), snippets (the
hits' spans and windows), quotations (who-said: quoted passages first, their speakers), render (terminal text or
Discord embed, escaping). Nothing here asserts a time: the figures are printed, side by side.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import answers.engine as engine_module  # noqa: E402
import quotations.quote_book as quote_book_module  # noqa: E402
from bench.bench_startup import write_corpus  # noqa: E402
from bench.synthetic import make_corpus  # noqa: E402
from bot.core.questions import Question  # noqa: E402
from bot.core.service import StoryService  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from bot.discord.embeds import answer_embed  # noqa: E402
from bot.terminal.console import render_result  # noqa: E402
from index import accel  # noqa: E402

STAGES = ("tokenize", "retrieve", "policy", "quotations", "snippets", "render")
K = 10
RESULTS = 3


class StageClock:
    """Exclusive time per stage for one ask: entering a stage pauses the one it was called from."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self._stack: list[str] = []
        self._since = 0.0

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Count the time inside the block for `name` (less any stage entered within it)."""
        now = time.perf_counter()
        if self._stack:
            self.spent[self._stack[-1]] += now - self._since
        self._stack.append(name)
        self._since = now
        try:
            yield
        finally:
            now = time.perf_counter()
            self.spent[self._stack.pop()] += now - self._since
            self._since = now

    def reset(self) -> None:
        """Start the next ask at zero."""
        self.spent.clear()


def _wrap(owner: Any, attribute: str, clock: StageClock, name: str) -> Callable[[], None]:
    """Replace `owner.attribute` by a version timed as stage `name`; returns the undo."""
    original = getattr(owner, attribute)

    def timed(*args: Any, **kwargs: Any) -> Any:
        with clock.stage(name):
            return original(*args, **kwargs)

    setattr(owner, attribute, timed)
    return lambda: setattr(owner, attribute, original)


@contextmanager
def staged(service: StoryService, clock: StageClock) -> Iterator[None]:
    """Wrap every stage of the ask path in `clock` (only inside this block)."""
    engine = service.engine
    from answers.engine import Hit, SearchEngine

    undo = [
        _wrap(SearchEngine, "search", clock, "policy"),
        _wrap(SearchEngine, "rank", clock, "policy"),
        _wrap(engine_module, "read_question", clock, "tokenize"),
        _wrap(engine.tokenizer, "query_terms", clock, "tokenize"),
        _wrap(SearchEngine, "_typed_words", clock, "tokenize"),
        _wrap(engine.index, "top_k", clock, "retrieve"),
        _wrap(engine_module, "quoted_first", clock, "quotations"),
        _wrap(engine_module, "query_weights", clock, "quotations"),
        _wrap(quote_book_module.QuotedPassages, "__getitem__", clock, "quotations"),
        _wrap(SearchEngine, "_hit", clock, "snippets"),
        _wrap(Hit, "snippet", clock, "snippets"),
        _wrap(Hit, "quote_snippet", clock, "snippets"),
    ]
    try:
        yield
    finally:
        for step in reversed(undo):
            step()


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000 if values else 0.0


def measure(service: StoryService, questions: list[str], who: bool) -> dict[str, float]:
    """Medians (ms) of the engine alone, the whole ask with each renderer, and each stage."""
    engine = service.engine
    asked = [Question.typed(q, who=who) for q in questions]
    terms = [engine.tokenizer.query_terms(q.text).terms for q in asked]
    for question in asked:  # warm, as a running bot is: the tokenizer's word cache, the kernels, the page cache
        render_result(service.ask(question, RESULTS), 350)
    engine_times, terminal_times, discord_times = [], [], []
    for question, query in zip(asked, terms, strict=True):
        start = time.perf_counter()
        engine.index.top_k(query, K)
        engine_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        render_result(service.ask(question, RESULTS), 350)
        terminal_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = service.ask(question, RESULTS)
        if result.hits:
            answer_embed(result, f"Answer to: {question.text[:200]}", 350, "page 1")
        discord_times.append(time.perf_counter() - start)
    clock = StageClock()
    per_stage: dict[str, list[float]] = {name: [] for name in STAGES}
    with staged(service, clock):
        for question in asked:
            clock.reset()
            result = service.ask(question, RESULTS)
            with clock.stage("render"):
                render_result(result, 350)
                if result.hits:
                    answer_embed(result, f"Answer to: {question.text[:200]}", 350, "page 1")
            for name in STAGES:
                per_stage[name].append(clock.spent.get(name, 0.0))
    figures = {
        "engine": _median_ms(engine_times),
        "terminal": _median_ms(terminal_times),
        "discord": _median_ms(discord_times),
    }
    figures.update({name: _median_ms(values) for name, values in per_stage.items()})
    return figures


def open_service(workdir: Path, paragraphs: int) -> StoryService:
    """Write the corpus, then open the service on it (building and saving its index)."""
    corpus, state = workdir / "corpus", workdir / "state"
    if not corpus.exists():
        write_corpus(corpus, paragraphs, 50)
    settings = Settings(corpus_dir=corpus, state_dir=state)
    service = StoryService.open(settings)
    accel.wait()
    return service


def main() -> None:
    """Measure each size and print one table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--workdir", type=Path, help="keep corpora and states here (default: a temporary folder)")
    args = parser.parse_args()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="bench-ask-"))
    rows = []
    try:
        for size in args.sizes:
            started = time.perf_counter()
            service = open_service(root / f"p{size}", size)
            print(f"{size:,} paragraphs: opened in {time.perf_counter() - started:.1f} s", flush=True)
            questions = [" ".join(words) for words in make_corpus(10, args.queries).queries()]
            for who in (False, True):
                rows.append((size, "who said" if who else "ask", measure(service, questions, who)))
    finally:
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)
    print_table(rows, args.queries)


def print_table(rows: list[tuple[int, str, dict[str, float]]], queries: int) -> None:
    """The medians side by side, with the whole path's ratio to the engine."""
    print(f"\nMedians in ms over {queries} queries of 2–5 words (top {RESULTS} shown, engine: top {K}).\n")
    stage_heads = " | ".join(STAGES)
    print(f"| paragraphs | question | engine | ask + terminal | ratio | ask + Discord | ratio | {stage_heads} |")
    print("|---:|---|---:|---:|---:|---:|---:|" + "---:|" * len(STAGES))
    for size, kind, f in rows:
        stages = " | ".join(f"{f[name]:.3f}" for name in STAGES)
        print(
            f"| {size:,} | {kind} | {f['engine']:.3f} | {f['terminal']:.3f} | {f['terminal'] / f['engine']:.2f}× | "
            f"{f['discord']:.3f} | {f['discord'] / f['engine']:.2f}× | {stages} |"
        )


if __name__ == "__main__":
    main()
