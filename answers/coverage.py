"""How much of a question a passage covers: the basis of the "found nothing relevant" threshold.

Coverage is the share of the question's idf mass that the passage contains. Two choices make it honest on a small
story (measured in bench/eval_variants.py, `coverage` and `story` sections):

- A question word the corpus has never seen still weighs, as much as the corpus's rarest word (a word never seen is
  at least that rare), and no passage covers it: "weather in Paris today" is not answered by a paragraph that
  merely shares "what". Leaving unknown words out would make that question fully covered.
- Framing words (who, what, did, does, said, tell, my, …) weigh nothing: they make a question a question but carry
  no topic, and on a few dozen paragraphs their idf is large by chance (`who` is in 3 of the story's 41), so
  `who said border czar` would otherwise look two-thirds uncovered by the border-czar passage.

Ranking is not affected: BM25 still scores every term of the question (scores stay equal to rank-bm25's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from index.bm25 import CompiledIndex
from index.tokenizer import Tokenizer, TokenizerSettings

FRAMING_WORDS = (
    "who whom whose what which when where why how whether "
    "do does did done doing is are was were be been being am has have had can could would should shall will may "
    "might must i me my mine myself you your yours we us our they them their he him his she her it its this that "
    "these those there here about any some much many say says said saying tell tells told think know please"
)


@lru_cache(maxsize=8)
def framing_terms(settings: TokenizerSettings) -> frozenset[str]:
    """FRAMING_WORDS as the terms a tokenizer with these settings makes of them (stemmed when it stems)."""
    tokenizer = Tokenizer(TokenizerSettings(stemming=settings.stemming, stop_words=False))
    return frozenset(tokenizer.terms(FRAMING_WORDS))


def query_coverage(index: CompiledIndex, terms: Sequence[str], doc: int, framing: frozenset[str]) -> float:
    """The share (0 to 1) of the question's idf mass that document `doc` contains.

    Distinct terms count once; a term in `framing` weighs nothing; a term the index lacks weighs the index's
    largest idf and is never contained. 1.0 when nothing weighs (a question of framing words only: no basis to
    refuse it).
    """
    return float(coverages(index, terms, np.array([doc], dtype=np.int64), framing)[0])


def coverages(index: CompiledIndex, terms: Sequence[str], docs: np.ndarray, framing: frozenset[str]) -> np.ndarray:
    """`query_coverage` of each of `docs` at once (float64, the same values): each term is looked up in those
    documents only, never read whole."""
    largest = index.largest_idf
    total = 0.0
    present = np.zeros(docs.size)
    for term in dict.fromkeys(terms):
        if term in framing:
            continue
        if index.df(term) == 0:
            total += largest
            continue
        weight = max(index.idf_of(term), 0.0)
        total += weight
        present += np.where(index.contains(term, docs), weight, 0.0)
    return present / total if total > 0 else np.ones(docs.size)


@dataclass(frozen=True)
class Profile:
    """What a passage holds of a question: distinct topical terms (not framing), and those it contains."""

    coverage: float  # share of the question's idf mass (query_coverage)
    topical: int  # distinct topical terms of the question, unknown ones included
    matched: int  # of which the passage contains


def profile(index: CompiledIndex, terms: Sequence[str], doc: int, framing: frozenset[str]) -> Profile:
    """The passage's Profile for the question (coverage as `query_coverage`)."""
    topical = [term for term in dict.fromkeys(terms) if term not in framing]
    matched = sum(1 for term in topical if _contains(index, term, doc))
    return Profile(query_coverage(index, terms, doc, framing), len(topical), matched)


def _contains(index: CompiledIndex, term: str, doc: int) -> bool:
    return bool(index.contains(term, np.array([doc], dtype=np.int64))[0])


@dataclass(frozen=True)
class AnswerRule:
    """When a question is refused ("nothing relevant found"), judged on its first passage.

    Refused when that passage holds less than `min_coverage` of the question's idf mass, unless it holds at least
    `enough_terms` of the question's topical terms (0: no such exception). 0 `min_coverage` = never refused.
    """

    min_coverage: float = 0.0
    enough_terms: int = 0


def refuses(index: CompiledIndex, terms: Sequence[str], doc: int, framing: frozenset[str], rule: AnswerRule) -> bool:
    """Whether `rule` refuses the question whose first passage is `doc`."""
    if rule.min_coverage <= 0:
        return False
    found = profile(index, terms, doc, framing)
    if rule.enough_terms and found.matched >= rule.enough_terms:
        return False
    return found.coverage < rule.min_coverage


@dataclass(frozen=True)
class CutRule:
    """Which passages after the first are too weak to show: a score below `score_ratio` × the best score, or a
    coverage below `coverage_ratio` × the best passage's. 0 turns a test off."""

    score_ratio: float = 0.0
    coverage_ratio: float = 0.0


class StrengthJudge:
    """Judges passages of one ranking against its best-scoring passage by a CutRule."""

    def __init__(
        self,
        index: CompiledIndex,
        terms: Sequence[str],
        framing: frozenset[str],
        ranked: Sequence[tuple[int, float]],
        rule: CutRule,
    ) -> None:
        self._index, self._terms, self._framing, self._rule = index, terms, framing, rule
        best_doc, self._best_score = max(ranked, key=lambda pair: pair[1]) if ranked else (0, 0.0)
        self._coverage: dict[int, float] = {}
        if rule.coverage_ratio > 0:  # every ranked passage's coverage in one pass over the terms
            docs = np.array([best_doc, *(doc for doc, _ in ranked)], dtype=np.int64)
            self._coverage = dict(zip(docs.tolist(), coverages(index, terms, docs, framing).tolist(), strict=True))
        self._best_coverage = self._coverage.get(best_doc, 0.0)

    def strong(self, doc: int, score: float) -> bool:
        """Whether the passage is strong enough to show."""
        if score < self._rule.score_ratio * self._best_score:
            return False
        if self._rule.coverage_ratio > 0:
            covered = self._coverage.get(doc)
            if covered is None:
                covered = query_coverage(self._index, self._terms, doc, self._framing)
            return covered >= self._rule.coverage_ratio * self._best_coverage
        return True
