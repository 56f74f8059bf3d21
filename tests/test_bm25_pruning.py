"""The compiled top k (float32 approximate scores, a band, exact rescoring) returns exactly the exhaustive top k."""

from __future__ import annotations

import random
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.bm25 import BM25Params, CompiledIndex
from tests.bm25_strategies import STRATEGIES, forced

VOCABULARY = [f"w{i}" for i in range(12)]
ZIPF = [1 / (rank + 1) for rank in range(len(VOCABULARY))]


def exhaustive(index: CompiledIndex, query: list[str], k: int) -> list[tuple[int, float]]:
    """Every document with a query word scored, the positive ones best first (ties by lower document), the first k.

    (BM25+ gives a document without any query word delta·idf: not an answer.)
    """
    scores = index.scores(query, np.arange(index.doc_count))
    eligible = {int(doc) for term in query for doc in index.matching_docs(term)}
    ranked = sorted((doc for doc in eligible if scores[doc] > 0), key=lambda doc: (-scores[doc], doc))
    return [(doc, float(scores[doc])) for doc in ranked[:k]]


def zipf_docs(rng: random.Random, count: int, longest: int = 40) -> list[list[str]]:
    return [rng.choices(VOCABULARY, ZIPF, k=rng.randint(0, longest)) for _ in range(count)]


@st.composite
def corpora(draw: st.DrawFn) -> list[list[str]]:
    """Zipf-like documents: a few frequent words, many rare ones, lengths 0–40 (so many scores tie)."""
    return zipf_docs(random.Random(draw(st.integers(0, 2**32))), draw(st.integers(1, 300)))


@settings(max_examples=60, deadline=None)
@given(
    docs=corpora(),
    query=st.lists(st.sampled_from([*VOCABULARY, "unknown"]), min_size=1, max_size=6),
    k=st.integers(1, 15),
    variant=st.sampled_from(["okapi", "plus", "l"]),
    k1=st.floats(0.1, 3.0),
    b=st.floats(0.0, 1.0),
)
def test_every_strategy_returns_exactly_the_exhaustive_top_k(
    docs: list[list[str]], query: list[str], k: int, variant: str, k1: float, b: float
) -> None:
    params = BM25Params(variant=variant, k1=k1, b=b)
    with pytest.MonkeyPatch.context() as monkeypatch:
        forced("numpy", monkeypatch)
        expected = exhaustive(CompiledIndex.build(docs, params), query, k)
    for strategy in STRATEGIES:
        with pytest.MonkeyPatch.context() as monkeypatch:
            forced(strategy, monkeypatch)
            assert CompiledIndex.build(docs, params).top_k(query, k) == expected, strategy


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_query_of_only_frequent_words_over_thousands_of_documents_matches_scoring_them_all(
    strategy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    forced(strategy, monkeypatch)
    rng = random.Random(9)
    docs = [rng.choices(VOCABULARY[:4], [8, 4, 2, 1], k=rng.randint(5, 50)) for _ in range(20_000)]
    index = CompiledIndex.build(docs, BM25Params(variant="plus"))
    for query in (["w0", "w1"], ["w0", "w1", "w2", "w3"], ["w2", "w2", "w3"]):
        assert index.top_k(query, 10) == exhaustive(index, query, 10)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_scores_rising_with_the_document_number_keep_every_contender(
    strategy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each document beats all before it, so every one is a contender when it is read: the kernel's buffer of
    # candidates fills, is cut down to those that can still make the top k, and grows when that is not enough.
    forced(strategy, monkeypatch)
    docs = [["w"] * (1 + doc // 7) + ["pad"] * 3 for doc in range(6_000)] + [["other"]] * 2_000
    index = CompiledIndex.build(docs, BM25Params(b=0.0))
    for k in (1, 10, 500):
        assert index.top_k(["w"], k) == exhaustive(index, ["w"], k)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_many_queries_in_a_row_on_one_index_each_match_scoring_every_document(
    strategy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kernels keep a float32 score per document between queries and must leave it all zero after each, however
    # they were added up: columns and postings together, few postings, many postings.
    forced(strategy, monkeypatch)
    rng = random.Random(4)
    words = [f"v{i}" for i in range(300)]
    zipf = [1 / (rank + 1) for rank in range(len(words))]
    docs = [rng.choices(words, zipf, k=rng.randint(0, 40)) for _ in range(3_000)]
    index = CompiledIndex.build(docs, BM25Params(variant="l"))
    for _ in range(60):
        query = rng.choices([*words, "unknown"], [*zipf, 0.05], k=rng.randint(1, 5))
        k = rng.choice([1, 3, 10, 50])
        assert index.top_k(query, k) == exhaustive(index, query, k)


@pytest.mark.parametrize("strategy", ["kernel", "kernel-postings"])
def test_queries_from_several_threads_at_once_answer_as_one_at_a_time(
    strategy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    forced(strategy, monkeypatch)
    rng = random.Random(6)
    index = CompiledIndex.build(zipf_docs(rng, 20_000), BM25Params())
    queries = [rng.choices(VOCABULARY, ZIPF, k=rng.randint(1, 4)) for _ in range(60)]
    expected = [index.top_k(query, 10) for query in queries]
    answers: dict[int, list[list[tuple[int, float]]]] = {}

    def ask(worker: int) -> None:
        answers[worker] = [index.top_k(query, 10) for query in queries[worker::2] + queries[1 - worker :: 2]]

    threads = [threading.Thread(target=ask, args=(worker,)) for worker in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for worker in range(2):
        assert answers[worker] == expected[worker::2] + expected[1 - worker :: 2]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_documents_beyond_the_first_65536_are_found_and_ranked(strategy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Document numbers are kept as 16 bits within chunks of 65,536: terms spanning chunks, and the last, partial one.
    forced(strategy, monkeypatch)
    rng = random.Random(8)
    docs = [rng.choices(VOCABULARY[:6], k=rng.randint(1, 4)) for _ in range(140_000)]
    for doc in (0, 65_535, 65_536, 131_071, 131_072, 139_999):
        docs[doc] = docs[doc] + ["needle", "needle"]
    index = CompiledIndex.build(docs, BM25Params())
    assert index.matching_docs("needle").tolist() == [0, 65_535, 65_536, 131_071, 131_072, 139_999]
    containing = [doc for doc, words in enumerate(docs) if "w5" in words]
    assert index.matching_docs("w5").tolist() == containing
    for query in (["needle"], ["needle", "w1"], ["w5", "w0"], ["w3"]):
        assert index.top_k(query, 10) == exhaustive(index, query, 10)
