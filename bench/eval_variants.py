"""Which search settings retrieve best: a grid over BM25 variants, k1, b and tokenizer options (run by hand).

Superseded for choosing defaults by bench/protocol.py, which tunes on development sets and reports on held-out ones
(this script measures on SciFact's and Cranfield's test queries, so its figures must not choose a setting).

    .venv/bin/python bench/eval_variants.py [--datasets DIR] [--sections grid,tokenizer,coverage,story]

`grid`: every variant (okapi, plus, l) × k1 × b with the default tokenizer, each with the title indexed once and
twice. `tokenizer`: stemming and stop words switched off and on, for Okapi's textbook k1 1.5 b 0.75 and the
configured defaults. Each row gives nDCG@10 / Recall@100 / MRR@10 on SciFact and Cranfield (trec_eval semantics,
as `python -m bot eval`). `coverage`: how many test queries each `min_coverage` threshold would refuse under the
configured defaults, how many of those had a relevant document in their top 10, and the nDCG@10 left, for the
engine's coverage (idf mass of the query's indexed terms) and, for comparison, one that also counts unindexed
query terms (at the largest idf). `story`: the best passage's coverage for a list of questions on the bundled story.
Nothing here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from answers.coverage import framing_terms, query_coverage
from answers.engine import EngineSettings, SearchEngine
from answers.questions import without_question_frame
from bot.core.settings import BUNDLED_CORPUS, SearchSettings, Settings
from bot.terminal.evaluate import RankedQuery, as_run, corpus_terms, rank_queries
from corpus import load_corpus
from corpus.models import Article
from evaluation.metrics import BeirDataset, evaluate, load_beir, trec_order
from index.bm25 import BM25Params, CompiledIndex
from index.tokenizer import Tokenizer, TokenizerSettings

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
DATASET_NAMES = {"scifact": "SciFact", "cranfield": "Cranfield"}
K1S = (0.9, 1.2, 1.5, 2.0, 2.2, 2.5)
BS = (0.4, 0.6, 0.75, 0.85, 0.9, 1.0)
THRESHOLDS = (0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)
G, T = "harris-goes-on-offensive-on-immigration", "harris-team-panicked-over-border-assignment"
# Questions a member might type about the bundled story, each with the paragraphs (article id, number) that answer
# it, labelled by hand from the text.
STORY_QUESTIONS: dict[str, set[tuple[str, int]]] = {
    "who said border czar": {(G, 5), (G, 12), (T, 9), (T, 23)},
    "who prosecuted transnational gangs": {(G, 2), (G, 7)},
    "why did Harris team panic": {(T, 1), (T, 2), (T, 5), (T, 11)},
    "when is Harris travelling to Guatemala": {(T, 6)},
    "what did Symone Sanders say": {(T, 14)},
    "bipartisan border bill": {(G, 2), (G, 5)},
    "smugglers abandoned a boy": {(T, 10)},
    "Harris rally in Atlanta": {(G, 1)},
    "who blamed Trump for tanking the border bill": {(G, 2)},
    "what happened in Roma Texas": {(T, 18)},
    "who called Harris dangerously liberal": {(G, 13)},
    "Harris debate challenge": {(G, 4)},
    "Dana Bash interview": {(T, 21)},
    "who is Cris Ramon": {(T, 24)},
    "fentanyl": {(G, 6)},
    "root cause work": {(G, 14)},
    "Biden asked Harris to lead efforts": {(T, 9), (T, 19)},
    "NBC interview Europe": {(G, 11)},
    "what did Trump say about Harris record": {(G, 4)},
    "Border Patrol agents": {(G, 6), (T, 18)},
}
# Questions the story cannot answer; their best passage shares a word or two with them at most.
WEAK_QUESTIONS = (
    "what is the weather like in Paris today",
    "how much does a new car cost",
    "who won the football game last night",
    "what did Harris eat for breakfast",
    "what does the president think about climate change",
    "recipe for chocolate cake with border",
    "who is the best basketball player",
    "what time does the store open",
    "how do I reset my password",
    "Harris favourite movie",
    "what is Harris's favourite movie",
    "did Harris visit Paris",
    "stock market crash border",
    "who said border czr",
)


@dataclass(frozen=True)
class Variant:
    """One row of the grid: scoring parameters, tokenizer switches and how often a title is indexed."""

    variant: str
    k1: float
    b: float
    stemming: bool = True
    stop_words: bool = True
    title_repeats: int = 1

    def params(self) -> BM25Params:
        """The BM25 parameters of this row (epsilon and delta at rank-bm25's defaults)."""
        return BM25Params(variant=self.variant, k1=self.k1, b=self.b)  # type: ignore[arg-type]

    def cells(self) -> list[str]:
        """The row's settings as table cells."""
        on = {True: "on", False: "off"}
        return [self.variant, f"{self.k1:g}", f"{self.b:g}", on[self.stemming], on[self.stop_words]]


class Bench:
    """Data sets loaded once; tokenized documents cached per tokenizer setting and title weighting."""

    def __init__(self, datasets: dict[str, BeirDataset]) -> None:
        self.datasets = datasets
        self._docs: dict[tuple[str, bool, bool, int], tuple[list[str], list[list[str]]]] = {}
        self._tokenizers: dict[tuple[bool, bool], Tokenizer] = {}

    def tokenizer(self, variant: Variant) -> Tokenizer:
        """The (cached) tokenizer of a row."""
        key = (variant.stemming, variant.stop_words)
        if key not in self._tokenizers:
            self._tokenizers[key] = Tokenizer(TokenizerSettings(stemming=key[0], stop_words=key[1]))
        return self._tokenizers[key]

    def ranked(self, name: str, variant: Variant) -> tuple[CompiledIndex, dict[str, RankedQuery]]:
        """The row's index over data set `name` and every test query's ranking."""
        key = (name, variant.stemming, variant.stop_words, variant.title_repeats)
        tokenizer = self.tokenizer(variant)
        if key not in self._docs:
            self._docs[key] = corpus_terms(self.datasets[name].corpus, tokenizer, variant.title_repeats)
        doc_ids, docs = self._docs[key]
        index = CompiledIndex.build(docs, variant.params())
        return index, rank_queries(index, doc_ids, tokenizer, self.datasets[name].queries)

    def metrics(self, variant: Variant) -> dict[str, dict[str, float]]:
        """nDCG@10, Recall@100 and MRR@10 of the row on each data set."""
        return {name: evaluate(as_run(self.ranked(name, variant)[1]), ds.qrels) for name, ds in self.datasets.items()}


def print_metrics_table(bench: Bench, variants: Sequence[Variant], title_column: bool) -> None:
    """A markdown table of the rows' metrics, best SciFact nDCG@10 first; seconds per row at the end."""
    names = list(bench.datasets)
    header = ["variant", "k1", "b", "stem", "stop"] + (["title×"] if title_column else [])
    header += [f"{DATASET_NAMES.get(name, name)} nDCG@10 / R@100 / MRR@10" for name in names]
    rows, seconds = [], []
    for variant in variants:
        started = time.perf_counter()
        measured = bench.metrics(variant)
        seconds.append(time.perf_counter() - started)
        cells = variant.cells() + ([str(variant.title_repeats)] if title_column else [])
        cells += [" / ".join(f"{measured[n][m]:.4f}" for m in ("nDCG@10", "Recall@100", "MRR@10")) for n in names]
        rows.append((measured[names[0]]["nDCG@10"], cells))
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for _, cells in sorted(rows, key=lambda row: -row[0]):
        print("| " + " | ".join(cells) + " |")
    print(f"\n({len(rows)} rows; median {statistics.median(seconds):.2f} s a row for index builds and all queries)\n")


def coverage_rules(index: CompiledIndex, tokenizer: Tokenizer, terms: Sequence[str], doc: int) -> dict[str, float]:
    """The best document's coverage under the engine's rule and the two simpler rules it was chosen over."""
    known = [term for term in terms if index.df(term)]
    return {
        "engine": query_coverage(index, terms, doc, framing_terms(tokenizer.settings)),
        "all terms": query_coverage(index, terms, doc, frozenset()),
        "indexed terms": query_coverage(index, known, doc, frozenset()) if known else 0.0,
    }


def print_coverage_table(bench: Bench, defaults: Variant) -> None:
    """Queries refused at each threshold, those that had a relevant document in their top 10, nDCG@10 left."""
    for name, dataset in bench.datasets.items():
        index, ranked = bench.ranked(name, defaults)
        tokenizer = bench.tokenizer(defaults)
        by_rule: dict[str, dict[str, RankedQuery]] = {}
        for query_id, r in ranked.items():
            terms = tokenizer.terms(dataset.queries[query_id])
            shares = coverage_rules(index, tokenizer, terms, r.best_doc) if r.best_doc is not None else {}
            for rule in ("engine", "all terms", "indexed terms"):
                by_rule.setdefault(rule, {})[query_id] = RankedQuery(r.ranking, r.best_doc, shares.get(rule, 0.0))
        label = DATASET_NAMES.get(name, name)
        print(f"{label} ({len(ranked)} queries), {defaults.variant} k1 {defaults.k1:g} b {defaults.b:g}:\n")
        print("| min_coverage | rule | refused | refused with a relevant doc in top 10 | nDCG@10 | lost |")
        print("|---|---|---|---|---|---|")
        base = evaluate(as_run(ranked), dataset.qrels)["nDCG@10"]
        for threshold, (rule, queries) in itertools.product(THRESHOLDS, by_rule.items()):
            refused = [q for q, r in queries.items() if r.coverage < threshold]
            lost = sum(1 for q in refused if _relevant_in_top10(queries[q].ranking, dataset.qrels[q]))
            after = evaluate(
                {q: [] if r.coverage < threshold else r.ranking for q, r in queries.items()}, dataset.qrels
            )["nDCG@10"]
            print(f"| {threshold:g} | {rule} | {len(refused)} | {lost} | {after:.4f} | {base - after:.4f} |")
        print()


def _relevant_in_top10(ranking: Sequence[tuple[str, float]], qrel: dict[str, int]) -> bool:
    return any(qrel.get(doc_id, 0) > 0 for doc_id, _ in trec_order(ranking)[:10])


def story_engine(articles: Sequence[Article], variant: Variant) -> SearchEngine:
    """An engine over the story with a row's settings (no threshold: the tables show coverage themselves)."""
    tokenizer = TokenizerSettings(stemming=variant.stemming, stop_words=variant.stop_words)
    return SearchEngine.build(articles, EngineSettings(tokenizer=tokenizer, bm25=variant.params()))


def print_story_tables(search: SearchSettings, defaults: Variant) -> None:
    """Story ranking (is a right paragraph first?) for a few settings; coverage of good and weak story questions."""
    articles = load_corpus(BUNDLED_CORPUS, max_bytes=Settings().max_file_bytes).articles
    print(f"Bundled story: rank of the first right paragraph among 3 for {len(STORY_QUESTIONS)} labelled questions\n")
    print("| variant | k1 | b | stem | stop | MRR@3 | right first | not first (rank) |")
    print("|---|---|---|---|---|---|---|---|")
    for variant in dict.fromkeys([defaults, Variant("okapi", 1.5, 0.75), Variant("plus", 2.0, 0.9)]):
        engine = story_engine(articles, variant)
        reciprocal, first, misses = 0.0, 0, []
        for question, right in STORY_QUESTIONS.items():
            hits = engine.search(question, 3).hits
            ranks = [i for i, hit in enumerate(hits, 1) if (hit.article.id, hit.paragraph.number) in right]
            reciprocal += 1 / ranks[0] if ranks else 0.0
            first += bool(ranks) and ranks[0] == 1
            if not ranks or ranks[0] > 1:
                misses.append(f"{question} ({ranks[0] if ranks else '>3'})")
        cells = [*variant.cells(), f"{reciprocal / len(STORY_QUESTIONS):.3f}", f"{first}", "; ".join(misses)]
        print("| " + " | ".join(cells) + " |")

    engine = story_engine(articles, defaults)
    print(f"\nBundled story, {defaults.variant} k1 {defaults.k1:g} b {defaults.b:g}: the first passage's coverage\n")
    print("| question | answerable | first passage | engine | all terms | indexed terms |")
    print("|---|---|---|---|---|---|")
    for question in [*STORY_QUESTIONS, *WEAK_QUESTIONS]:
        terms = engine.tokenizer.terms(without_question_frame(question))  # as SearchEngine.search does
        top = engine.index.top_k(terms, 1)
        if not top:
            print(f"| {question} | {'yes' if question in STORY_QUESTIONS else 'no'} | none | – | – | – |")
            continue
        article, paragraph = engine.locate(top[0][0])
        shares = coverage_rules(engine.index, engine.tokenizer, terms, top[0][0])
        where = f"{'G' if article.id == G else 'T'} ¶{paragraph.number}"
        cells = [question, "yes" if question in STORY_QUESTIONS else "no", where]
        print("| " + " | ".join(cells + [f"{value:.2f}" for value in shares.values()]) + " |")
    print("\n(G = Harris goes on offensive on immigration, T = Kamala Harris' team 'panicked')\n")


def main() -> None:
    """Run the chosen sections and print their markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=SHARED_DATASETS, help="folder holding scifact/, cranfield/")
    parser.add_argument("--sections", default="grid,tokenizer,coverage,story", help="comma-separated")
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    search = SearchSettings()
    defaults = Variant(search.variant, search.k1, search.b, search.stemming, search.stop_words)
    started = time.perf_counter()
    if sections & {"grid", "tokenizer", "coverage"}:
        datasets = {name: load_beir(args.datasets / name) for name in DATASET_NAMES}
        bench = Bench(datasets)
        if "grid" in sections:
            grid = [
                Variant(variant, k1, b, title_repeats=repeats)
                for variant, k1, b, repeats in itertools.product(("okapi", "plus", "l"), K1S, BS, (1, 2))
            ]
            print_metrics_table(bench, grid, title_column=True)
        if "tokenizer" in sections:
            rows = [
                Variant(base.variant, base.k1, base.b, stemming, stop_words)
                for base in dict.fromkeys([Variant("okapi", 1.5, 0.75), defaults])
                for stemming, stop_words in itertools.product((True, False), repeat=2)
            ]
            print_metrics_table(bench, rows, title_column=False)
        if "coverage" in sections:
            print_coverage_table(bench, defaults)
    if "story" in sections:
        print_story_tables(search, defaults)
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
