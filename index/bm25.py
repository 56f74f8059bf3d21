"""BM25 over a compiled inverted index: rank-bm25's scores (Okapi, BM25L, BM25+) without scanning the corpus.

Scores are defined as rank_bm25 0.2.2 computes them (its idf variants, its epsilon floor for Okapi, a repeated
query word counted once per occurrence, BM25+'s delta·idf for absent words) so the two can be compared exactly,
with one exception that keeps every word of the corpus findable:

Okapi's idf, log((N − df + 0.5)/(df + 0.5)), is 0 for a word in exactly half the paragraphs and negative above;
rank-bm25 floors a negative idf to epsilon × the mean idf, which is itself ≤ 0 when the mean is (a story of one or
two paragraphs: every word is in half of them or more) or when epsilon is 0. Such a word scores ≤ 0 everywhere and
is never found. Here a word whose rank-bm25 idf (after its floor) is ≤ 0 gets instead Lucene's always-positive idf,
log(1 + (N − df + 0.5)/(df + 0.5)) (at most log 2 for these words, since df ≥ N/2), scaled down when needed so that
it is at most half the smallest positive idf of the index: such a word is findable, a rarer one still weighs more,
and it never outweighs a word rank-bm25 itself finds. Wherever rank-bm25's idf is positive, it is used unchanged,
so scores equal rank-bm25's for every query made of such words. BM25L's and BM25+'s idfs are always positive
(log((N + 1)/(df + 0.5)) and log((N + 1)/df) with df ≤ N) and are used as they are.
A query only reads the postings of its own words, and prunes where it can (index/topk.py: MaxScore, then a dense
float32 sum): candidates are ranked by precomputed float32 weights, and the few that can reach the top k are
rescored exactly in float64 from term frequencies, lengths and idf.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from index.postings import POSTINGS_DTYPES, Postings, SortedTerms, compile_postings
from index.postings_io import IndexFormatError, load_arrays, save_arrays
from index.topk import Word, pruned_band, top_band

__all__ = ["BM25Params", "CompiledIndex", "IndexFormatError"]

DEFAULT_DELTA = {"plus": 1.0, "l": 0.5}
# A float32 weight is within 2**-24 (relative) of its float64 value, a count times it and each float32 addition
# of the dense sum add as much again: (words + 3)·2**-24 of the largest possible score bounds the error.
_ULP = 2.0**-24
_WEIGHT_CHUNK = 1 << 22


class BM25Params(BaseModel):
    """BM25 scoring parameters; `delta` None means rank-bm25's default for the variant (plus 1.0, l 0.5)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    variant: Literal["okapi", "plus", "l"] = "okapi"
    # The bot's defaults, chosen for questions over news-length paragraphs by the protocol of bench/README.md
    # (tuned on development sets, reported on held-out ones); textbook rank-bm25 is k1 1.5, b 0.75.
    k1: float = Field(0.9, gt=0, le=10)
    b: float = Field(0.4, ge=0, le=1)
    epsilon: float = Field(0.25, ge=0, le=1, description="okapi: negative idf is floored to epsilon × mean idf")
    delta: float | None = Field(None, ge=0, le=10, description="plus and l only")

    @property
    def effective_delta(self) -> float:
        """The delta actually used: 0 for okapi, else `delta` or the variant's default."""
        if self.variant == "okapi":
            return 0.0
        return DEFAULT_DELTA[self.variant] if self.delta is None else self.delta

    @property
    def fingerprint(self) -> str:
        """A short hash of everything that changes scores (an unused parameter of the variant does not count)."""
        used: dict[str, Any] = {"variant": self.variant, "k1": self.k1, "b": self.b}
        used.update({"epsilon": self.epsilon} if self.variant == "okapi" else {"delta": self.effective_delta})
        if self.variant == "okapi":
            used["idf_floor"] = "findable"  # the rule in the module docstring; indexes saved before it are rebuilt
        return hashlib.sha256(json.dumps(used, sort_keys=True).encode()).hexdigest()[:16]


