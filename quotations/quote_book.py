"""Each article's quotations, found the first time a search needs them; and who-said ranking, quoted matches first.

Quotations are not saved with the index. Finding them costs about 0.3 ms a paragraph, 25 times the cost of
tokenizing it (some five minutes for a million paragraphs), and a who-said answer needs only the articles its best
passages come from. So each article's quotations are found on first need and kept for the engine's life (a reload
builds a new engine, hence a fresh book); an article without a single quote mark costs one regular-expression scan.

A speaker the article names only by surname ("Biden announced …") gets the full name the rest of the story gives
it ("President Joe Biden"), looked up through the index's postings for that surname, so that no whole-corpus pass is
ever needed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from corpus.models import Article
from quotations.people import full_name_in, is_name, is_speaker_noun
from quotations.quotes import Quote, find_quotes, quote_spans

if TYPE_CHECKING:
    from index.bm25 import CompiledIndex

# who-said: how many of the best passages are checked for a quotation holding the asked words.
QUOTE_CHECK_LIMIT = 200
# A quotation answers a who-said question when it holds at least this share of the question's idf weight, so that
# one common word inside a quotation ("Harris") does not make a passage about something else rank first.
QUOTED_SHARE = 0.5
# Paragraphs read, at most, to find the full name of a speaker named only by surname.
NAME_LOOKUP_LIMIT = 200
# A character that can open or close a quotation: a double quote or opening single quote anywhere, or a single
# closing quote that is not an apostrophe inside a word (it’s, CNN’s).
_MARK = re.compile(r"[“”\"‘]|(?<![^\W_])['’]|['’](?![^\W_])")
# Every match of _MARK starts at one of these characters: most paragraphs have none, and this simple class is
# scanned many times faster than _MARK's look-arounds at every position.
_MARK_CHARACTER = re.compile(r"[“”\"‘'’]")

ParagraphsWith = Callable[[str], Iterable[tuple[int, str]]]
Weights = Mapping[str, float]
Terms = Callable[[str], Sequence[str]]


def may_quote(text: str) -> bool:
    """Whether a paragraph has a mark that could belong to a quotation (a cheap check before the real search)."""
    first = _MARK_CHARACTER.search(text)
    return first is not None and _MARK.search(text, first.start()) is not None


class QuoteBook:
    """The quotations of a corpus's articles, by article position; safe to use from several threads at once.

    `paragraphs_with(word)` yields (article position, paragraph text) of the paragraphs containing a word, in
    corpus order; it is used only to complete a surname.
    """

    def __init__(self, articles: Sequence[Article], paragraphs_with: ParagraphsWith) -> None:
        self._articles = articles
        self._paragraphs_with = paragraphs_with
        self._found: dict[int, tuple[Quote, ...]] = {}
        self._lock = threading.Lock()

    def quotes(self, article: int) -> tuple[Quote, ...]:
        """Every quotation of the article at this position, in reading order (found once, then kept)."""
        with self._lock:
            found = self._found.get(article)
        if found is None:
            # Found outside the lock so one slow article never holds up searches on others; two threads finding
            # the same article at once both get the first result stored.
            found = self._find(article)
            with self._lock:
                found = self._found.setdefault(article, found)
        return found

    def in_paragraph(self, article: int, number: int) -> list[Quote]:
        """The quotations of one paragraph (1-based number) of the article at this position."""
        if not may_quote(self._articles[article].paragraph(number).text):
            return []
        return [quote for quote in self.quotes(article) if quote.paragraph == number]

    def quote_holding(self, article: int, number: int, terms: Terms, weights: Weights) -> Quote | None:
        """The paragraph's quotation holding the words asked for (see `best_span`), with who said it; or None."""
        quotes = self.in_paragraph(article, number)
        text = self._articles[article].paragraph(number).text
        chosen = best_span(text, [(quote.start, quote.end) for quote in quotes], terms, weights)
        return None if chosen is None else quotes[chosen]

    def _find(self, article: int) -> tuple[Quote, ...]:
        paragraphs = [paragraph.text for paragraph in self._articles[article].paragraphs]
        if not any(map(may_quote, paragraphs)):
            return ()
        quotes = find_quotes(paragraphs)
        surnames = sorted(
            {q.speaker for q in quotes if q.speaker and " " not in q.speaker and _may_be_surname(q.speaker)}
        )
        known = [name for surname in surnames if (name := self._full_name(surname, article))]
        return tuple(find_quotes(paragraphs, known_names=known) if known else quotes)

    def _full_name(self, surname: str, article: int) -> str | None:
        for count, (other, text) in enumerate(self._paragraphs_with(surname)):
            if count >= NAME_LOOKUP_LIMIT:
                break
            if other != article and (name := full_name_in(text, surname)):
                return name
        return None


