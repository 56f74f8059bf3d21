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
