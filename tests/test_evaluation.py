"""Evaluation with trec_eval semantics: metrics checked against hand arithmetic, BEIR loading, run files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from evaluation.beir import BeirFormatError, load_beir
from evaluation.metrics import (
    evaluate,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
    trec_order,
    write_trec_run,
)

CRANFIELD = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "cranfield"

GRADED_QREL = {"d1": 3, "d2": 2, "d3": 1, "d9": 0}
# Deliberately not in score order: the metrics must sort it themselves.
FIVE_DOCS = [("d3", 5.0), ("d5", 9.0), ("d1", 6.0), ("d2", 8.0), ("d9", 7.0)]


def test_ndcg_matches_the_hand_computed_value_for_graded_judgments() -> None:
    # Ranked by score: d5 (grade 0), d2 (2), d9 (judged 0), d1 (3), d3 (1); gain = grade, discount log2(rank + 1).
    # DCG  = 2/log2(3) + 3/log2(5) + 1/log2(6)
    #      = 2/1.5849625007 + 3/2.3219280949 + 1/2.5849625007 = 1.2618595071 + 1.2920296742 + 0.3868528072
    #      = 2.9407419886
    # IDCG = grades 3, 2, 1 at ranks 1-3 = 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 1.2618595071 + 0.5 = 4.7618595071
    # nDCG = 2.9407419886 / 4.7618595071 = 0.6175616866
    assert ndcg_at_k(FIVE_DOCS, GRADED_QREL, 10) == pytest.approx(0.6175616866, abs=1e-9)
    expected = (2 / math.log2(3) + 3 / math.log2(5) + 1 / math.log2(6)) / (3 + 2 / math.log2(3) + 0.5)
    assert ndcg_at_k(FIVE_DOCS, GRADED_QREL, 10) == pytest.approx(expected, abs=1e-12)


def test_ndcg_cutoff_applies_to_the_ranking_and_to_the_ideal() -> None:
    # @2: DCG = 0 + 2/log2(3); IDCG = 3 + 2/log2(3) (only the two best grades fit).
    expected = (2 / math.log2(3)) / (3 + 2 / math.log2(3))
    assert ndcg_at_k(FIVE_DOCS, GRADED_QREL, 2) == pytest.approx(expected, abs=1e-12)
    perfect = [("d1", 3.0), ("d2", 2.0), ("d3", 1.0)]
    assert ndcg_at_k(perfect, GRADED_QREL, 10) == pytest.approx(1.0)


def test_recall_and_mrr_on_the_graded_example() -> None:
    assert recall_at_k(FIVE_DOCS, GRADED_QREL, 100) == pytest.approx(1.0)
    assert recall_at_k(FIVE_DOCS, GRADED_QREL, 2) == pytest.approx(1 / 3)  # only d2 of d1, d2, d3
    assert mrr_at_k(FIVE_DOCS, GRADED_QREL, 10) == pytest.approx(1 / 2)  # d2 at rank 2


def test_ties_are_broken_by_doc_id_descending_as_trec_eval_does() -> None:
    tied = [("a", 1.0), ("10", 1.0), ("c", 1.0), ("9", 1.0), ("z", 2.0)]
    # String comparison, not numeric: "9" > "10".
    assert [doc for doc, _ in trec_order(tied)] == ["z", "c", "a", "9", "10"]
    assert mrr_at_k(tied, {"a": 1}, 10) == pytest.approx(1 / 3)
    assert mrr_at_k(tied, {"10": 1}, 10) == pytest.approx(1 / 5)
    assert ndcg_at_k(tied, {"c": 1}, 10) == pytest.approx(1 / math.log2(3))


def test_grade_zero_and_unjudged_documents_are_not_relevant() -> None:
    ranking = [("judged-zero", 3.0), ("unjudged", 2.0)]
    qrel = {"judged-zero": 0, "wanted": 2}
    assert ndcg_at_k(ranking, qrel) == 0.0
    assert recall_at_k(ranking, qrel) == 0.0
    assert mrr_at_k(ranking, qrel) == 0.0


def test_relevant_document_beyond_the_cutoff_does_not_count() -> None:
    ranking = [(f"miss{i:02d}", 100.0 - i) for i in range(10)] + [("hit", 1.0)]
    assert mrr_at_k(ranking, {"hit": 1}, 10) == 0.0
    assert ndcg_at_k(ranking, {"hit": 1}, 10) == 0.0
    assert mrr_at_k(ranking, {"hit": 1}, 11) == pytest.approx(1 / 11)
    assert recall_at_k(ranking, {"hit": 1, "other": 1}, 100) == pytest.approx(1 / 2)


def test_empty_ranking_scores_zero_and_bad_rankings_are_rejected() -> None:
    assert ndcg_at_k([], GRADED_QREL) == 0.0
    assert recall_at_k([], GRADED_QREL) == 0.0
    with pytest.raises(ValueError, match="twice"):
        ndcg_at_k([("d1", 2.0), ("d1", 1.0)], GRADED_QREL)
    with pytest.raises(ValueError, match="NaN"):
        mrr_at_k([("d1", math.nan)], GRADED_QREL)
    with pytest.raises(ValueError, match="k must be"):
        recall_at_k(FIVE_DOCS, GRADED_QREL, 0)


def test_evaluate_averages_over_queries_with_relevant_documents() -> None:
    qrels = {
        "q1": {"a": 1},  # found at rank 1
        "q2": {"b": 2},  # missing from the run: counts as 0
        "q3": {"c": 0},  # nothing relevant: skipped
    }
    run = {"q1": [("a", 1.0)], "q3": [("c", 1.0)], "not-judged": [("x", 1.0)]}
    assert evaluate(run, qrels) == pytest.approx({"nDCG@10": 0.5, "Recall@100": 0.5, "MRR@10": 0.5})
    with pytest.raises(ValueError, match="no query"):
        evaluate(run, {"q3": {"c": 0}})


def test_trec_run_file_lists_each_ranking_in_scoring_order(tmp_path: Path) -> None:
    path = tmp_path / "run.trec"
    path.write_text("old content\n")
    write_trec_run({"7": [("b", 0.5), ("a", 0.5), ("c", 0.1 + 0.2)]}, path, "storybot-bm25")
    assert path.read_text().splitlines() == [
        "7 Q0 b 1 0.5 storybot-bm25",
        "7 Q0 a 2 0.5 storybot-bm25",
        "7 Q0 c 3 0.30000000000000004 storybot-bm25",
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["run.trec"]  # no temporary file left behind
    assert path.stat().st_mode & 0o777 == 0o644


def test_trec_run_rejects_whitespace_in_tag_or_ids(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="tag"):
        write_trec_run({"1": [("a", 1.0)]}, tmp_path / "run", "two words")
    with pytest.raises(ValueError, match="whitespace"):
        write_trec_run({"1": [("a b", 1.0)]}, tmp_path / "run", "tag")
    assert not (tmp_path / "run").exists()


def write_dataset(root: Path, qrels_text: str, queries: list[dict[str, object]] | None = None) -> Path:
    """A tiny BEIR-layout collection in `root`."""
    (root / "qrels").mkdir(parents=True)
    docs = [{"_id": "d1", "title": "Wings", "text": "lift on wings"}, {"_id": "d2", "text": "no title here"}]
    (root / "corpus.jsonl").write_text("".join(json.dumps(doc) + "\n" for doc in docs))
    queries = queries or [
        {"_id": "1", "text": "what lifts"},
        {"_id": "2", "text": "train only"},
        {"_id": 3, "text": "x"},
    ]
    (root / "queries.jsonl").write_text("".join(json.dumps(query) + "\n" for query in queries))
    (root / "qrels" / "test.tsv").write_text(qrels_text)
    return root


def test_load_beir_reads_a_tiny_dataset(tmp_path: Path) -> None:
    root = write_dataset(tmp_path, "query-id\tcorpus-id\tscore\n1\td1\t2\n1\td2\t0\n3\td2\t1\n")
    dataset = load_beir(root)
    assert dataset.corpus == {"d1": ("Wings", "lift on wings"), "d2": ("", "no title here")}
    assert dataset.queries == {"1": "what lifts", "3": "x"}  # query 2 has no judgments
    assert dataset.qrels == {"1": {"d1": 2, "d2": 0}, "3": {"d2": 1}}


@pytest.mark.parametrize(
    ("qrels_text", "line", "problem"),
    [
        ("query-id\tcorpus-id\tscore\n1\td1\t1\n1 d2 1\n", 3, "3 tab-separated fields"),
        ("query-id\tcorpus-id\tscore\n1\td1\thigh\n", 2, "not an integer"),
        ("query-id\tcorpus-id\tscore\n1\td1\t-1\n", 2, "negative"),
        ("query-id\tcorpus-id\tscore\n1\td1\t1\n1\td1\t2\n", 3, "twice"),
        ("1\td1\t1\n", 1, "header"),
    ],
)
def test_malformed_qrels_line_is_an_error_naming_file_and_line(
    tmp_path: Path, qrels_text: str, line: int, problem: str
) -> None:
    write_dataset(tmp_path, qrels_text)
    with pytest.raises(BeirFormatError, match=problem) as caught:
        load_beir(tmp_path)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{tmp_path / 'qrels' / 'test.tsv'}:{line}: ")


def test_malformed_jsonl_and_unknown_query_are_errors(tmp_path: Path) -> None:
    write_dataset(tmp_path / "a", "query-id\tcorpus-id\tscore\n1\td1\t1\n", queries=[{"_id": "1"}])
    with pytest.raises(BeirFormatError, match=r"queries\.jsonl:1: missing or invalid 'text'"):
        load_beir(tmp_path / "a")
    write_dataset(tmp_path / "b", "query-id\tcorpus-id\tscore\n9\td1\t1\n")
    with pytest.raises(BeirFormatError, match=r"query '9' is not in queries\.jsonl"):
        load_beir(tmp_path / "b")
    root = write_dataset(tmp_path / "c", "query-id\tcorpus-id\tscore\n1\td1\t1\n")
    (root / "corpus.jsonl").write_text('{"_id": "d1", "text": "ok"}\n{"_id": "d2", "text": \n')
    with pytest.raises(BeirFormatError, match=r"corpus\.jsonl:2: invalid JSON"):
        load_beir(root)


@pytest.mark.skipif(not CRANFIELD.is_dir(), reason="shared Cranfield data set not available")
def test_real_cranfield_collection_loads_with_its_graded_judgments() -> None:
    dataset = load_beir(CRANFIELD)
    assert len(dataset.corpus) == 1_400
    assert len(dataset.queries) == 225
    # All 1,837 rows are kept, the 225 grade-0 ("not relevant") rows included; 1,612 are relevant.
    grades = [grade for qrel in dataset.qrels.values() for grade in qrel.values()]
    assert len(grades) == 1_837
    assert sorted(set(grades)) == [0, 1, 2, 3, 4]
    assert sum(1 for grade in grades if grade > 0) == 1_612
    assert all(doc_id in dataset.corpus for qrel in dataset.qrels.values() for doc_id in qrel)
    assert dataset.queries["1"].startswith("what similarity laws must be obeyed")
    # A run that returns each query's judged documents best grade first is perfect on every measure.
    perfect = {q: [(d, float(g)) for d, g in qrel.items() if g > 0] for q, qrel in dataset.qrels.items()}
    assert evaluate(perfect, dataset.qrels) == pytest.approx({"nDCG@10": 1.0, "Recall@100": 1.0, "MRR@10": 1.0})