def _idf(params: BM25Params, df: np.ndarray, doc_count: int) -> np.ndarray:
    """Each term's idf, as rank-bm25 computes it for the variant, except that no Okapi idf is ≤ 0 (see above)."""
    df = df.astype(np.float64)
    if params.variant == "okapi":
        idf = np.log(doc_count - df + 0.5) - np.log(df + 0.5)
        if idf.size:
            # rank-bm25 floors negative idf to epsilon × the mean of all idfs, negative ones included.
            idf = np.where(idf < 0, params.epsilon * float(idf.mean()), idf)
            unfindable = idf <= 0
            if unfindable.any():
                idf = np.where(unfindable, findable_idf(idf, df, doc_count), idf)
        return idf
    if params.variant == "l":
        return np.log(doc_count + 1) - np.log(df + 0.5)
    return np.log((doc_count + 1) / df)


def findable_idf(okapi_idf: np.ndarray, df: np.ndarray, doc_count: int) -> np.ndarray:
    """The idf given to words whose rank-bm25 Okapi idf (after its floor) is ≤ 0: Lucene's smoothed idf, scaled to at
    most half the smallest positive idf in `okapi_idf` (unscaled when there is none). Computed for every word; only
    those words use it."""
    smoothed = np.log1p((doc_count - df + 0.5) / (df + 0.5))  # > 0; at most log 2 where df ≥ N/2
    positive = okapi_idf[okapi_idf > 0]
    scale = min(1.0, float(positive.min()) / (2 * np.log(2))) if positive.size else 1.0
    return scale * smoothed


def _length_norm(b: float, doc_len: np.ndarray, avgdl: float) -> np.ndarray:
    """1 − b + b·dl/avgdl, in rank-bm25's operation order."""
    return 1 - b + b * doc_len / avgdl


