"""CompiledIndex scores and ranks documents exactly as rank_bm25 0.2.2 does, reading only the query words' postings."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from rank_bm25 import BM25L, BM25Okapi, BM25Plus

from index.bm25 import BM25Params, CompiledIndex
from tests.bm25_strategies import STRATEGIES, forced

WORDS = ["ant", "bee", "cat", "dog", "eel", "fox", "gnu"]
UNKNOWN = ["yak", "zebu"]


def reference(docs: list[list[str]], params: BM25Params, *, findable: bool = True) -> BM25Okapi | BM25L | BM25Plus:
    """rank-bm25's model for the same documents and parameters; with `findable`, its Okapi idfs ≤ 0 replaced as
    index/bm25.py documents (Lucene's idf, scaled to at most half the smallest positive idf)."""
    if params.variant == "okapi":
        model = BM25Okapi(docs, k1=params.k1, b=params.b, epsilon=params.epsilon)
        if findable:
            make_findable(model)
        return model
    model = BM25Plus if params.variant == "plus" else BM25L
    return model(docs, k1=params.k1, b=params.b, delta=params.effective_delta)


def make_findable(model: BM25Okapi) -> None:
    """The documented rule, written out again word by word on rank-bm25's own idf table."""
    n = model.corpus_size
    df = Counter(word for doc in model.doc_freqs for word in doc)  # rank-bm25's doc_freqs: one dict a document
    positive = [idf for idf in model.idf.values() if idf > 0]
    scale = min(1.0, min(positive) / (2 * math.log(2))) if positive else 1.0
    for word, idf in list(model.idf.items()):
        if idf <= 0:
            model.idf[word] = scale * math.log(1 + (n - df[word] + 0.5) / (df[word] + 0.5))


def check_against_reference(docs: list[list[str]], query: list[str], params: BM25Params) -> None:
    """Build both indexes and compare them on one query, for every way ours can be stored and answered."""
    for strategy in STRATEGIES:
        with pytest.MonkeyPatch.context() as monkeypatch:
            forced(strategy, monkeypatch)
            index = CompiledIndex.build(docs, params)
            if not any(docs):  # rank-bm25 divides by zero on a corpus without words; ours has nothing to find
                assert index.top_k(query, 5) == []
                assert np.all(index.scores(query, np.arange(len(docs))) == 0)
                continue
            check_query(index, reference(docs, params), docs, query)


def check_query(
    index: CompiledIndex, model: BM25Okapi | BM25L | BM25Plus, docs: list[list[str]], query: list[str]
) -> None:
    """Every score equals rank-bm25's; top_k returns exactly its positive documents, best first."""
    everyone = np.arange(len(docs))
    ours = index.scores(query, everyone)
    with np.errstate(invalid="ignore"):  # rank-bm25 computes 0/0 for an empty document when b = 1
        expected = model.get_scores(query)
    # ... and we give that document the limit instead.
    undefined = np.isnan(expected)
    assert all(index.params.b == 1 and not docs[i] for i in np.flatnonzero(undefined))
    np.testing.assert_allclose(ours[~undefined], expected[~undefined], rtol=0, atol=1e-9)

    ranked = index.top_k(query, len(docs) + 5)
    ranked_docs = [doc for doc, _ in ranked]
    ranked_scores = np.array([score for _, score in ranked])
    np.testing.assert_allclose(ranked_scores, expected[ranked_docs], rtol=0, atol=1e-9)
    for (doc_a, score_a), (doc_b, score_b) in pairwise(ranked):
        assert score_a > score_b or (score_a == score_b and doc_a < doc_b)
    # BM25+ gives delta·idf to documents without the word; those are not answers.
    eligible = [any(term in doc for term in query) for doc in docs]
    clearly_positive = {i for i in everyone if eligible[i] and expected[i] > 1e-9}
    near_zero = {i for i in everyone if eligible[i] and abs(expected[i]) <= 1e-9}  # float noise decides the sign
    assert clearly_positive <= set(ranked_docs) <= clearly_positive | near_zero
    for k in (1, 2, 3, 10):
        assert index.top_k(query, k) == ranked[:k]


documents = st.lists(st.lists(st.sampled_from(WORDS), max_size=30), min_size=1, max_size=40)
queries = st.lists(st.sampled_from(WORDS + UNKNOWN), max_size=6)
k1s = st.floats(0.1, 3.0)
bs = st.floats(0.0, 1.0)


@settings(max_examples=80, deadline=None)
@given(docs=documents, query=queries, k1=k1s, b=bs, epsilon=st.floats(0.0, 1.0))
def test_okapi_matches_rank_bm25(docs: list[list[str]], query: list[str], k1: float, b: float, epsilon: float) -> None:
    check_against_reference(docs, query, BM25Params(variant="okapi", k1=k1, b=b, epsilon=epsilon))


@settings(max_examples=80, deadline=None)
@given(docs=documents, query=queries, k1=k1s, b=bs, epsilon=st.floats(0.0, 1.0))
def test_okapi_scores_equal_rank_bm25_unchanged_wherever_its_idf_is_positive(
    docs: list[list[str]], query: list[str], k1: float, b: float, epsilon: float
) -> None:
    """The findable-word rule changes nothing for a query made only of words rank-bm25 itself gives a positive idf."""
    params = BM25Params(variant="okapi", k1=k1, b=b, epsilon=epsilon)
    if not any(docs):
        return
    model = reference(docs, params, findable=False)
    positive = [word for word in query if model.idf.get(word, 0) > 0 or word in UNKNOWN]
    check_query(CompiledIndex.build(docs, params), model, docs, positive)


@pytest.mark.parametrize("variant", ["okapi", "plus", "l"])
@settings(max_examples=60, deadline=None)
@given(docs=documents, k1=k1s, b=bs, epsilon=st.floats(0.0, 1.0))
def test_every_word_of_the_corpus_is_findable(
    variant: str, docs: list[list[str]], k1: float, b: float, epsilon: float
) -> None:
    """Whatever the corpus size, asking one word of the corpus returns exactly the documents that contain it."""
    index = CompiledIndex.build(docs, BM25Params(variant=variant, k1=k1, b=b, epsilon=epsilon))
    for word in {word for doc in docs for word in doc}:
        assert index.idf_of(word) > 0
        found = sorted(doc for doc, _ in index.top_k([word], len(docs)))
        assert found == [i for i, doc in enumerate(docs) if word in doc]


@pytest.mark.parametrize("variant", ["plus", "l"])
@settings(max_examples=60, deadline=None)
@given(docs=documents, query=queries, k1=k1s, b=bs, delta=st.none() | st.floats(0.0, 2.0))
def test_plus_and_l_match_rank_bm25(
    variant: str, docs: list[list[str]], query: list[str], k1: float, b: float, delta: float | None
) -> None:
    check_against_reference(docs, query, BM25Params(variant=variant, k1=k1, b=b, delta=delta))


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("variant", ["okapi", "plus", "l"])
def test_larger_corpus_top_k_matches_rank_bm25(variant: str, strategy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hundreds of candidates, many with equal scores, through every way of choosing the candidates."""
    forced(strategy, monkeypatch)
    rng = random.Random(7)
    vocabulary = [f"w{i}" for i in range(300)]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    docs = [rng.choices(vocabulary, weights, k=rng.randint(0, 40)) for _ in range(1000)]
    params = BM25Params(variant=variant)
    index, model = CompiledIndex.build(docs, params), reference(docs, params)
    for _ in range(20):
        query = rng.choices(vocabulary, weights, k=rng.randint(1, 4)) + rng.choices(vocabulary[150:], k=1)
        check_query(index, model, docs, query)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("k1", np.linspace(1.3520787, 1.3520807, 11).tolist())
def test_top_k_is_exact_where_float32_weights_would_rank_two_documents_the_wrong_way_round(
    k1: float, strategy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Near k1 = 1.35208 (with b = 0) documents 0 and 1 score within ~1e-8 of each other and, for some of these k1,
    # their float32 ranking weights order them the other way round; the exact rescoring must still pick the winner.
    forced(strategy, monkeypatch)
    docs = [["a", "b", "b", "b"], ["a", "a", "b"], ["b"], ["b"], *[["z"]] * 16]
    params = BM25Params(k1=k1, b=0.0)
    expected = reference(docs, params).get_scores(["a", "b"])
    winner = 0 if expected[0] >= expected[1] else 1
    (best, score), *_ = CompiledIndex.build(docs, params).top_k(["a", "b"], 1)
    assert best == winner
    assert score == pytest.approx(expected[winner], abs=1e-12)


@pytest.mark.parametrize("variant", ["plus", "l"])
def test_many_documents_sharing_a_few_scores_rank_like_rank_bm25(variant: str) -> None:
    """Tens of thousands of candidates with only a handful of distinct weights (the selection's hard case)."""
    rng = random.Random(11)
    docs = [rng.choices(["cat", "dog", "eel"], k=rng.randint(1, 3)) for _ in range(30_000)]
    params = BM25Params(variant=variant)
    index, model = CompiledIndex.build(docs, params), reference(docs, params)
    for query in (["cat"], ["cat", "dog"], ["dog", "eel", "eel"]):
        expected = model.get_scores(query)
        best = sorted(range(len(docs)), key=lambda doc: (-expected[doc], doc))[:10]
        assert [doc for doc, _ in index.top_k(query, 10)] == best


def test_unknown_words_find_nothing() -> None:
    index = CompiledIndex.build([["cat", "dog"], ["dog"], ["eel"]], BM25Params())
    assert index.top_k(["yak", "zebu"], 5) == []
    assert index.df("yak") == 0
    assert index.idf_of("yak") == 0.0
    assert index.matching_docs("yak").size == 0
    assert list(index.scores(["yak"], np.array([0, 1, 2]))) == [0.0, 0.0, 0.0]


def test_a_word_in_exactly_half_the_documents_is_found_below_rarer_words() -> None:
    docs = [["cat", "dog"], ["cat"], ["eel"], ["eel", "fox"]]
    index = CompiledIndex.build(docs, BM25Params())
    assert reference(docs, BM25Params(), findable=False).idf["cat"] == 0.0  # rank-bm25 never finds it
    assert [doc for doc, _ in index.top_k(["cat"], 5)] == [1, 0]
    assert 0 < index.idf_of("cat") <= index.idf_of("dog") / 2
    check_against_reference(docs, ["cat", "dog"], BM25Params())


@pytest.mark.parametrize("variant", ["okapi", "plus", "l"])
def test_a_one_paragraph_corpus_finds_its_words(variant: str) -> None:
    docs = [["mayor", "bridge", "open", "may"]]
    params = BM25Params(variant=variant)
    index = CompiledIndex.build(docs, params)
    ((doc, score),) = index.top_k(["bridge"], 3)
    assert doc == 0 and score > 0
    assert [doc for doc, _ in index.top_k(["mayor", "zebra"], 3)] == [0]
    check_against_reference(docs, ["mayor", "bridge", "zebra"], params)


@pytest.mark.parametrize("variant", ["okapi", "plus", "l"])
def test_a_two_paragraph_corpus_finds_words_in_one_or_both_paragraphs(variant: str) -> None:
    docs = [["mayor", "bridge", "open"], ["mayor", "council", "vote", "vote"]]
    params = BM25Params(variant=variant)
    index = CompiledIndex.build(docs, params)
    assert [doc for doc, _ in index.top_k(["bridge"], 3)] == [0]
    assert sorted(doc for doc, _ in index.top_k(["mayor"], 3)) == [0, 1]
    assert [doc for doc, _ in index.top_k(["mayor", "vote"], 3)] == [1, 0]
    assert index.idf_of("vote") > index.idf_of("mayor") > 0  # the rarer word still weighs more
    check_against_reference(docs, ["mayor", "vote", "bridge"], params)


def test_a_word_in_every_paragraph_of_three_is_found_and_weighs_less_than_rarer_words() -> None:
    docs = [["harris", "border"], ["harris", "czar", "czar"], ["harris", "fence"]]
    index = CompiledIndex.build(docs, BM25Params())
    assert reference(docs, BM25Params(), findable=False).idf["harris"] <= 0  # epsilon × a mean ≤ 0
    assert sorted(doc for doc, _ in index.top_k(["harris"], 5)) == [0, 1, 2]
    assert 0 < index.idf_of("harris") <= index.idf_of("border") / 2
    assert index.top_k(["harris", "czar"], 1)[0][0] == 1
    check_against_reference(docs, ["harris", "czar"], BM25Params())


def test_a_word_in_most_documents_gets_the_epsilon_floor() -> None:
    docs = [["cat", "dog"], ["cat"], ["cat", "eel"], ["fox"]]
    params = BM25Params(epsilon=0.5)
    index = CompiledIndex.build(docs, params)
    assert index.idf_of("cat") == pytest.approx(reference(docs, params).idf["cat"], abs=1e-12)
    assert index.idf_of("cat") > 0  # the floor: epsilon × the mean idf, here positive
    check_against_reference(docs, ["cat", "fox"], params)


def test_an_empty_corpus_answers_nothing() -> None:
    index = CompiledIndex.build([], BM25Params())
    assert (index.doc_count, index.term_count, index.posting_count) == (0, 0, 0)
    assert index.top_k(["cat"], 3) == []
    assert index.scores(["cat"], np.array([], dtype=np.int64)).size == 0
    assert index.df("cat") == 0


def test_documents_without_words_are_indexed_but_never_returned() -> None:
    index = CompiledIndex.build([[], ["cat", "dog"], [], ["eel"], ["dog"]], BM25Params(variant="l"))
    assert index.doc_count == 5
    assert [doc for doc, _ in index.top_k(["cat", "dog", "eel"], 10)] == [1, 3, 4]


def test_k_larger_than_the_matches_returns_only_the_matches() -> None:
    docs = [["cat"], ["dog"], ["eel"], ["fox"], ["gnu"], ["cat", "dog"]]
    index = CompiledIndex.build(docs, BM25Params())
    assert [doc for doc, _ in index.top_k(["cat"], 100)] == [0, 5]
    assert index.top_k(["cat"], 0) == []


def test_a_repeated_query_word_counts_twice() -> None:
    docs = [["cat", "dog"], ["dog"], ["eel"], ["fox"]]
    index = CompiledIndex.build(docs, BM25Params())
    once, twice = index.top_k(["cat"], 1), index.top_k(["cat", "cat"], 1)
    assert twice[0][1] == pytest.approx(2 * once[0][1], rel=1e-12)


def test_plus_adds_delta_idf_of_absent_words_but_returns_only_documents_with_a_query_word() -> None:
    docs = [["cat"], ["dog"], ["eel"], ["fox"]]
    params = BM25Params(variant="plus", delta=0.7)
    index = CompiledIndex.build(docs, params)
    constant = 0.7 * (index.idf_of("cat") + index.idf_of("dog"))
    assert index.scores(["cat", "dog"], np.array([2]))[0] == pytest.approx(constant, rel=1e-12)
    assert sorted(doc for doc, _ in index.top_k(["cat", "dog"], 10)) == [0, 1]


def test_matching_docs_lists_the_documents_containing_a_word_in_order() -> None:
    docs = [["cat"], ["dog"], ["cat", "cat"], [], ["dog", "cat"]]
    index = CompiledIndex.build(docs, BM25Params())
    assert index.matching_docs("cat").tolist() == [0, 2, 4]
    assert index.df("cat") == 3
    assert (index.doc_count, index.term_count, index.posting_count) == (5, 2, 5)
    assert index.nbytes > 0


def test_non_ascii_terms_are_found() -> None:
    words = ["café", "cafe", "naïve", "東京", "🙂", "zoë", "a"]
    docs = [[word] for word in words] + [["other"]] * 5
    index = CompiledIndex.build(docs, BM25Params())
    for doc, word in enumerate(words):
        assert index.matching_docs(word).tolist() == [doc]
    assert index.df("caf") == 0


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_term_frequencies_beyond_what_a_nibble_or_a_byte_holds_are_counted_exactly(
    strategy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Postings keep 4 bits of frequency and columns 8: 15 and 255 mean "look the exact count up".
    forced(strategy, monkeypatch)
    docs = [["cat"] * 300 + ["dog"], ["dog"] * 15, ["eel"] * 16, ["cat"] * 70_000, ["fox"] * 14, ["gnu"]] * 3
    docs += [["ant"]] * 20
    params = BM25Params(b=0.3)
    index, model = CompiledIndex.build(docs, params), reference(docs, params)
    for query in (["cat"], ["dog"], ["eel"], ["fox"], ["cat", "dog", "eel", "fox"]):
        check_query(index, model, docs, query)


@pytest.mark.parametrize(
    "bad", [{"k1": 0}, {"k1": -1}, {"b": 1.5}, {"b": -0.1}, {"epsilon": -1}, {"delta": -0.5}, {"variant": "bm11"}]
)
def test_parameters_out_of_range_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        BM25Params(**bad)


def test_delta_defaults_to_rank_bm25s_per_variant() -> None:
    assert BM25Params(variant="plus").effective_delta == 1.0
    assert BM25Params(variant="l").effective_delta == 0.5
    assert BM25Params(variant="l", delta=0.2).effective_delta == 0.2


def fingerprints(*all_params: BM25Params) -> Sequence[str]:
    return [params.fingerprint for params in all_params]


def test_the_fingerprint_changes_only_with_what_changes_scores() -> None:
    base = BM25Params()
    assert len(set(fingerprints(base, BM25Params(k1=1.2), BM25Params(b=0.5), BM25Params(epsilon=0.1)))) == 4
    assert base.fingerprint == BM25Params(delta=3.0).fingerprint  # delta is unused by okapi
    plus = BM25Params(variant="plus")
    assert plus.fingerprint == BM25Params(variant="plus", delta=1.0, epsilon=0.9).fingerprint
    assert plus.fingerprint != BM25Params(variant="plus", delta=0.5).fingerprint != base.fingerprint


def test_a_vocabulary_beyond_65536_terms_keeps_every_posting_in_document_order() -> None:
    # Terms are grouped by two 16-bit radix passes above 65,536 distinct terms.
    docs = [[f"a{i}", f"b{i % 40_000}", "shared", f"a{i}"] for i in range(34_000)]
    docs += [[f"b{i}", "shared"] for i in range(2_000)]
    params = BM25Params()
    index = CompiledIndex.build(docs, params)
    assert index.term_count == 68_001 > 1 << 16
    assert index.matching_docs("b7").tolist() == [7, 34_007]
    assert index.matching_docs("shared").tolist() == list(range(len(docs)))
    assert index.df("a33999") == 1
    check_query(index, reference(docs, params), docs, ["a12", "b12", "shared"])


def test_documents_from_a_generator_build_the_same_index_as_from_a_list() -> None:
    # The build reads 16,384 documents at a time, so the documents need not all be in memory at once.
    rng = random.Random(12)
    docs = [rng.choices(WORDS + [f"r{i}" for i in range(500)], k=rng.randint(0, 12)) for _ in range(40_000)]
    from_list = CompiledIndex.build(docs, BM25Params())
    from_generator = CompiledIndex.build((list(doc) for doc in docs), BM25Params())
    assert from_generator.arrays.keys() == from_list.arrays.keys()
    for name, array in from_list.arrays.items():
        assert np.array_equal(from_generator.arrays[name], array), name
