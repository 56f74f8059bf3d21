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
A query only reads its own words' postings and columns (index/postings.py), in compiled kernels (index/kernels.py)
once they are loaded: documents are ranked by float32 approximate scores computed from the frequencies, and the
band that can hold the exact top k is rescored exactly in float64 from frequencies, lengths and idf. Small indexes,
and every index until the kernels are loaded, are answered exactly in numpy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from index import accel
from index.postings import POSTINGS_DTYPES, Postings, SortedTerms, encode_term
from index.postings_build import TermExtremes, compile_postings
from index.postings_io import IndexFormatError, load_arrays, save_arrays
from index.topk import KernelQueries

__all__ = ["BM25Params", "CompiledIndex", "IndexFormatError"]

DEFAULT_DELTA = {"plus": 1.0, "l": 0.5}
_TERM_CACHE = 16_384  # term ids remembered per index (a dict of recent query words; cleared when full)


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

    def __init__(self, params: BM25Params, postings: Postings, idf: np.ndarray, bounds: np.ndarray) -> None:
        self.params = params
        self._mapped = {**postings.arrays, "idf": idf, "bounds": bounds}
        for array in self._mapped.values():
            if array.flags.writeable:
                array.flags.writeable = False
        # Plain ndarray views of the same memory: slicing an np.memmap costs microseconds of Python each time.
        plain = {name: array.view(np.ndarray) for name, array in self._mapped.items()}
        self._postings = Postings(**{name: plain[name] for name in POSTINGS_DTYPES}, token_count=postings.token_count)
        self._idf = plain["idf"]
        self._bounds = plain["bounds"]  # float32 per term: at least its largest |exact contribution|
        self._terms = SortedTerms(postings.vocab_blob, postings.vocab_offsets)
        self.avgdl = postings.token_count / self.doc_count if self.doc_count else 0.0
        self._ids: dict[str, int] = {}
        self._signed = bool(self._idf.size) and bool((self._idf < 0).any())  # the kernels need idf ≥ 0
        model = (params.variant, params.k1, params.b, params.effective_delta, self.avgdl)
        self.kernel_queries = KernelQueries(self._postings, self._idf, self._bounds, model)
        self._wants_kernels = self.doc_count >= accel.MIN_DOCUMENTS

    @classmethod
    def build(
        cls, docs: Iterable[Sequence[str]], params: BM25Params, *, column_share: int | None = None
    ) -> CompiledIndex:
        """Compile already-tokenized documents (each a list of terms; any iterable of them, read once); 0
        documents or empty ones are fine. `column_share` overrides which terms get a column (index/postings.py)."""
        postings, extremes = compile_postings(docs, column_share=column_share)
        idf = _idf(params, postings.df, postings.doc_count)
        avgdl = postings.token_count / postings.doc_count if postings.doc_count else 0.0
        return cls(params, postings, idf, _bounds(params, idf, extremes, avgdl))

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        """Every array of the index by name (read-only; numpy memmaps when loaded from disk)."""
        return dict(self._mapped)

    @property
    def doc_count(self) -> int:
        """How many documents are indexed (empty ones included)."""
        return self._postings.doc_count

    @property
    def term_count(self) -> int:
        """How many distinct terms are indexed."""
        return self._postings.term_count

    @property
    def posting_count(self) -> int:
        """How many (term, document) pairs are indexed."""
        return int(self._postings.df.sum(dtype=np.int64))

    @property
    def nbytes(self) -> int:
        """The size of all the index's arrays in bytes."""
        return sum(array.nbytes for array in self.arrays.values())

    def _kernels(self) -> SimpleNamespace | None:
        """The compiled kernels when this index is big enough to want them and they are loaded, else None."""
        if not self._wants_kernels:
            return None
        accel.start()
        return accel.kernels()

    def _term_id(self, term: str) -> int:
        """The id of an indexed term, or −1 (remembered per index)."""
        found = self._ids.get(term)
        if found is None:
            kernels = self._kernels()
            if kernels is not None:
                found = self.kernel_queries.find(kernels, encode_term(term))
            else:
                found = self._terms.find(term)
                found = -1 if found is None else found
            if len(self._ids) >= _TERM_CACHE:
                self._ids.clear()
            self._ids[term] = found
        return found

    def df(self, term: str) -> int:
        """How many documents contain `term` (0 when it is not indexed)."""
        term_id = self._term_id(term)
        return 0 if term_id < 0 else int(self._postings.df[term_id])

    def idf_of(self, term: str) -> float:
        """The idf of `term` (after Okapi's floor); 0.0 for a term not indexed, as rank-bm25 does."""
        term_id = self._term_id(term)
        return 0.0 if term_id < 0 else float(self._idf[term_id])

    def matching_docs(self, term: str) -> np.ndarray:
        """The documents containing `term`, ascending (read-only int64; empty when it is not indexed)."""
        term_id = self._term_id(term)
        docs = np.zeros(0, dtype=np.int64) if term_id < 0 else self._postings.term_docs(term_id)
        docs.flags.writeable = False
        return docs

    def contains(self, term: str, docs: np.ndarray) -> np.ndarray:
        """Whether each of `docs` (int64, in range, any order) contains `term`, as booleans: a look-up per document,
        never the term's whole posting list (the answer policy asks this of a few passages per question)."""
        term_id = self._term_id(term)
        if term_id < 0:
            return np.zeros(docs.size, dtype=bool)
        return self._postings.term_tfs(term_id, np.asarray(docs, dtype=np.int64)) > 0

    @cached_property
    def largest_idf(self) -> float:
        """The largest idf of any term (0.0 for an empty index)."""
        return float(self._idf.max()) if self._idf.size else 0.0

    def scores(self, terms: Sequence[str], doc_ids: np.ndarray) -> np.ndarray:
        """Exact float64 scores of the given documents, equal to rank-bm25's get_scores for them.

        One difference: rank-bm25 gives NaN (0/0) to an empty document when b = 1; here an absent word simply
        contributes its limit (0, or delta·idf for BM25+). IndexError for a document outside the index.
        """
        docs = np.array(doc_ids, dtype=np.int64).reshape(-1)
        if docs.size and (int(docs.min()) < 0 or int(docs.max()) >= self.doc_count):
            raise IndexError(f"document numbers must be in 0…{self.doc_count - 1}")
        query = [term_id for term in terms if (term_id := self._term_id(term)) >= 0]
        if docs.size == 0 or not query:
            return np.zeros(docs.size)
        kernels = self._kernels()
        if kernels is not None:
            return self.kernel_queries.exact_scores(kernels, query, docs)
        return self._numpy_scores(query, docs)

    def _numpy_scores(self, query: Sequence[int], docs: np.ndarray) -> np.ndarray:
        """`scores` in numpy, for term ids (query order, repeats included) and in-range documents."""
        norm = _length_norm(self.params.b, self._postings.doc_len[docs], self.avgdl)
        delta = self.params.effective_delta
        total = np.zeros(docs.size)
        contributions: dict[int, np.ndarray] = {}
        for term_id in query:  # in query order, repeats included, like rank-bm25's sum
            if term_id not in contributions:
                tf = self._postings.term_tfs(term_id, docs)
                idf = self._idf[term_id]
                with np.errstate(invalid="ignore"):  # 0/0 only for tf = 0 with b = 1 and dl = 0, replaced below
                    part = _contribution(self.params, delta, idf, tf, norm)
                part[tf == 0] = idf * delta if self.params.variant == "plus" else 0.0
                contributions[term_id] = part
            total += contributions[term_id]
        return total

    def top_k(self, terms: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The best `k` documents for the query as (doc, score), best first, ties by lower doc.

        Only documents containing a query word and scoring above 0 are returned; scores equal rank-bm25's.
        """
        if k <= 0:
            return []
        query = [term_id for term in terms if (term_id := self._term_id(term)) >= 0]
        if not query:
            return []
        kernels = self._kernels()
        if kernels is not None and not self._signed:
            return self.kernel_queries.top_k(kernels, query, k)
        present = np.zeros(self.doc_count, dtype=bool)  # every document with a query word (faster than np.unique)
        for term_id in set(query):
            present[self._postings.term_docs(term_id)] = True
        docs = np.flatnonzero(present)
        exact = self._numpy_scores(query, docs)
        positive = exact > 0
        docs, exact = docs[positive], exact[positive]
        if docs.size > k:  # only the k best and their ties need sorting
            contenders = exact >= np.partition(exact, docs.size - k)[docs.size - k]
            docs, exact = docs[contenders], exact[contenders]
        best = np.lexsort((docs, -exact))[:k]
        return list(zip(docs[best].tolist(), exact[best].tolist(), strict=True))

    def save(
        self, directory: Path, key: str, more: Iterable[tuple[str, np.ndarray]] = (), info: dict[str, Any] | None = None
    ) -> None:
        """Write the index under `directory` as a new generation and switch to it atomically (see postings_io).

        `more` are further arrays saved in the same generation (the text store), `info` further manifest entries.
        """
        metadata = {
            "params": self.params.model_dump(),
            "doc_count": self.doc_count,
            "term_count": self.term_count,
            "posting_count": self.posting_count,
            "token_count": self._postings.token_count,
            **(info or {}),
        }
        save_arrays(directory, key, metadata, _chain(self.arrays, more))

    @classmethod
    def load(cls, directory: Path, *, expected_key: str | None) -> CompiledIndex:
        """Open the saved index memory-mapped, after checking it is complete, uncorrupted and built for `expected_key`.

        Raises IndexFormatError (saying why) for anything missing, foreign, stale, truncated, corrupted or
        inconsistent; `expected_key` None skips the staleness check only.
        """
        manifest, arrays = load_arrays(directory, expected_key)
        return cls.from_saved(manifest, arrays)

    @classmethod
    def from_saved(cls, manifest: dict[str, Any], arrays: dict[str, np.ndarray]) -> CompiledIndex:
        """The index from a loaded generation's manifest and arrays (other arrays, like the text store's, are left
        alone); IndexFormatError when they are not a consistent index."""
        arrays = {name: array for name, array in arrays.items() if name in {*POSTINGS_DTYPES, "idf", "bounds"}}
        try:
            params = BM25Params.model_validate(manifest.get("params"))
        except ValidationError as error:
            raise IndexFormatError(f"the saved BM25 parameters are invalid: {error}") from None
        counts = {name: manifest.get(name) for name in ("doc_count", "term_count", "posting_count", "token_count")}
        if not all(isinstance(count, int) and count >= 0 for count in counts.values()):
            raise IndexFormatError("the manifest's document, term, posting or token count is missing or invalid")
        if set(arrays) != {*POSTINGS_DTYPES, "idf", "bounds"}:
            raise IndexFormatError(f"the saved index has the arrays {sorted(arrays)}, not those of this version")
        postings = Postings(**{name: arrays[name] for name in POSTINGS_DTYPES}, token_count=counts["token_count"])
        idf, bounds = arrays["idf"], arrays["bounds"]
        found = {"doc_count": postings.doc_count, "term_count": idf.size, "posting_count": int(postings.df.sum())}
        try:
            postings.check()
            if idf.shape != (postings.term_count,) or idf.dtype != np.float64 or not np.isfinite(idf).all():
                raise ValueError(f"idf holds {idf.dtype.str}{list(idf.shape)}, expected a finite float64 per term")
            if bounds.shape != idf.shape or bounds.dtype != np.float32 or not (bounds >= 0).all():
                raise ValueError(f"bounds hold {bounds.dtype.str}{list(bounds.shape)}, expected a float32 ≥ 0 per term")
            if any(counts[name] != found[name] for name in found):
                raise ValueError(f"the arrays hold {found}, the manifest says {counts}")
        except ValueError as error:
            raise IndexFormatError(f"the saved index is inconsistent: {error}") from None
        return cls(params, postings, idf, bounds)


def _chain(first: dict[str, np.ndarray], more: Iterable[tuple[str, np.ndarray]]) -> Iterator[tuple[str, np.ndarray]]:
    yield from first.items()
    yield from more


def _bounds(params: BM25Params, idf: np.ndarray, extremes: TermExtremes, avgdl: float) -> np.ndarray:
    """Per term, float32 rounded up: at least the largest |exact contribution| it can make to a score.

    A contribution grows with the frequency and shrinks with the document's length, so the term's largest
    frequency in its shortest document bounds it (BM25+ adds its delta·idf, which every document gets).
    """
    if not idf.size:
        return np.zeros(0, dtype=np.float32)
    norm = _length_norm(params.b, extremes.min_len, avgdl)
    delta = params.effective_delta
    with np.errstate(invalid="ignore", divide="ignore"):
        largest = np.abs(_contribution(params, delta, np.abs(idf), extremes.max_tf.astype(np.float64), norm))
    bounds = np.nan_to_num(largest, nan=0.0, posinf=np.finfo(np.float32).max).astype(np.float32)
    return np.nextafter(bounds, np.float32(np.inf)).astype(np.float32)
