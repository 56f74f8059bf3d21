"""`python -m bot eval DATASET_DIR [--run FILE]`: retrieval quality of the configured search on a BEIR data set.

The data set is ranked as the bot answers members (evaluation/runner.py), and nDCG@10, Recall@100 and MRR@10 are
printed with trec_eval's semantics (evaluation/metrics.py), together with the settings used, the time taken, and
what the no-answer rule (answers/coverage.py) would cost on this set.
"""

from __future__ import annotations

import sys
from pathlib import Path

from answers.coverage import AnswerRule
from bot.core.settings import SearchSettings, Settings
from evaluation.beir import BeirFormatError
from evaluation.metrics import write_trec_run
from evaluation.runner import TOP_K, Evaluation, as_run, evaluate_dataset

RUN_TAG = "storybot-bm25"


def run_evaluation(settings: Settings, dataset_dir: Path, run_path: Path | None) -> int:
    """Evaluate the configured search on the BEIR data set in `dataset_dir`, print the figures; the exit status."""
    search = settings.search
    if not dataset_dir.is_dir():
        print(f"error: {dataset_dir}: data set folder not found", file=sys.stderr)
        return 2
    if run_path is not None and (run_path.is_dir() or not run_path.parent.is_dir()):
        problem = "is a folder" if run_path.is_dir() else f"cannot be written: the folder {run_path.parent} is missing"
        print(f"error: the run file {run_path} {problem}", file=sys.stderr)  # said before the evaluation, not after
        return 2
    engine_settings = search.engine_settings()
    try:
        done = evaluate_dataset(dataset_dir, engine_settings)
    except BeirFormatError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"error: {dataset_dir}: {error}", file=sys.stderr)
        return 2
    print_evaluation(done, dataset_dir, search, engine_settings.answer_rule)
    if run_path is not None:
        try:
            write_trec_run(as_run(done.ranked), run_path, RUN_TAG)
        except (OSError, ValueError) as error:
            print(f"error: cannot write the run file {run_path}: {error}", file=sys.stderr)
            return 1
        print(f"run file: {run_path} (qid Q0 docid rank score {RUN_TAG})")
    return 0


def print_evaluation(done: Evaluation, dataset_dir: Path, search: SearchSettings, rule: AnswerRule) -> None:
    """The figures of one evaluation, a line each."""
    dataset, index, seconds = done.dataset, done.engine.index, done.seconds
    print(f"data set: {dataset_dir} ({len(dataset.corpus):,} documents, {len(dataset.queries):,} test queries)")
    print(f"settings: {describe_settings(search)}")
    print(
        f"index: {index.term_count:,} terms, {index.posting_count:,} postings; loaded {seconds['load']:.2f} s, "
        f"indexed {seconds['index']:.2f} s"
    )
    rate = len(done.ranked) / seconds["rank"] if seconds["rank"] > 0 else float("inf")
    print(
        f"queries: {len(done.ranked):,} ranked for their top {TOP_K} in {seconds['rank']:.2f} s ({rate:,.0f} queries/s)"
    )
    for name, value in done.metrics.items():
        print(f"{name:<11} {value:.4f}")
    refused, lost, after = done.refusals()
    if not refused:
        print(f"{describe_rule(rule)}: no query refused")
    else:
        print(
            f"{describe_rule(rule)}: {refused} of {len(done.ranked)} queries refused, {lost} of which had a "
            f"relevant document in their top 10; nDCG@10 with those refusals {after:.4f}"
        )


def describe_settings(search: SearchSettings) -> str:
    """The settings that change the figures, as one line."""
    params = search.bm25_params()
    parts = [f"variant={params.variant}", f"k1={params.k1:g}", f"b={params.b:g}"]
    parts.append(f"epsilon={params.epsilon:g}" if params.variant == "okapi" else f"delta={params.effective_delta:g}")
    parts += [f"stemming={_on(search.stemming)}", f"stop_words={_on(search.stop_words)}"]
    parts.append(f"min_coverage={search.min_coverage:g} enough_terms={search.enough_terms}")
    parts.append(f"plain_bm25={_on(search.plain_bm25)}")
    return " ".join(parts)


def describe_rule(rule: AnswerRule) -> str:
    """The no-answer rule in a few words."""
    if rule.min_coverage <= 0:
        return "min_coverage 0"
    unless = f" (unless it holds {rule.enough_terms} of the question's words)" if rule.enough_terms else ""
    return f"min_coverage {rule.min_coverage:g}{unless}"


def _on(flag: bool) -> str:
    return "on" if flag else "off"
