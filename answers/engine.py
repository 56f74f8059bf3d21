"""Answers: a question in, cited passages out, by the answer policy over the retrieval core (index/paragraphs.py).

The policy reads the question (answers/questions.py), ranks quoted phrases, quotations (who said …) and dated
passages (when …) first, refuses a question the best passage barely touches and cuts passages far weaker than the
first (answers/coverage.py). Scores themselves are plain BM25, equal to rank-bm25's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum

import numpy as np

from answers.coverage import AnswerRule, CutRule, StrengthJudge, framing_terms, query_coverage, refuses
from answers.questions import Reading, asks_when, mentions_a_time, read_question
from answers.snippets import Span, best_fragment, format_fragment
from corpus.models import Article, Paragraph
from index.bm25 import BM25Params
from index.paragraphs import IndexSettings, ParagraphIndex, ProgressCallback
from index.tokenizer import TokenizerSettings
from quotations.quote_book import QUOTE_CHECK_LIMIT, QuoteBook, query_weights, quoted_first
from quotations.quotes import Quote

# `when …` questions: how many of the best passages are looked at for one that says when.
WHEN_CHECK_LIMIT = 10
# Passages ranked beyond those asked for, so that a page stays full when the cut of weak passages skips a few.
CUT_DEPTH_MARGIN = 10
__all__ = ["EngineSettings", "Hit", "NoMatch", "ProgressCallback", "Ranking", "SearchEngine", "SearchResult"]


class NoMatch(Enum):
    """Why a query found no passage; each maps to an honest sentence for the member."""

    NO_ARTICLES = (
        "The story has no articles yet; a moderator can add some with `article add` (a file attached), "
        "or put article files in the corpus folder and `reload`."
    )
    EMPTY = "The question has no words to search for."
    ONLY_STOP_WORDS = "The question has only very common words (like 'the' or 'of'); add a word that matters."
    UNKNOWN_WORDS = "None of those words appear anywhere in the story."
    NO_PASSAGE = "No passage of the story matches that."
    WEAK_MATCH = "Nothing relevant found: the closest passage shares only a small part of the question."


@dataclass(frozen=True)
class EngineSettings:
    """The index's settings (tokenizer, BM25) and the answer policy's."""

    tokenizer: TokenizerSettings = field(default_factory=TokenizerSettings)
    bm25: BM25Params = field(default_factory=BM25Params)
    # Not part of the index: they change which answers are given, not the index (answers/coverage.py).
    read_questions: bool = True  # a question's frame and framing words are not searched for (answers/questions.py)
    answer_rule: AnswerRule = field(default_factory=AnswerRule)  # when a question is refused
    cut: CutRule = field(default_factory=CutRule)  # which passages are too weak to show

    @property
    def index(self) -> IndexSettings:
        """The part of the settings that the saved index depends on."""
        return IndexSettings(self.tokenizer, self.bm25)


@dataclass(frozen=True)
class Hit:
    """One passage found: where it is, how well it matched and which characters matched."""

    article: Article
    paragraph: Paragraph
    score: float
    spans: tuple[Span, ...]
    phrase_match: bool = False
    quote: Quote | None = None  # who-said (quotes_first) only: the quotation holding the matched words

    def quote_snippet(
        self, max_chars: int, *, mark: Callable[[str], str] = str, escape: Callable[[str], str] = str
    ) -> str | None:
        """The best window of the quotation (without its marks) around the matches, matches marked; None without one."""
        if self.quote is None:
            return None
        text, start, end = self.quote.text.removesuffix(","), self.quote.start, self.quote.end  # “…,” she said
        spans = [Span(s.start - start, s.end - start) for s in self.spans if start <= s.start and s.end <= end]
        return format_fragment(text, best_fragment(text, spans, max_chars), mark=mark, escape=escape)

    def snippet(self, max_chars: int, *, mark: Callable[[str], str] = str, escape: Callable[[str], str] = str) -> str:
        """The best window of the paragraph around the matches, at most `max_chars` before marking, matches marked."""
        fragment = best_fragment(self.paragraph.text, self.spans, max_chars)
        return format_fragment(self.paragraph.text, fragment, mark=mark, escape=escape)


@dataclass(frozen=True)
class SearchResult:
    """The answer to one query: a page of hits, or the reason there are none."""

    query: str
    hits: tuple[Hit, ...]
    offset: int = 0
    has_more: bool = False
    no_match: NoMatch | None = None
    unknown_terms: tuple[str, ...] = ()  # the index terms (stems) of the question that no paragraph holds
    unknown_words: tuple[str, ...] = ()  # the same, as the member typed them (`Capitol`, not `capit`)
    quote_found: bool | None = None  # quotes_first only: whether a quotation holds the asked words


@dataclass(frozen=True)
class Ranking:
    """A query's passages in answer order, before hits are made: `ranked` as (doc, score), `shown` the ones strong
    enough to show (the cut), or `no_match` when the question is refused."""

    terms: Sequence[str]
    ranked: Sequence[tuple[int, float]] = ()
    phrase_docs: frozenset[int] = frozenset()
    quoted: Mapping[int, Quote] = field(default_factory=dict)
    shown: tuple[tuple[int, float], ...] = ()
    no_match: NoMatch | None = None
    unknown_terms: tuple[str, ...] = ()
    quotes_first: bool = False


class SearchEngine:
    """Answers queries over every paragraph of a corpus; immutable, so it can be swapped atomically on reload."""

    def __init__(self, paragraphs: ParagraphIndex, settings: EngineSettings) -> None:
        if paragraphs.settings != settings.index:
            raise ValueError("the paragraph index was built with other tokenizer or BM25 settings")
        self.paragraphs = paragraphs
        self.settings = settings
        self.articles = paragraphs.articles
        self.index = paragraphs.index
        self.tokenizer = paragraphs.tokenizer
        self.locate = paragraphs.locate
        self.place = paragraphs.place
        # Each article's quotations, found on first need; the book reads the paragraphs, never this engine.
        self.quotes = QuoteBook(self.articles, paragraphs.paragraphs_with)

    @classmethod
    def build(
        cls, articles: Sequence[Article], settings: EngineSettings, progress: ProgressCallback | None = None
    ) -> SearchEngine:
        """Index every paragraph (CPU-bound: call it off the event loop) and answer over it."""
        return cls(ParagraphIndex.build(articles, settings.index, progress), settings)

    @property
    def paragraph_count(self) -> int:
        """How many paragraphs are indexed."""
        return self.paragraphs.paragraph_count

    def search(
        self, query: str, limit: int, offset: int = 0, *, quotes_first: bool = False, refuse_weak: bool = True
    ) -> SearchResult:
        """The passages best matching `query`, `limit` from `offset`; quoted phrases rank exact matches first.

        `quotes_first` (who said …): passages whose matched words lie in a quotation come first, each hit carries
        that quotation, and `quote_found` says whether there was any. A question asking `who said …` is answered
        that way too. Passages far weaker than the first are never shown, on any page (`Ranking.shown`).
        `refuse_weak=False` never refuses a weak match (Find the source judges the passages itself).
        """
        ranking = self.rank(query, offset + limit + 1, quotes_first=quotes_first, refuse_weak=refuse_weak)
        unknown_words = self._typed_words(query, ranking.unknown_terms)

        def nothing(reason: NoMatch) -> SearchResult:
            return SearchResult(
                query, (), offset, no_match=reason, unknown_terms=ranking.unknown_terms, unknown_words=unknown_words
            )

        if ranking.no_match is not None:
            return nothing(ranking.no_match)
        shown = ranking.shown
        wanted = set(ranking.terms)
        page = shown[offset : offset + limit]
        hits = tuple(
            self._hit(doc, score, wanted, doc in ranking.phrase_docs, ranking.quoted.get(doc)) for doc, score in page
        )
        if not hits:
            return nothing(NoMatch.NO_PASSAGE)
        return SearchResult(
            query,
            hits,
            offset,
            has_more=len(shown) > offset + limit,
            unknown_terms=ranking.unknown_terms,
            unknown_words=unknown_words,
            quote_found=bool(ranking.quoted) if ranking.quotes_first else None,
        )

    def rank(self, query: str, depth: int, *, quotes_first: bool = False, refuse_weak: bool = True) -> Ranking:
        """The ranking policy without the hits: at least `depth` passages in answer order (phrase, quotation and
        dated passages first), whether the question is refused (a weak match only when `refuse_weak`), and which
        passages are strong enough to show."""
        reading = read_question(query) if self.settings.read_questions else Reading(query)
        quotes_first = quotes_first or reading.who_said
        parsed = self.tokenizer.query_terms(reading.text)
        if not self.articles:
            return Ranking(parsed.terms, no_match=NoMatch.NO_ARTICLES, quotes_first=quotes_first)
        if reading.only_framing:
            return Ranking(parsed.terms, no_match=NoMatch.ONLY_STOP_WORDS, quotes_first=quotes_first)
        if not parsed.terms:
            reason = NoMatch.ONLY_STOP_WORDS if parsed.all_stop_words else NoMatch.EMPTY
            return Ranking(parsed.terms, no_match=reason, quotes_first=quotes_first)
        unknown = tuple(dict.fromkeys(term for term in parsed.terms if self.index.df(term) == 0))
        if len(unknown) == len(set(parsed.terms)):
            return Ranking(parsed.terms, no_match=NoMatch.UNKNOWN_WORDS, unknown_terms=unknown)

        when = asks_when(query) and not quotes_first
        wanted = depth + CUT_DEPTH_MARGIN
        wanted = max(wanted, QUOTE_CHECK_LIMIT) if quotes_first else max(wanted, WHEN_CHECK_LIMIT) if when else wanted
        ranked = self.index.top_k(parsed.terms, wanted)
        phrase_docs = self.paragraphs.phrase_docs(parsed.phrases, parsed.terms)
        if phrase_docs:
            phrase_set = set(phrase_docs)
            phrase_scores = self.index.scores(parsed.terms, np.array(phrase_docs, dtype=np.int64))
            first = sorted(zip(phrase_docs, phrase_scores.tolist(), strict=True), key=lambda pair: (-pair[1], pair[0]))
            ranked = first + [(doc, score) for doc, score in ranked if doc not in phrase_set]
        else:
            phrase_set = set()
        quoted: Mapping[int, Quote] = {}
        if quotes_first:
            weights = query_weights(self.index, parsed.terms, framing_terms(self.settings.tokenizer))
            ranked, quoted = quoted_first(self.quotes, ranked, weights, self.place, self.tokenizer.terms)
        dated: set[int] = set()
        if when:
            ranked, dated = self._dated_first(ranked, parsed.terms)
        base = Ranking(
            parsed.terms, ranked, frozenset(phrase_set), quoted, unknown_terms=unknown, quotes_first=quotes_first
        )
        if refuse_weak and ranked and not phrase_set and self._too_weak(parsed.terms, ranked[0][0]):
            return replace(base, no_match=NoMatch.WEAK_MATCH)
        promoted = phrase_set | set(quoted) | dated
        return replace(base, shown=self._strong(parsed.terms, ranked, promoted))

    def _typed_words(self, question: str, terms: Collection[str]) -> tuple[str, ...]:
        """The words of `question` whose terms are in `terms`, as written there, each once (ignoring case)."""
        words: dict[str, str] = {}
        if not terms:
            return ()
        for token in self.tokenizer.tokens(question):
            if token.term in terms:
                word = question[token.start : token.end]
                words.setdefault(word.casefold(), word)
        return tuple(words.values())

    def _dated_first(
        self, ranked: list[tuple[int, float]], terms: Sequence[str]
    ) -> tuple[list[tuple[int, float]], set[int]]:
        """For `when …` questions: among the first WHEN_CHECK_LIMIT passages, those that say when (a date, a year, a
        weekday) and hold at least half of the question come first, each group still in score order; and those."""
        framing = framing_terms(self.settings.tokenizer)
        head, tail = ranked[:WHEN_CHECK_LIMIT], ranked[WHEN_CHECK_LIMIT:]
        dated = [
            pair
            for pair in head
            if mentions_a_time(self.place(pair[0])[2]) and query_coverage(self.index, terms, pair[0], framing) >= 0.5
        ]
        return dated + [pair for pair in head if pair not in dated] + tail, {doc for doc, _ in dated}

    def _too_weak(self, terms: Sequence[str], doc: int) -> bool:
        """Whether the first passage answers too little of the question to be shown (see answers/coverage.py)."""
        framing = framing_terms(self.settings.tokenizer)
        return refuses(self.index, terms, doc, framing, self.settings.answer_rule)

    def _strong(
        self, terms: Sequence[str], ranked: Sequence[tuple[int, float]], promoted: set[int]
    ) -> tuple[tuple[int, float], ...]:
        """The passages to show: the first, every promoted one (phrase, quotation, date), and the others that are not
        far weaker than the first (see answers/coverage.py `strong_enough`)."""
        if not ranked:
            return ()
        framing = framing_terms(self.settings.tokenizer)
        judge = StrengthJudge(self.index, terms, framing, ranked, self.settings.cut)
        return tuple(pair for n, pair in enumerate(ranked) if n == 0 or pair[0] in promoted or judge.strong(*pair))

    def _hit(self, doc: int, score: float, terms: set[str], phrase_match: bool, quote: Quote | None = None) -> Hit:
        article, paragraph = self.locate(doc)
        spans = tuple(Span(start, end) for start, end in self.tokenizer.matching_words(paragraph.text, terms))
        return Hit(article, paragraph, float(score), spans, phrase_match, quote)
