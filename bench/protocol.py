"""The tuning protocol: choose defaults on the development side, report them on the test side (run by hand).

    .venv/bin/python bench/protocol.py [--sections ranking,refusal,cut] [--datasets DIR]

The sets and their split are fixed in bench/protocol_data.py (seeded, decided before any figure was looked at):
`squad-dev` (12 SQuAD articles' questions over their paragraphs), `scifact-dev` (SciFact's 809 training queries) are
tuned on; `squad-test`, `scifact-test` (300) and `cranfield-test` (225 long queries) are only reported; `story` (the
45 labelled questions of tests/test_story_questions.py) is a sanity check. Every section prints every setting's
figures on every set, so a choice that wins on one kind of text and loses on another shows.

- `ranking`: nDCG@10 (and Recall@100, MRR@10) of each ranking setting, in the engine's answer order
  (SearchEngine.rank), against the reference: textbook rank-bm25 (Okapi k1 1.5 b 0.75, the question's words as typed).
- `refusal`: for each no-answer rule, the share of answerable questions refused (and of those with a relevant
  paragraph in their top 10), and the share of unanswerable ones refused: SQuAD questions over their half without
  their article, SQuAD questions over the story, and the story's own unanswerable questions.
- `cut`: for each rule cutting passages far weaker than the first, on the first page of 3: passages shown per
  question, precision (relevant shown / shown) and recall (questions whose relevant paragraph is shown), with the
  same figures for no cut.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answers.coverage import AnswerRule, CutRule, framing_terms, profile
from answers.engine import EngineSettings, SearchEngine
from bench.protocol_data import (
    SHARED_DATASETS,
    WEAK_QUESTIONS,
    Collection,
    QuerySet,
    absent_article_sets,
    query_sets,
    story_collection,
)
from bot.core.settings import SearchSettings
from evaluation.metrics import evaluate
from index.bm25 import BM25Params, CompiledIndex
from index.paragraphs import ParagraphIndex
from index.tokenizer import Tokenizer
from testing.story_questions import QUESTIONS

DEPTH = 100
REFERENCE = EngineSettings(bm25=BM25Params(k1=1.5, b=0.75), read_questions=False)
# The per-corpus override config.example.toml gives for collections of long abstracts: scifact-dev's best row.
LONG_ABSTRACTS = BM25Params(k1=1.2, b=0.4)


def shipped() -> EngineSettings:
    """The engine settings the bot ships with (bot/core/settings.py's [search] defaults)."""
    return SearchSettings().engine_settings()


class Engines:
    """Engines over the protocol's collections; indexes cached per collection and BM25 parameters."""

    def __init__(self) -> None:
        self._indexes: dict[tuple[str, str, str], CompiledIndex] = {}

    def engine(self, collection: Collection, settings: EngineSettings) -> SearchEngine:
        """An engine over `collection` with `settings` (the index built once per scoring parameters)."""
        tokenizer = Tokenizer(settings.tokenizer)
        key = (collection.name, tokenizer.fingerprint, settings.bm25.fingerprint)
        if key not in self._indexes:
            self._indexes[key] = CompiledIndex.build(collection.terms(tokenizer), settings.bm25)
        return SearchEngine(ParagraphIndex(collection.articles, settings.index, self._indexes[key]), settings)


def ranking_metrics(engines: Engines, query_set: QuerySet, settings: EngineSettings) -> dict[str, float]:
    """nDCG@10, Recall@100 and MRR@10 of the engine's answer order (refusals not applied)."""
    engine = engines.engine(query_set.collection, settings)
    ids = query_set.collection.doc_ids
    run = {}
    for query_id, text in query_set.queries.items():
        ranked = engine.rank(text, DEPTH).ranked[:DEPTH]
        run[query_id] = [(ids[doc], float(DEPTH - n)) for n, (doc, _) in enumerate(ranked)]  # keep the policy's order
    return evaluate(run, query_set.qrels)


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def ranking_settings() -> list[tuple[str, EngineSettings]]:
    """The ranking rows: the reference, a modest grid of Okapi k1 × b, with and without question reading."""
    rows = [("rank-bm25 textbook (reference)", REFERENCE)]
    for k1 in (0.9, 1.2, 1.5, 2.2):
        for b in (0.4, 0.75, 0.85):
            rows.append((f"okapi k1 {k1:g} b {b:g}", EngineSettings(bm25=BM25Params(k1=k1, b=b))))
    rows.append(
        ("okapi k1 2.2 b 0.85, words as typed", EngineSettings(bm25=BM25Params(k1=2.2, b=0.85), read_questions=False))
    )
    rows.append(("shipped defaults", shipped()))
    return rows


def with_override(query_set: QuerySet) -> EngineSettings:
    """The shipped defaults, with the long-abstract override on the sets of long abstracts."""
    return replace(shipped(), bm25=LONG_ABSTRACTS) if query_set.kind == "long" else shipped()


def section_ranking(engines: Engines, sets: Sequence[QuerySet]) -> None:
    """nDCG@10 of every ranking setting on every set (then R@100 and MRR@10)."""
    results = {}
    for label, settings in ranking_settings():
        results[label] = {s.name: ranking_metrics(engines, s, settings) for s in sets}
    results["shipped, long-abstract override on long sets"] = {
        s.name: ranking_metrics(engines, s, with_override(s)) for s in sets
    }
    reference = results["rank-bm25 textbook (reference)"]
    for metric in ("nDCG@10", "Recall@100", "MRR@10"):
        header = ["setting"] + [f"{s.name}" for s in sets]
        rows = []
        for label, by_set in results.items():
            cells = [label]
            for s in sets:
                value = by_set[s.name][metric]
                delta = value - reference[s.name][metric]
                cells.append(f"{value:.4f}" + ("" if label.startswith("rank-bm25") else f" ({delta:+.4f})"))
            rows.append(cells)
        print(f"\n{metric} (in brackets: difference from the reference)\n")
        print(table(header, rows))
    override = results["shipped, long-abstract override on long sets"]
    held_out = [s for s in sets if s.side == "test"]
    if held_out:
        deltas = [override[s.name]["nDCG@10"] - reference[s.name]["nDCG@10"] for s in held_out]
        print(
            f"\nheld-out sets, shipped with the override: nDCG@10 vs the reference, worst {min(deltas):+.4f}, "
            f"mean {sum(deltas) / len(deltas):+.4f}"
        )


def first_profiles(engines: Engines, query_set: QuerySet, settings: EngineSettings) -> list[tuple[object, bool]]:
    """For each query: its first passage's Profile (None when nothing matched) and whether a relevant one is in the
    top 10."""
    engine = engines.engine(query_set.collection, replace(settings, answer_rule=AnswerRule()))
    framing = framing_terms(settings.tokenizer)
    ids = query_set.collection.doc_ids
    found = []
    for query_id, text in query_set.queries.items():
        ranking = engine.rank(text, 10)
        judged = query_set.qrels.get(query_id, {})
        top10 = any(judged.get(ids[doc], 0) > 0 for doc, _ in ranking.ranked[:10])
        if ranking.no_match is not None or not ranking.ranked:
            found.append((None, top10))
        elif ranking.phrase_docs:
            found.append(("phrase", top10))
        else:
            found.append((profile(engine.index, ranking.terms, ranking.ranked[0][0], framing), top10))
    return found


def refused(found: object, rule: AnswerRule) -> bool:
    """Whether `rule` refuses a question with this first-passage profile (None: nothing found, always refused)."""
    if found is None:
        return True
    if found == "phrase" or rule.min_coverage <= 0:
        return False
    if rule.enough_terms and found.matched >= rule.enough_terms:  # type: ignore[attr-defined]
        return False
    return found.coverage < rule.min_coverage  # type: ignore[attr-defined]


REFUSAL_RULES = [AnswerRule(0.0), *(AnswerRule(t) for t in (0.2, 0.25, 0.3, 0.35, 0.4, 0.5))] + [
    AnswerRule(t, n) for t in (0.25, 0.3, 0.35, 0.4, 0.5) for n in (2, 3, 4)
]


def section_refusal(engines: Engines, sets: Sequence[QuerySet], settings: EngineSettings) -> None:
    """Wrongly and correctly refused questions under each no-answer rule."""
    answerable = {s.name: first_profiles(engines, s, settings) for s in sets}
    unanswerable: dict[str, list[tuple[object, bool]]] = {}
    story = story_collection()
    for s in sets:
        if s.name.startswith("squad-"):
            profiles = []
            for absent in absent_article_sets(s):
                profiles += first_profiles(engines, absent, settings)
            unanswerable[f"{s.name} absent"] = profiles
            on_story = QuerySet(f"{s.name}-on-story", story, s.queries, {}, s.side, "questions")
            unanswerable[f"{s.name} on story"] = first_profiles(engines, on_story, settings)
    weak = QuerySet("story-weak", story, {f"w{n}": q for n, q in enumerate(WEAK_QUESTIONS)}, {}, "sanity", "questions")
    unanswerable["story unanswerable"] = first_profiles(engines, weak, settings)
    header = ["rule"] + [f"{name} refused (with top-10 answer)" for name in answerable]
    header += [f"{name} refused" for name in unanswerable]
    rows = []
    for rule in REFUSAL_RULES:
        label = f"coverage < {rule.min_coverage:g}" + (
            f" unless ≥ {rule.enough_terms} terms" if rule.enough_terms else ""
        )
        cells = [label if rule.min_coverage else "never (only no match)"]
        for profiles in answerable.values():
            wrong = [top10 for found, top10 in profiles if refused(found, rule)]
            cells.append(f"{100 * len(wrong) / len(profiles):.1f}% ({100 * sum(wrong) / len(profiles):.1f}%)")
        for profiles in unanswerable.values():
            right = sum(refused(found, rule) for found, _ in profiles)
            cells.append(f"{100 * right / len(profiles):.1f}%")
        rows.append(cells)
    print(
        f"\nNo-answer rules (ranking: {describe(settings)}); answerable sets: share refused, in brackets refused "
        "although a relevant paragraph was in the top 10; unanswerable sets: share refused\n"
    )
    print(table(header, rows))


CUT_RULES = [CutRule()] + [CutRule(r, c) for r in (0.3, 0.4, 0.5, 0.55, 0.6) for c in (0.0, 0.25, 0.5, 0.75)]


def section_cut(engines: Engines, sets: Sequence[QuerySet], settings: EngineSettings, page: int = 3) -> None:
    """Passages shown, precision and recall of the first page under each cut rule."""
    chosen = [s for s in sets if s.kind == "questions"]
    header = ["cut rule"] + [f"{s.name} shown / precision / recall" for s in chosen]
    rows = []
    for rule in CUT_RULES:
        cells = [
            f"score ≥ {rule.score_ratio:g}×best, coverage ≥ {rule.coverage_ratio:g}×best's"
            if rule.score_ratio or rule.coverage_ratio
            else "no cut"
        ]
        for s in chosen:
            engine = engines.engine(s.collection, replace(settings, cut=rule, answer_rule=AnswerRule()))
            ids = s.collection.doc_ids
            shown_counts, relevant_shown, answered = [], 0, 0
            for query_id, text in s.queries.items():
                ranking = engine.rank(text, page)
                shown = [ids[doc] for doc, _ in ranking.shown[:page]]
                good = sum(s.qrels[query_id].get(doc, 0) > 0 for doc in shown)
                shown_counts.append(len(shown))
                relevant_shown += good
                answered += good > 0
            total = sum(shown_counts)
            cells.append(
                f"{statistics.mean(shown_counts):.2f} / {relevant_shown / max(total, 1):.3f} / "
                f"{answered / len(s.queries):.3f}"
            )
        rows.append(cells)
    print(f"\nCut of weak passages, first page of {page} (ranking: {describe(settings)})\n")
    print(table(header, rows))


def describe(settings: EngineSettings) -> str:
    """The settings in one short line."""
    p = settings.bm25
    return (
        f"{p.variant} k1 {p.k1:g} b {p.b:g}, questions read: {settings.read_questions}, "
        f"refusal {settings.answer_rule}, cut {settings.cut}"
    )


def main() -> None:
    """Run the chosen sections on the chosen sides."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=SHARED_DATASETS)
    parser.add_argument("--sections", default="ranking,refusal,cut")
    parser.add_argument("--sides", default="dev,test,sanity", help="which sides' sets to run (dev while tuning)")
    args = parser.parse_args()
    started = time.perf_counter()
    sides = set(args.sides.split(","))
    sets = [s for s in query_sets(args.datasets, QUESTIONS) if s.side in sides]
    engines = Engines()
    described = [f"{s.name} ({len(s.queries)} queries, {len(s.collection.doc_ids)} paragraphs)" for s in sets]
    print(f"sets: {', '.join(described)}")
    print(f"shipped defaults: {describe(shipped())}")
    sections = set(args.sections.split(","))
    if "ranking" in sections:
        section_ranking(engines, sets)
    if "refusal" in sections:
        section_refusal(engines, sets, replace(shipped(), answer_rule=AnswerRule(), cut=CutRule()))
    if "cut" in sections:
        section_cut(engines, sets, shipped())
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