def _contribution(params: BM25Params, delta: float, idf: Any, tf: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """One query word's score in each document, in rank-bm25's operation order (so results agree to the bit)."""
    k1 = params.k1
    if params.variant == "okapi":
        return idf * (tf * (k1 + 1) / (tf + k1 * norm))
    if params.variant == "l":
        ctd = tf / norm
        return idf * tf * (k1 + 1) * (ctd + delta) / (k1 + ctd + delta)
    return idf * (delta + (tf * (k1 + 1)) / (k1 * norm + tf))


class CompiledIndex:
    """An immutable BM25 index over numbered documents (paragraphs), in memory or memory-mapped from disk."""

    def __init__(
        self, params: BM25Params, postings: Postings, idf: np.ndarray, weights: np.ndarray, bounds: np.ndarray
    ) -> None:
        self.params = params
        self._mapped = {**postings.arrays, "idf": idf, "weights": weights, "bounds": bounds}
        for array in self._mapped.values():
            if array.flags.writeable:
                array.flags.writeable = False
        # Plain ndarray views of the same memory: slicing an np.memmap costs microseconds of Python each time.
        plain = {name: array.view(np.ndarray) for name, array in self._mapped.items()}
        self._postings = Postings(**{name: plain[name] for name in POSTINGS_DTYPES}, token_count=postings.token_count)
        self._idf = plain["idf"]
        self._weights = plain["weights"]
        self._bounds = plain["bounds"]  # float32 per term: its largest |weight|, the MaxScore bound
        self._terms = SortedTerms(postings.vocab_blob, postings.vocab_offsets)
        self.avgdl = postings.token_count / self.doc_count if self.doc_count else 0.0

    @classmethod
    def build(cls, docs: Sequence[Sequence[str]], params: BM25Params) -> CompiledIndex:
        """Compile already-tokenized documents (each a list of terms); 0 documents or empty ones are fine."""
        postings = compile_postings(docs)
        df = np.diff(postings.offsets)
        idf = _idf(params, df, len(postings.doc_len))
        weights = np.empty(len(postings.doc_ids), dtype=np.float32)
        if weights.size:
            avgdl = postings.token_count / len(postings.doc_len)
            norm = _length_norm(params.b, postings.doc_len, avgdl)
            term_of = np.repeat(np.arange(len(df)), df)
            # BM25+'s delta·idf is the same for every document, so it is left out of the ranking weights.
            delta = 0.0 if params.variant == "plus" else params.effective_delta
            for start in range(0, weights.size, _WEIGHT_CHUNK):
                part = slice(start, start + _WEIGHT_CHUNK)
                tf, doc = postings.tf[part], postings.doc_ids[part]
                weights[part] = _contribution(params, delta, idf[term_of[part]], tf, norm[doc])
        bounds = np.maximum.reduceat(np.abs(weights), postings.offsets[:-1]) if weights.size else np.zeros(0)
        return cls(params, postings, idf, weights, bounds.astype(np.float32))

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        """Every array of the index by name (read-only; numpy memmaps when loaded from disk)."""
        return dict(self._mapped)

    @property
    def doc_count(self) -> int:
        """How many documents are indexed (empty ones included)."""
        return len(self._postings.doc_len)

    @property
    def term_count(self) -> int:
        """How many distinct terms are indexed."""
        return len(self._idf)

    @property
    def posting_count(self) -> int:
        """How many (term, document) pairs are indexed."""
        return len(self._postings.doc_ids)

    @property
    def nbytes(self) -> int:
        """The size of all the index's arrays in bytes."""
        return sum(array.nbytes for array in self.arrays.values())

    def _lookup(self, term: str) -> tuple[int, int, int] | None:
        """(term id, first posting, end of postings) of an indexed term, or None."""
        term_id = self._terms.find(term)
        if term_id is None:
            return None
        offsets = self._postings.offsets
        return term_id, int(offsets[term_id]), int(offsets[term_id + 1])

    def df(self, term: str) -> int:
        """How many documents contain `term` (0 when it is not indexed)."""
        found = self._lookup(term)
        return 0 if found is None else found[2] - found[1]

    def idf_of(self, term: str) -> float:
        """The idf of `term` (after Okapi's floor); 0.0 for a term not indexed, as rank-bm25 does."""
        term_id = self._terms.find(term)
        return 0.0 if term_id is None else float(self._idf[term_id])

    def matching_docs(self, term: str) -> np.ndarray:
        """The documents containing `term`, ascending (a read-only view; empty when it is not indexed)."""
        found = self._lookup(term)
        doc_ids = self._postings.doc_ids
        return doc_ids[:0] if found is None else doc_ids[found[1] : found[2]]

    def scores(self, terms: Sequence[str], doc_ids: np.ndarray) -> np.ndarray:
        """Exact float64 scores of the given documents, equal to rank-bm25's get_scores for them.

        One difference: rank-bm25 gives NaN (0/0) to an empty document when b = 1; here an absent word simply
        contributes its limit (0, or delta·idf for BM25+).
        """
        doc_ids = np.asarray(doc_ids, dtype=np.int64).reshape(-1)
        total = np.zeros(doc_ids.size)
        found = {term: self._lookup(term) for term in dict.fromkeys(terms)}
        if doc_ids.size == 0 or not any(found.values()):
            return total
        lookup = doc_ids.astype(np.int32)
        norm = _length_norm(self.params.b, self._postings.doc_len[doc_ids], self.avgdl)
        delta = self.params.effective_delta
        contributions: dict[str, np.ndarray] = {}
        for term in terms:  # in query order, repeats included, like rank-bm25's sum
            if found[term] is None:
                continue
            if term not in contributions:
                term_id, start, stop = found[term]
                tf = self._term_frequencies(start, stop, lookup)
                idf = self._idf[term_id]
                with np.errstate(invalid="ignore"):  # 0/0 only for tf = 0 with b = 1 and dl = 0, replaced below
                    part = _contribution(self.params, delta, idf, tf, norm)
                part[tf == 0] = idf * delta if self.params.variant == "plus" else 0.0
                contributions[term] = part
            total += contributions[term]
        return total

    def _term_frequencies(self, start: int, stop: int, doc_ids: np.ndarray) -> np.ndarray:
        """How often the term with postings start:stop occurs in each of `doc_ids` (int32), as int64."""
        posted = self._postings.doc_ids[start:stop]
        position = np.minimum(np.searchsorted(posted, doc_ids), posted.size - 1)
        present = posted[position] == doc_ids
        tf = np.zeros(doc_ids.size, dtype=np.int64)
        tf[present] = self._postings.tf[start + position[present]]
        return tf

    def top_k(self, terms: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The best `k` documents for the query as (doc, score), best first, ties by lower doc.

        Only documents containing a query word and scoring above 0 are returned; scores equal rank-bm25's.
        """
        query = [(found, count) for term, count in Counter(terms).items() if (found := self._lookup(term))]
        if k <= 0 or not query:
            return []
        # Candidates are ranked by float32 weights, then the band that can hold the exact top k is rescored.
        error = (len(query) + 3) * _ULP * sum(count * self._weight_bound(*found) for found, count in query)
        band = None
        if len(query) > 1 and all(self._idf[term_id] >= 0 for (term_id, _, _), _ in query):  # weights all ≥ 0
            words = [Word(start, stop, count, float(self._bounds[term])) for (term, start, stop), count in query]
            band = pruned_band(self._postings, self._weights, words, k, error)
        if band is None:
            spans = [(start, stop, count) for (_, start, stop), count in query]
            band = top_band(self._postings, self._weights, spans, k, error)
        docs = band.astype(np.int64)
        exact = self.scores(terms, docs)
        positive = exact > 0
        docs, exact = docs[positive], exact[positive]
        best = np.lexsort((docs, -exact))[:k]
        return list(zip(docs[best].tolist(), exact[best].tolist(), strict=True))

    def _weight_bound(self, term_id: int, start: int, stop: int) -> float:
        """The largest magnitude of a term's exact contribution to a score, to bound float32 rounding."""
        bound = float(self._bounds[term_id])  # the weights are all of one sign, idf's
        if self.params.variant == "plus":
            return bound + abs(float(self._idf[term_id])) * self.params.effective_delta
        return bound

    def save(self, directory: Path, key: str) -> None:
        """Write the index under `directory` as a new generation and switch to it atomically (see postings_io)."""
        metadata = {
            "params": self.params.model_dump(),
            "doc_count": self.doc_count,
            "term_count": self.term_count,
            "posting_count": self.posting_count,
            "token_count": self._postings.token_count,
        }
        save_arrays(directory, key, metadata, self.arrays)

    @classmethod
    def load(cls, directory: Path, *, expected_key: str | None) -> CompiledIndex:
        """Open the saved index memory-mapped, after checking it is complete, uncorrupted and built for `expected_key`.

        Raises IndexFormatError (saying why) for anything missing, foreign, stale, truncated, corrupted or
        inconsistent; `expected_key` None skips the staleness check only.
        """
        manifest, arrays = load_arrays(directory, expected_key)
        try:
            params = BM25Params.model_validate(manifest.get("params"))
        except ValidationError as error:
            raise IndexFormatError(f"the saved BM25 parameters are invalid: {error}") from None
        counts = {name: manifest.get(name) for name in ("doc_count", "term_count", "posting_count", "token_count")}
        if not all(isinstance(count, int) and count >= 0 for count in counts.values()):
            raise IndexFormatError("the manifest's document, term, posting or token count is missing or invalid")
        if set(arrays) != {*POSTINGS_DTYPES, "idf", "weights", "bounds"}:
            raise IndexFormatError(f"the saved index has the arrays {sorted(arrays)}, not those of this version")
        postings = Postings(**{name: arrays[name] for name in POSTINGS_DTYPES}, token_count=counts["token_count"])
        idf, weights, bounds = arrays["idf"], arrays["weights"], arrays["bounds"]
        found = {"doc_count": postings.doc_len.size, "term_count": idf.size, "posting_count": postings.doc_ids.size}
        try:
            postings.check()
            if idf.shape != (postings.offsets.size - 1,) or idf.dtype != np.float64:
                raise ValueError(f"idf holds {idf.dtype.str}{list(idf.shape)}, expected a float64 per term")
            if weights.shape != postings.doc_ids.shape or weights.dtype != np.float32:
                raise ValueError(f"weights hold {weights.dtype.str}{list(weights.shape)}, expected float32s")
            if bounds.shape != idf.shape or bounds.dtype != np.float32:
                raise ValueError(f"bounds hold {bounds.dtype.str}{list(bounds.shape)}, expected a float32 per term")
            if any(counts[name] != found[name] for name in found):
                raise ValueError(f"the arrays hold {found}, the manifest says {counts}")
        except ValueError as error:
            raise IndexFormatError(f"the saved index is inconsistent: {error}") from None
        return cls(params, postings, idf, weights, bounds)
