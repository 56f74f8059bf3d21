"""Calling the compiled kernels (index/kernels.py) for one index: their arguments, scratch space and warm-up.

The kernels rank by float32 approximate scores and rescore exactly (see kernels.py); this module prepares
what they need once per index (the arrays in argument order, each document's length factor in float32) and keeps a
pool of scratch arrays (a zeroed float32 score and room for candidates per document), one set per query in flight:
the kernels release the GIL, so queries from several threads run side by side (one per core), each on its own set.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from types import SimpleNamespace

import numpy as np

from index.postings import Postings

# The order of the index arrays the kernels take as one tuple (index/kernels.py, which imports numba: not here).
INDEX_ARRAYS = (
    "doc_low", "tf_nibbles", "run_offsets", "run_chunk", "run_start", "column_terms", "columns", "big_at", "big_tf",
    "doc_len", "idf", "bounds",
)  # fmt: skip

VARIANT_CODES = {"okapi": 0, "plus": 1, "l": 2}  # kernels.OKAPI, PLUS, L


class KernelQueries:
    """The kernels' view of one index: `top_k` and `exact_scores` over term ids."""

    def __init__(
        self, postings: Postings, idf: np.ndarray, bounds: np.ndarray, model: tuple[str, float, float, float, float]
    ) -> None:
        variant, k1, b, delta, avgdl = model
        # The tuple the kernels take, in the order of INDEX_ARRAYS.
        self._index = (*(getattr(postings, name) for name in INDEX_ARRAYS[:10]), idf, bounds)
        self._doc_count = postings.doc_count
        self._params = _read_only(np.array([VARIANT_CODES[variant], k1, b, delta, avgdl], dtype=np.float64))
        self._vocabulary = (postings.vocab_blob, postings.vocab_offsets)
        self._model = model
        self._factors: np.ndarray | None = None
        self._pool: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._slots = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))

    def _length_factors(self) -> np.ndarray:
        """Per document, float32: k1·norm (Okapi, BM25+) or 1/norm (BM25L); computed on first need."""
        if self._factors is None:
            variant, k1, b, _, avgdl = self._model
            doc_len = self._index[INDEX_ARRAYS.index("doc_len")]
            norm = 1 - b + b * doc_len / avgdl if doc_len.size else np.zeros(0)
            with np.errstate(divide="ignore"):  # norm is 0 only for an empty document with b = 1: never read
                factors = np.where(norm > 0, 1 / norm, 0.0) if variant == "l" else np.where(norm > 0, k1 * norm, 1.0)
            self._factors = _read_only(factors.astype(np.float32))
        return self._factors

    def find(self, kernels: SimpleNamespace, key: bytes) -> int:
        """The id of the term with these UTF-8 bytes, or −1."""
        return int(kernels.find_term(*self._vocabulary, _read_only(np.frombuffer(key, dtype=np.uint8))))

    def top_k(self, kernels: SimpleNamespace, query: Sequence[int], k: int) -> list[tuple[int, float]]:
        """The best `k` (doc, exact score), best first; `query`: known term ids with idf ≥ 0, in query order."""
        factors = self._factors if self._factors is not None else self._length_factors()
        with self._slots:  # at most one query per core in flight: more would only hold more scratch memory
            try:
                scratch = self._pool.pop()
            except IndexError:
                size = self._doc_count  # untouched pages cost nothing: the candidates rarely fill more than a few
                scratch = (np.zeros(size, np.float32), np.empty(size, np.int32), np.empty(size, np.float32))
            query_ids = np.array(query, dtype=np.int64)
            docs, scores = kernels.top_k(self._index, factors, self._params, query_ids, k, *scratch)
            self._pool.append(scratch)  # only once the kernel finished: its scores are all 0 again
        return list(zip(docs.tolist(), scores.tolist(), strict=True))

    def exact_scores(self, kernels: SimpleNamespace, query: Sequence[int], docs: np.ndarray) -> np.ndarray:
        """Exact float64 scores of `docs` (int64, in range) for `query` (known term ids, in query order)."""
        return kernels.exact_scores(self._index, self._params, np.array(query, dtype=np.int64), docs)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def warm_up(kernels: SimpleNamespace) -> None:
    """Run every kernel once, on small indexes of each variant with and without columns (compiling or loading
    them from numba's cache), with exactly the argument types the queries use."""
    from index import postings_build
    from index.bm25 import BM25Params, CompiledIndex

    docs = [["warm", "up"] * (i % 3 + 1) + ["w"] * (i % 17 == 0) + [f"x{i % 5}"] * 20 for i in range(40)]
    for variant in VARIANT_CODES:
        for share in (postings_build.COLUMN_SHARE, 0):
            index = CompiledIndex.build(docs, BM25Params(variant=variant), column_share=share)
            engine = index.kernel_queries
            engine.find(kernels, b"warm")
            engine.top_k(kernels, [0, 1, 0], 3)
            engine.exact_scores(kernels, [0, 1], np.arange(3, dtype=np.int64))
