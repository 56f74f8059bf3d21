"""The ask path's shortcuts give exactly what the plain ways give: a snippet's matched words without a Token per word,
coverage looked up in the ranked passages only, the quote-mark scan that skips most paragraphs."""

from __future__ import annotations

import re

import numpy as np
import pytest

from answers.coverage import coverages, framing_terms, query_coverage
from answers.engine import EngineSettings, SearchEngine
from answers.snippets import highlight_spans
from bot.core.settings import BUNDLED_CORPUS
from corpus import load_corpus
from index.bm25 import CompiledIndex
from index.tokenizer import Tokenizer
from quotations.quote_book import may_quote

QUESTIONS = ["border czar", "Harris immigration record", "who said say it to my face", "the of and", "Biden's team"]
TRICKY = [
    "US-Mexico border's czar, “border” CZAR — border‐czar",
    "Ｂｏｒｄｅｒ czar\u200b border\u00ad czar São Paulo",
    "It’s 'quoted' and ‘curly’ and \"straight\" and it's",
    "",
]


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    return SearchEngine.build(load_corpus(BUNDLED_CORPUS, max_bytes=1_000_000).articles, EngineSettings())


def test_matching_words_are_the_spans_of_the_tokens(engine: SearchEngine) -> None:
    tokenizer = Tokenizer()
    texts = [p.text for a in engine.articles for p in a.paragraphs] + TRICKY
    for question in QUESTIONS + TRICKY:
        terms = set(tokenizer.terms(question))
        for text in texts:
            expected = [(span.start, span.end) for span in highlight_spans(tokenizer.tokens(text), terms)]
            assert tokenizer.matching_words(text, terms) == expected


def _coverage_by_posting_lists(index: CompiledIndex, terms: list[str], doc: int, framing: frozenset[str]) -> float:
    """The coverage as it was computed before: every term's whole posting list searched for the document."""
    largest = float(index.arrays["idf"].max()) if index.term_count else 0.0
    total = present = 0.0
    for term in dict.fromkeys(terms):
        if term in framing:
            continue
        docs = index.matching_docs(term)
        if docs.size == 0:
            total += largest
            continue
        weight = max(index.idf_of(term), 0.0)
        total += weight
        position = int(np.searchsorted(docs, doc))
        if position < docs.size and int(docs[position]) == doc:
            present += weight
    return present / total if total > 0 else 1.0


def test_coverage_of_many_passages_equals_the_posting_list_way(engine: SearchEngine) -> None:
    framing = framing_terms(engine.settings.tokenizer)
    docs = np.arange(engine.paragraph_count, dtype=np.int64)
    for question in [*QUESTIONS, "zebrafish border", "what did she say"]:
        terms = engine.tokenizer.terms(question)
        expected = [_coverage_by_posting_lists(engine.index, terms, int(doc), framing) for doc in docs]
        assert coverages(engine.index, terms, docs, framing).tolist() == expected
        assert [query_coverage(engine.index, terms, int(doc), framing) for doc in docs] == expected


_MARK = re.compile(r"[“”\"‘]|(?<![^\W_])['’]|['’](?![^\W_])")


def test_the_quote_mark_scan_agrees_with_the_full_pattern(engine: SearchEngine) -> None:
    texts = [p.text for a in engine.articles for p in a.paragraphs] + TRICKY
    texts += ["it's", "'tis", "dogs'", "a ’ b", "x'y", "_'", "'_", "plain text without marks"]
    for text in texts:
        assert may_quote(text) == (_MARK.search(text) is not None), text