def _may_be_surname(word: str) -> bool:
    """A capitalised single word that is not a group ("Republicans") or a description."""
    return is_name(word) and not is_speaker_noun(word)


def best_span(text: str, spans: Sequence[tuple[int, int]], terms: Terms, weights: Weights) -> int | None:
    """Which quotation span of `text` holds the largest share of the question's weight, if at least
    `QUOTED_SHARE`; or None.

    `terms` turns text into search terms, `weights` gives each distinct question term's (its idf). On a tie the
    first span wins, so an outer quotation is chosen over one nested in it.
    """
    total = sum(weights.values())
    best, best_share = None, 0.0
    for n, (start, end) in enumerate(spans):
        inside = {term for term in terms(text[start:end]) if term in weights}
        share = sum(weights[term] for term in inside) / total if total > 0 else len(inside) / max(len(weights), 1)
        if share >= QUOTED_SHARE and share > best_share:
            best, best_share = n, share
    return best


def query_weights(
    index: CompiledIndex, terms: Sequence[str], framing: frozenset[str] = frozenset()
) -> dict[str, float]:
    """Each distinct query term the index knows, weighted by its idf (never below 0), leaving out framing words
    (`what`, `told`: see `answers.coverage`) unless the question has nothing else."""
    known = [term for term in dict.fromkeys(terms) if index.df(term)]
    topical = [term for term in known if term not in framing] or known
    return {term: max(index.idf_of(term), 0.0) for term in topical}


class QuotedPassages(Mapping[int, Quote]):
    """The passages (by doc) whose matched words lie in a quotation; each one's `Quote`, with its speaker, is worked
    out only when asked for (the article's attribution is the costly part, and only a page of hits needs it)."""

    def __init__(self, book: QuoteBook, docs: Mapping[int, tuple[int, int]], terms: Terms, weights: Weights) -> None:
        self._book, self._docs, self._terms, self._weights = book, docs, terms, weights

    def __getitem__(self, doc: int) -> Quote:
        article, number = self._docs[doc]
        quote = self._book.quote_holding(article, number, self._terms, self._weights)
        if quote is None:  # cannot happen: the article's quotations have the spans that qualified the passage
            raise KeyError(doc)
        return quote

    def __contains__(self, doc: object) -> bool:
        return doc in self._docs  # without working out the quotation

    def __iter__(self) -> Iterator[int]:
        return iter(self._docs)

    def __len__(self) -> int:
        return len(self._docs)


def quoted_first(
    book: QuoteBook,
    ranked: Sequence[tuple[int, float]],
    weights: Weights,
    place: Callable[[int], tuple[int, int, str]],
    terms: Terms,
) -> tuple[list[tuple[int, float]], QuotedPassages]:
    """`ranked` (doc, score) with the passages whose matched words lie in a quotation first, each group in its
    order, and those passages. Only the first `QUOTE_CHECK_LIMIT` passages are checked, each on its own paragraph
    and only the quoted text tokenized (no attribution), so a who-said search costs little more than any other.

    `place(doc)` gives (article position, paragraph number, paragraph text); `terms` turns text into search terms.
    """
    docs: dict[int, tuple[int, int]] = {}
    for doc, _ in ranked[:QUOTE_CHECK_LIMIT]:
        article, number, text = place(doc)
        if may_quote(text) and best_span(text, quote_spans(text), terms, weights) is not None:
            docs[doc] = (article, number)
    reordered = [pair for pair in ranked if pair[0] in docs] + [pair for pair in ranked if pair[0] not in docs]
    return reordered, QuotedPassages(book, docs, terms, weights)
