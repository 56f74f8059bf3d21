"""Choosing the candidates of a top-k query over precomputed BM25 weights, without scoring every posting.

The weights are float32, so every approximate score is within `error` of the exact one: each function returns the
*band* of documents whose approximate score is within 2·error of the k-th best, which always holds the exact top k
(the caller rescores that band exactly). Three ways, cheapest first:

* `pruned_band`: MaxScore over non-negative weights. Query words are taken rarest first into partial sums (sparse,
  or a dense float32 array of every document filled by np.add.at once that is cheaper); as soon as a lower bound
  of the k-th best score beats what the remaining words could add together, only the few documents that can
  still reach it are completed by looking the remaining words' weights up.
* `top_band`: the general fallback (any sign of weights), by sorting or summing the postings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.postings import Postings

# Add up several words' postings in an array of every document when they number at least 1 / DENSE_RATIO of the
# documents, else by sorting them by document (top_band only).
DENSE_RATIO = 8
# Looking a weight up by binary search costs ~40 ns (cache misses) where adding a posting into a dense float32
# array costs ~1.5 ns: costs are compared in postings added.
LOOKUP_COST = 45
# Words that together could add at most this share of the best possible score are looked up, not summed densely.
LIGHT_SHARE = 0.25
# Tests force one representation of the partial sums: None (by cost), "sparse" or "dense".
FORCE: str | None = None
_SAMPLE = 1024


@dataclass(frozen=True)
class Word:
    """One distinct query word: its postings start:stop, how often the query repeats it, its largest weight."""

    start: int
    stop: int
    count: int
    bound: float  # the largest weight of any of its postings (weights are all ≥ 0 here)

    @property
    def df(self) -> int:
        """How many documents contain the word."""
        return self.stop - self.start


def kth_largest(values: np.ndarray, k: int) -> float:
    """The k-th largest of `values` (1 <= k <= values.size), by selection, never sorting them all.

    np.partition slows down some twentyfold on arrays where one repeated value dominates (common here: many
    documents share a length and a term frequency, and most of a dense sum is 0), so a strided sample's k-th
    largest, a lower bound of the answer, first cuts the array down to the values strictly above it (when fewer
    than k are, it is the answer).
    """
    while values.size > 16 * _SAMPLE and k <= _SAMPLE:
        sample = values[:: values.size // _SAMPLE]
        floor = sample[np.argpartition(sample, sample.size - k)[sample.size - k]]  # at least k values reach it
        above = values[values > floor]
        if above.size < k:  # fewer than k values beat it, so it is the k-th largest itself
            return float(floor)
        if above.size * 2 > values.size:  # no progress (a spread-out tail): select among these
            values = above
            break
        values = above
    return float(np.partition(values, values.size - k)[values.size - k])


def within_band(docs: np.ndarray, approx: np.ndarray, k: int, error: float) -> np.ndarray:
    """The documents whose approximate score is at least the k-th best minus 2·error."""
    if docs.size <= k:
        return docs
    return docs[approx >= kth_largest(approx, k) - 2 * error]


def _lookup(postings: Postings, weights: np.ndarray, word: Word, docs: np.ndarray) -> np.ndarray:
    """The word's weight (times its count) in each of the ascending `docs`, 0 where it is absent."""
    posted = postings.doc_ids[word.start : word.stop]
    docs = docs.astype(posted.dtype, copy=False)  # else searchsorted copies the whole posting list to int64
    position = np.minimum(np.searchsorted(posted, docs), posted.size - 1)
    present = posted[position] == docs
    found = np.zeros(docs.size)
    found[present] = weights[word.start + position[present]]
    return found * word.count if word.count != 1 else found


