"""Pruned top-k (MaxScore, the dense float32 sum) returns exactly the top k of scoring every document."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import index.topk as topk
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


@st.composite
def corpora(draw: st.DrawFn) -> list[list[str]]:
    """Zipf-like documents: a few frequent words, many rare ones, lengths 0–40 (so many scores tie)."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    count = draw(st.integers(1, 300))
    return [rng.choices(VOCABULARY, ZIPF, k=rng.randint(0, 40)) for _ in range(count)]


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
    index = CompiledIndex.build(docs, BM25Params(variant=variant, k1=k1, b=b))
    expected = exhaustive(index, query, k)
    for strategy in STRATEGIES:
        with pytest.MonkeyPatch.context() as monkeypatch:
            forced(strategy, monkeypatch)
            assert index.top_k(query, k) == expected, strategy


def test_maxscore_never_looks_past_a_rare_words_documents_when_they_decide_the_top_k() -> None:
    rng = random.Random(5)
    docs = [rng.choices(["common", "filler"], k=rng.randint(20, 60)) for _ in range(5_000)]
    rare_docs = sorted(rng.sample(range(len(docs)), 40))
    for doc in rare_docs:
        docs[doc].append("rare")
    index = CompiledIndex.build(docs, BM25Params())
    words = [
        topk.Word(start, stop, 1, float(index.arrays["bounds"][term]))
        for term, start, stop in (index._lookup("common"), index._lookup("rare"))
    ]
    band = topk.pruned_band(index._postings, index.arrays["weights"], words, 10, 1e-9)
    assert band is not None and set(band.tolist()) <= set(rare_docs)
    assert index.top_k(["common", "rare"], 10) == exhaustive(index, ["common", "rare"], 10)


def test_a_query_of_only_frequent_words_over_thousands_of_documents_matches_scoring_them_all() -> None:
    rng = random.Random(9)
    docs = [rng.choices(VOCABULARY[:4], [8, 4, 2, 1], k=rng.randint(5, 50)) for _ in range(20_000)]
    index = CompiledIndex.build(docs, BM25Params(variant="plus"))
    for query in (["w0", "w1"], ["w0", "w1", "w2", "w3"], ["w2", "w2", "w3"]):
        assert index.top_k(query, 10) == exhaustive(index, query, 10)


def test_a_word_that_can_add_little_is_looked_up_only_for_the_contenders(monkeypatch: pytest.MonkeyPatch) -> None:
    # "half" is in 4 paragraphs out of 9, so its Okapi idf (and every weight) is close to 0; rare words keep the
    # mean idf (and so the floor of "often" and "usual") positive.
    rng = random.Random(3)
    docs = [
        [word for word in ("often", "usual") for _ in range(rng.randint(1, 6))] + ["half"] * (i % 9 < 4) + [f"r{i}"]
        for i in range(8_000)
    ]
    index = CompiledIndex.build(docs, BM25Params())
    looked_up: list[int] = []
    lookup = topk._lookup

    def counting(postings, weights, word, docs):  # type: ignore[no-untyped-def]
        looked_up.append(docs.size)
        return lookup(postings, weights, word, docs)

    monkeypatch.setattr(topk, "_lookup", counting)
    monkeypatch.setattr(topk, "LOOKUP_COST", 1)  # look up whenever there are fewer contenders than postings
    query = ["often", "usual", "half"]
    assert index.top_k(query, 10) == exhaustive(index, query, 10)
    assert looked_up and max(looked_up) < index.df("half")  # looked up for the contenders, not added everywhere
