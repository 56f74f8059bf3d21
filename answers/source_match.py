"""How much of a pasted claim a passage holds, in the claim's order: the basis of "Find the source".

A claim copied from the story, even with small edits (a word dropped or changed, a typo, lower case, chat noise
around it), keeps most of its words in their order; a misquote keeps part of them; unrelated text keeps only common
words, scattered. `containment` measures that: the idf-weighted longest common subsequence of the claim's terms and
the passage's, over the claim's whole idf mass. A term the story has never seen weighs the index's mean idf and is
never contained, so words from elsewhere lower the share. 1.0: every term of the claim, in order.

The thresholds that turn a share into "found" and "close" were chosen on a development set and reported on a
held-out one (bench/bench_find_source.py; the figures are in bench/README.md, "Find the source").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.bm25 import CompiledIndex

# Shares of the claim a passage must hold: to be its source, and to be shown as the nearest passage when it is not
# (answers/sources.py also asks the nearest passage to hold at least three of the claim's terms).
FOUND_CONTAINMENT = 0.82
CLOSE_CONTAINMENT = 0.17


class TermWeights:
    """Each term's weight for containment: its idf in the index; a term the index lacks weighs the index's mean
    idf (`unknown="mean"`, chosen on the development set over the largest idf: chat words around a pasted
    sentence then cost it less, and misquotes are found no more often)."""

    def __init__(self, index: CompiledIndex, unknown: str = "mean") -> None:
        self.index = index
        idf = index.arrays["idf"] if index.term_count else np.ones(1)
        self.unknown = float(np.mean(idf) if unknown == "mean" else np.max(idf))
        self.floor = 0.05 * float(np.max(idf))  # every known term counts a little, even the most common

    def of(self, term: str) -> float:
        """The weight of one term."""
        if self.index.df(term) == 0:
            return self.unknown
        return max(self.index.idf_of(term), self.floor)


def containment(claim_terms: Sequence[str], passage_terms: Sequence[str], weights: TermWeights) -> float:
    """The share (0 to 1) of the claim's weight that the passage holds in the claim's order (weighted LCS)."""
    if not claim_terms:
        return 0.0
    weight = [weights.of(term) for term in claim_terms]
    total = sum(weight)
    wanted = set(claim_terms)
    passage = [term for term in passage_terms if term in wanted]  # only these can be matched: a short DP
    if not passage:
        return 0.0
    # best[j]: the heaviest common subsequence of the claim so far and passage[:j].
    best = [0.0] * (len(passage) + 1)
    for term, term_weight in zip(claim_terms, weight, strict=True):
        previous_diagonal = 0.0
        for j, other in enumerate(passage, start=1):
            above = best[j]
            if other == term:
                best[j] = max(above, best[j - 1], previous_diagonal + term_weight)
            else:
                best[j] = max(above, best[j - 1])
            previous_diagonal = above
    return min(best[-1] / total, 1.0) if total > 0 else 0.0