def _best(docs: np.ndarray, sums: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """About `count` (at most 4·count) of the documents with the best sums, ascending, and their sums."""
    chosen = np.flatnonzero(sums >= kth_largest(sums, min(count, sums.size)))[: 4 * count]
    return docs[chosen], sums[chosen]


def dense_band(
    postings: Postings, weights: np.ndarray, words: Sequence[Word], k: int, error: float
) -> np.ndarray | None:
    """The band from a dense float32 sum of every posting, or None when fewer than k documents score above it."""
    doc_count = postings.doc_len.size
    sums = np.zeros(doc_count, dtype=np.float32)

    def add(word: Word) -> None:
        part = weights[word.start : word.stop]
        if word.count != 1:
            part = part * np.float32(word.count)
        np.add.at(sums, postings.doc_ids[word.start : word.stop], part)  # float32 into float32: numpy's fast path

    # MaxScore once more: frequent words that can add little (BM25's idf is small near half the documents) are
    # looked up for the documents that can still reach the k-th best partial sum, not added everywhere.
    words = sorted(words, key=lambda word: -word.count * word.bound)
    total = sum(word.count * word.bound for word in words)
    light: list[Word] = []
    while words and sum(w.count * w.bound for w in [*light, words[-1]]) <= LIGHT_SHARE * total:
        light.append(words.pop())
    for word in words:
        add(word)
    if light and sum(word.df for word in light) * 4 > doc_count and doc_count >= k:
        floor = kth_largest(sums, k) - sum(word.count * word.bound for word in light) - 2 * error
        if floor > 0:
            docs = np.flatnonzero(sums >= np.float64(floor))
            if docs.size * len(light) * LOOKUP_COST < sum(word.df for word in light):
                approx = sums[docs] + sum(_lookup(postings, weights, word, docs) for word in light)
                return within_band(docs, approx, k, error)
    for word in light:
        add(word)
    threshold = np.float64(kth_largest(sums, k) - 2 * error if sums.size >= k else 0.0)
    if threshold <= 0:  # documents without any query word (sum 0) would be in the band: let top_band decide
        return None
    return np.flatnonzero(sums >= threshold)  # compared in float64 (a float32 threshold could round up)


def pruned_band(
    postings: Postings, weights: np.ndarray, words: Sequence[Word], k: int, error: float
) -> np.ndarray | None:
    """The band by MaxScore over non-negative weights (else by `dense_band`), or None to leave it to `top_band`.

    Words are taken rarest first; the documents of the words taken so far get partial sums. The best partial
    sums, completed by looking the other words' weights up, give a lower bound of the k-th best score; once it
    beats the most the other words could add, only documents of the words taken can be in the band, and of
    those only the ones whose partial sum plus what the rest could add reaches it: the rest's weights are looked
    up for those, largest bound first, dropping documents as the bound of what is left shrinks. When looking up
    would cost more than adding every posting into a dense array, the dense sum takes over.
    """
    words = sorted(words, key=lambda word: word.df)
    doc_count = postings.doc_len.size
    dense_cost = sum(word.df for word in words) + doc_count // 2  # in postings added
    if FORCE == "dense" or (FORCE != "sparse" and words[0].df * DENSE_RATIO > doc_count):
        return dense_band(postings, weights, words, k, error)
    docs, sums = np.zeros(0, dtype=postings.doc_ids.dtype), np.zeros(0)
    for taken in range(1, len(words) + 1):
        word, rest = words[taken - 1], words[taken:]
        if FORCE != "sparse" and (docs.size + word.df) * (taken - 1) * LOOKUP_COST > dense_cost:
            return dense_band(postings, weights, words, k, error)
        if taken == 1:
            docs, sums = np.asarray(postings.doc_ids[word.start : word.stop]), weights[word.start : word.stop] * 1.0
            sums *= word.count
        else:
            docs = np.union1d(docs, postings.doc_ids[word.start : word.stop])
            sums = sum(_lookup(postings, weights, one, docs) for one in words[:taken])
        if not rest:
            return within_band(docs, sums, k, error)
        if docs.size < k:
            continue
        best_docs, best = _best(docs, sums, max(4 * k, 64))
        best = best + sum(_lookup(postings, weights, one, best_docs) for one in rest)
        threshold = kth_largest(best, k) - 2 * error if best.size >= k else 0.0
        rest = sorted(rest, key=lambda one: -one.count * one.bound)
        bounds = [*np.cumsum([one.count * one.bound for one in reversed(rest)])[::-1].tolist(), 0.0]  # of rest[i:]
        if threshold <= 0 or threshold <= bounds[0]:
            continue  # a document without any word taken could still be in the band
        keep = sums >= threshold - bounds[0]
        candidates, approx = docs[keep], sums[keep]
        if FORCE != "sparse" and candidates.size * len(rest) * LOOKUP_COST > dense_cost:
            continue  # cheaper to take another word
        for index, one in enumerate(rest):
            approx = approx + _lookup(postings, weights, one, candidates)
            keep = approx + bounds[index + 1] >= threshold
            candidates, approx = candidates[keep], approx[keep]
        return within_band(candidates, approx, k, error)
    return None


def top_band(
    postings: Postings, weights: np.ndarray, spans: Sequence[tuple[int, int, int]], k: int, error: float
) -> np.ndarray:
    """Every document that can be among the k best by Σ count·weight over the postings `spans` (start, stop, count).

    Scores are only known to ±`error`: a document of the exact top k has an approximate score within 2·error of
    the k-th best approximate one, so that band (rarely much more than k documents) is returned, in no particular
    order. Only documents with a posting in `spans` are returned, and only those postings are read. Any sign of
    weights.
    """
    doc_ids, doc_count = postings.doc_ids, postings.doc_len.size
    if len(spans) == 1:  # one word: its weights are the scores (a repeat scales them all alike)
        start, stop, _ = spans[0]
        return within_band(np.asarray(doc_ids[start:stop]), np.asarray(weights[start:stop]), k, error)
    parts = [
        (doc_ids[start:stop], np.multiply(weights[start:stop], count, dtype=np.float64)) for start, stop, count in spans
    ]
    if sum(docs.size for docs, _ in parts) * DENSE_RATIO < doc_count:
        docs = np.concatenate([docs for docs, _ in parts])
        order = np.argsort(docs, kind="stable")  # merges the words' already sorted runs
        docs = docs[order]
        starts = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))
        approx = np.add.reduceat(np.concatenate([w for _, w in parts])[order], starts)
        return within_band(docs[starts], approx, k, error)
    sums = np.zeros(doc_count)
    for docs, part in parts:  # a word's documents are distinct, but np.add.at would not mind
        np.add.at(sums, docs, part)
    positive = np.flatnonzero(sums > 0)
    if positive.size >= k:
        approx = sums[positive]
        threshold = kth_largest(approx, k) - 2 * error
        if threshold > 0:  # then no document without a query word (sum 0) is in the band
            return positive[approx >= threshold]
    present = np.zeros(doc_count, dtype=bool)
    for docs, _ in parts:
        present[docs] = True
    candidates = np.flatnonzero(present)
    return within_band(candidates, sums[candidates], k, error)
