"""`python -m bot eval DATASET [--run FILE]` on a tiny BEIR data set whose figures are worked out by hand."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from bot.terminal.cli import main

# Every matched word occurs in exactly one document, so every idf is equal; the rankings below hold for any k1, b.
DOCS = [
    {"_id": "d1", "title": "Wing lift", "text": "Lift on aircraft wings at low speed."},
    {"_id": "d2", "title": "Boundary layers", "text": "Transition on flat plates in a wind tunnel."},
    {"_id": "d3", "title": "", "text": "Supersonic flow over cones."},
    {"_id": "d4", "title": "Kitchen", "text": "Cooking pasta with tomato sauce."},
]
QUERIES = [
    {"_id": "q1", "text": "wing lift at low speed"},  # only d1 matches: relevant at rank 1
    {"_id": "q2", "text": "flow around cones and plates"},  # d3 (two words, shorter) above d2 (one word)
    {"_id": "q3", "text": "quantum chromodynamics"},  # nothing matches
    {"_id": "train", "text": "pasta"},  # not in the test qrels: neither evaluated nor written
]
QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq2\td4\t0\nq3\td2\t1\n"


def write_dataset(root: Path) -> Path:
    """The tiny collection in BEIR layout under `root`."""
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("".join(json.dumps(doc) + "\n" for doc in DOCS), encoding="utf-8")
    (root / "queries.jsonl").write_text("".join(json.dumps(query) + "\n" for query in QUERIES), encoding="utf-8")
    (root / "qrels" / "test.tsv").write_text(QRELS, encoding="utf-8")
    return root


def figures(output: str) -> dict[str, float]:
    """The metric lines of the eval's output."""
    return {
        name: float(value) for name, value in re.findall(r"^(nDCG@10|Recall@100|MRR@10)\s+([0-9.]+)$", output, re.M)
    }


def test_eval_prints_the_hand_computed_metrics_and_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dataset = write_dataset(tmp_path / "tiny")
    assert main(["eval", str(dataset), "--state", str(tmp_path / "state")]) == 0
    out = capsys.readouterr().out
    # q1: d1 first -> nDCG 1, recall 1, RR 1. q2: its relevant d2 second -> nDCG 1/log2(3), recall 1, RR 1/2.
    # q3: nothing found -> 0 on all three. Means over the 3 judged queries:
    assert figures(out) == pytest.approx(
        {"nDCG@10": (1 + 1 / math.log2(3)) / 3, "Recall@100": 2 / 3, "MRR@10": 1.5 / 3}, abs=5e-5
    )
    assert "4 documents, 3 test queries" in out
    assert re.search(r"settings: variant=\w+ k1=[0-9.]+ b=[0-9.]+ .*stemming=on stop_words=on", out)
    assert re.search(r"queries: 3 ranked for their top 100 in [0-9.]+ s", out)


def test_eval_uses_the_configured_search_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dataset = write_dataset(tmp_path / "tiny")
    config = tmp_path / "config.toml"
    config.write_text('[search]\nvariant = "plus"\nk1 = 1.2\nb = 0.5\nstemming = false\n', encoding="utf-8")
    assert main(["eval", str(dataset), "--config", str(config), "--state", str(tmp_path / "state")]) == 0
    out = capsys.readouterr().out
    assert "variant=plus k1=1.2 b=0.5 delta=1 stemming=off" in out
    # Without stemming `wing` no longer finds `wings`, but d1 still holds `wing`, `lift`, `low`, `speed`: same figures.
    assert figures(out)["MRR@10"] == pytest.approx(0.5, abs=5e-5)


def test_run_file_lists_each_ranking_in_trec_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dataset = write_dataset(tmp_path / "tiny")
    run = tmp_path / "out" / "tiny.run"
    run.parent.mkdir()
    assert main(["eval", str(dataset), "--run", str(run), "--state", str(tmp_path / "state")]) == 0
    assert str(run) in capsys.readouterr().out
    rows = [line.split(" ") for line in run.read_text(encoding="utf-8").splitlines()]
    assert all(len(row) == 6 and row[1] == "Q0" and row[5] == "storybot-bm25" for row in rows)
    assert [(row[0], row[2], row[3]) for row in rows] == [("q1", "d1", "1"), ("q2", "d3", "1"), ("q2", "d2", "2")]
    scores = [float(row[4]) for row in rows]
    assert all(score > 0 for score in scores)
    assert scores[1] > scores[2], "a query's lines go best score first"


def test_missing_data_set_or_file_is_named_in_one_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = ["--state", str(tmp_path / "state")]
    assert main(["eval", str(tmp_path / "nowhere"), *state]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'nowhere'}: data set folder not found" in err

    dataset = write_dataset(tmp_path / "tiny")
    (dataset / "qrels" / "test.tsv").unlink()
    assert main(["eval", str(dataset), *state]) == 2
    err = capsys.readouterr().err
    assert f"{dataset / 'qrels' / 'test.tsv'}: file not found" in err
    assert "Traceback" not in err

    (dataset / "qrels" / "test.tsv").write_text(QRELS, encoding="utf-8")
    (dataset / "corpus.jsonl").unlink()
    assert main(["eval", str(dataset), *state]) == 2
    assert f"{dataset / 'corpus.jsonl'}: file not found" in capsys.readouterr().err


def test_eval_reports_the_no_answer_rule_and_what_it_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = write_dataset(tmp_path / "tiny")
    # One word of five is in the collection (d4): the rule refuses it although its one matching document is relevant.
    weak = {"_id": "q5", "text": "pasta recipes zeppelin quantum chromodynamics"}
    with (dataset / "queries.jsonl").open("a", encoding="utf-8") as queries:
        queries.write(json.dumps(weak) + "\n")
    (dataset / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq5\td4\t1\n", encoding="utf-8")
    state = ["--state", str(tmp_path / "state")]
    assert main(["eval", str(dataset), *state]) == 0
    out = capsys.readouterr().out
    assert (
        "min_coverage 0.35 (unless it holds 3 of the question's words): 1 of 2 queries refused, 1 of which had a "
        "relevant document in their top 10; nDCG@10 with those refusals 0.5000" in out
    )
    assert figures(out)["nDCG@10"] == pytest.approx(1.0, abs=5e-5), "the figures themselves are before refusals"

    off = tmp_path / "off.toml"
    off.write_text("[search]\nmin_coverage = 0\n", encoding="utf-8")
    assert main(["eval", str(dataset), "--config", str(off), *state]) == 0
    assert "min_coverage 0: no query refused" in capsys.readouterr().out
