"""The retrieval core over a corpus's paragraphs: every paragraph a document of one compiled BM25 index.

A `ParagraphIndex` holds the articles, the tokenizer and the compiled index, maps an index document number back to
its article and paragraph, and finds the paragraphs holding a word or a quoted phrase. It knows nothing of how an
answer is chosen (that is `answers/`): it is what the index store saves and loads, and what a reload swaps.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from corpus.models import Article, Paragraph
from index.bm25 import BM25Params, CompiledIndex
from index.text_store import StoredArticles
from index.tokenizer import Token, Tokenizer, TokenizerSettings

INDEX_FORMAT = 1
# A quoted phrase is checked word by word on at most this many candidate paragraphs (best BM25 first).
PHRASE_CHECK_LIMIT = 2_000
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class IndexSettings:
    """Everything that changes how paragraphs are indexed and scored: a saved index is only reused for the same."""

    tokenizer: TokenizerSettings = field(default_factory=TokenizerSettings)
    bm25: BM25Params = field(default_factory=BM25Params)

    def fingerprint(self) -> str:
        """A short hash that changes whenever tokenization or scoring would change."""
        tokenizer = Tokenizer(self.tokenizer).fingerprint
        return hashlib.sha256(f"{INDEX_FORMAT}|{tokenizer}|{self.bm25.fingerprint}".encode()).hexdigest()[:16]


class ParagraphIndex:
    """Every paragraph of a corpus in one compiled index; immutable, so a reload can swap it whole."""

    def __init__(self, articles: Sequence[Article], settings: IndexSettings, index: CompiledIndex) -> None:
        """`articles` in index order: a tuple of articles, or a saved text store's (index/text_store.py), whose
        articles and paragraph texts are read when asked for."""
        self.settings = settings
        self.tokenizer = Tokenizer(settings.tokenizer)
        self.index = index
        if isinstance(articles, StoredArticles):
            self.articles: Sequence[Article] = articles
            self._doc_starts = articles.doc_starts
            self._text: Callable[[int], str] | None = articles.texts.text
        else:
            self.articles = tuple(articles)
            counts = np.array([len(article.paragraphs) for article in self.articles], dtype=np.int64)
            self._doc_starts = np.concatenate(([0], np.cumsum(counts)))
            self._text = None
        if index.doc_count != int(self._doc_starts[-1]):
            raise ValueError(f"index has {index.doc_count} paragraphs, the corpus {int(self._doc_starts[-1])}")

    @classmethod
    def build(
        cls, articles: Sequence[Article], settings: IndexSettings, progress: ProgressCallback | None = None
    ) -> ParagraphIndex:
        """Tokenize every paragraph and compile the index (CPU-bound: call it off the event loop)."""
        tokenizer = Tokenizer(settings.tokenizer)
        total = sum(len(article.paragraphs) for article in articles)
        docs: list[list[str]] = []
        for article in articles:
            docs.extend(tokenizer.terms(paragraph.text) for paragraph in article.paragraphs)
            if progress:
                progress(len(docs), total)
        return cls(articles, settings, CompiledIndex.build(docs, settings.bm25))

    @property
    def paragraph_count(self) -> int:
        """How many paragraphs are indexed."""
        return int(self._doc_starts[-1])

    def locate(self, doc: int) -> tuple[Article, Paragraph]:
        """The article and paragraph of an index document number."""
        article_index = int(np.searchsorted(self._doc_starts, doc, side="right")) - 1
        article = self.articles[article_index]
        return article, article.paragraphs[doc - int(self._doc_starts[article_index])]

    def place(self, doc: int) -> tuple[int, int, str]:
        """(article position, paragraph number, paragraph text) of an index document number."""
        article_index = int(np.searchsorted(self._doc_starts, doc, side="right")) - 1
        if self._text is not None:  # straight from the text store, without making the article
            return article_index, doc - int(self._doc_starts[article_index]) + 1, self._text(doc)
        paragraph = self.articles[article_index].paragraphs[doc - int(self._doc_starts[article_index])]
        return article_index, paragraph.number, paragraph.text

    def paragraphs_with(self, word: str) -> Iterator[tuple[int, str]]:
        """(article position, text) of the paragraphs containing `word`, in corpus order, read lazily."""
        terms = self.tokenizer.terms(word)
        if len(terms) == 1:
            for doc in self.index.matching_docs(terms[0]):
                article_index, _, text = self.place(int(doc))
                yield article_index, text

    def phrase_docs(self, phrases: Sequence[Sequence[str]], terms: Sequence[str]) -> list[int]:
        """Documents that contain every quoted phrase word for word, in index order (when more paragraphs hold all
        the phrases' words than PHRASE_CHECK_LIMIT, only the best-scoring of them for `terms` are checked)."""
        if not phrases:
            return []
        candidates: np.ndarray | None = None
        for term in {term for phrase in phrases for term in phrase}:
            docs = self.index.matching_docs(term)
            candidates = docs if candidates is None else np.intersect1d(candidates, docs, assume_unique=True)
        if candidates is None or candidates.size == 0:
            return []
        if candidates.size > PHRASE_CHECK_LIMIT:
            scores = self.index.scores(terms, candidates)
            candidates = np.sort(candidates[np.argsort(-scores, kind="stable")[:PHRASE_CHECK_LIMIT]])
        found = []
        for doc in candidates.tolist():
            _, paragraph = self.locate(doc)
            tokens = self.tokenizer.tokens(paragraph.text)
            if all(contains_phrase(tokens, phrase) for phrase in phrases):
                found.append(doc)
        return found


def contains_phrase(tokens: Sequence[Token], phrase: Sequence[str]) -> bool:
    """Whether the phrase's terms occur at consecutive kept positions (stop words between them are skipped)."""
    terms = [token.term for token in tokens]
    width = len(phrase)
    return any(terms[i : i + width] == list(phrase) for i in range(len(terms) - width + 1))
