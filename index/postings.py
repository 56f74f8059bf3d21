"""Compiling tokenized documents into CSR postings and a sorted vocabulary, with numpy doing the heavy lifting."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

POSTINGS_DTYPES = {
    "vocab_blob": ("u1",),
    "vocab_offsets": ("i8",),
    "offsets": ("i8",),
    "doc_ids": ("i4",),
    "tf": ("u1", "u2", "u4"),
    "doc_len": ("i4",),
}


def encode_term(term: str) -> bytes:
    """A term's UTF-8 bytes, the vocabulary's sort key (lone surrogates kept, so every `str` has one)."""
    return term.encode("utf-8", "surrogatepass")


class SortedTerms:
    """The vocabulary: terms sorted by their UTF-8 bytes in one blob plus offsets, searched by bisection.

    Nothing is decoded or hashed up front, so a memory-mapped vocabulary is usable as soon as it is opened.
    """

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self._blob = memoryview(blob)
        # A memoryview of the native int64 offsets indexes several times faster than the numpy array.
        self._offsets = memoryview(offsets)

    def __len__(self) -> int:
        """How many terms there are."""
        return len(self._offsets) - 1

    def __getitem__(self, index: int) -> bytes:
        """The UTF-8 bytes of the term with this id."""
        return self._blob[self._offsets[index] : self._offsets[index + 1]].tobytes()

    def find(self, term: str) -> int | None:
        """The id of `term`, or None when it is not in the vocabulary."""
        key = encode_term(term)
        position = bisect_left(self, key)
        return position if position < len(self) and self[position] == key else None


@dataclass(frozen=True)
class Postings:
    """An inverted index in CSR form: the postings of term t are positions offsets[t]:offsets[t+1]."""

    vocab_blob: np.ndarray  # uint8: the sorted terms' UTF-8 bytes, concatenated
    vocab_offsets: np.ndarray  # int64, one more than the terms: where each term starts in vocab_blob
    offsets: np.ndarray  # int64, one more than the terms: where each term's postings start
    doc_ids: np.ndarray  # int32 per posting, ascending within a term
    tf: np.ndarray  # smallest unsigned dtype per posting: occurrences of the term in the document
    doc_len: np.ndarray  # int32 per document: its number of terms
    token_count: int  # total terms in all documents

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays by name (the names of POSTINGS_DTYPES)."""
        return {name: getattr(self, name) for name in POSTINGS_DTYPES}

    def check(self) -> None:
        """Raise ValueError when the arrays cannot be postings (dtypes, lengths, offsets, document numbers).

        Linear in the number of terms and postings, but only simple numpy reductions (no Python loop).
        """
        for name, array in self.arrays.items():
            kind = f"{array.dtype.kind}{array.dtype.itemsize}"
            if array.ndim != 1 or not array.dtype.isnative or kind not in POSTINGS_DTYPES[name]:
                raise ValueError(f"{name} has dtype {array.dtype.str} and {array.ndim} dimensions")
        offsets, vocab_offsets, doc_ids = self.offsets, self.vocab_offsets, self.doc_ids
        if vocab_offsets.size != offsets.size or offsets.size == 0:
            raise ValueError(f"{vocab_offsets.size} vocabulary offsets for {offsets.size} postings offsets")
        if offsets[0] != 0 or offsets[-1] != doc_ids.size or np.any(np.diff(offsets) <= 0):
            raise ValueError("the postings offsets are not strictly increasing from 0 to the number of postings")
        if vocab_offsets[0] != 0 or vocab_offsets[-1] != self.vocab_blob.size or np.any(np.diff(vocab_offsets) < 0):
            raise ValueError("the vocabulary offsets are not monotonic from 0 to the vocabulary's size")
        if self.tf.size != doc_ids.size:
            raise ValueError(f"{self.tf.size} term frequencies for {doc_ids.size} postings")
        if int(self.doc_len.sum(dtype=np.int64)) != self.token_count or (self.doc_len.size and self.doc_len.min() < 0):
            raise ValueError("the document lengths do not add up to the number of tokens")
        if doc_ids.size and (doc_ids.min() < 0 or doc_ids.max() >= self.doc_len.size):
            raise ValueError("a posting names a document outside the index")


def _stable_order(ranks: np.ndarray, term_count: int) -> np.ndarray:
    """The permutation that sorts `ranks` (non-negative int32 below `term_count`) stably, by 16-bit radix passes."""
    if term_count <= 1 << 16:
        return np.argsort(ranks.astype(np.uint16), kind="stable")
    low = np.argsort((ranks & 0xFFFF).astype(np.uint16), kind="stable")
    return low[np.argsort((ranks[low] >> 16).astype(np.uint16), kind="stable")]


def compile_postings(docs: Sequence[Sequence[str]]) -> Postings:
    """Count every (term, document) pair of already-tokenized documents into sorted CSR postings.

    Python touches each token exactly once (to map it to an id, inside a C-level iterator); grouping (a stable
    radix sort by term) and counting are numpy operations.
    """
    doc_count = len(docs)
    doc_len = np.fromiter(map(len, docs), dtype=np.int64, count=doc_count)
    token_count = int(doc_len.sum())
    ids: defaultdict[str, int] = defaultdict()
    ids.default_factory = ids.__len__  # an unseen term gets the next id
    token_ids = np.fromiter(map(ids.__getitem__, chain.from_iterable(docs)), dtype=np.int64, count=token_count)

    encoded = [encode_term(term) for term in ids]
    order = sorted(range(len(encoded)), key=encoded.__getitem__)
    sorted_terms = [encoded[i] for i in order]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    vocab_offsets = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, sorted_terms), dtype=np.int64, count=len(order)), out=vocab_offsets[1:])
    vocab_blob = np.frombuffer(b"".join(sorted_terms), dtype=np.uint8)

    # Tokens are in document order, so a stable sort by term alone groups each term's postings in document order:
    # numpy sorts 16-bit keys stably by radix (O(n)), so ranks go through one or two 16-bit passes (LSD).
    ranks = rank.astype(np.int32)[token_ids]
    del token_ids
    order = _stable_order(ranks, len(sorted_terms))
    sorted_ranks = ranks[order]
    del ranks
    sorted_docs = np.repeat(np.arange(doc_count, dtype=np.int32), doc_len)[order]
    del order
    boundary = np.empty(token_count, dtype=bool)
    boundary[:1] = True
    np.not_equal(sorted_docs[1:], sorted_docs[:-1], out=boundary[1:])
    boundary[1:] |= sorted_ranks[1:] != sorted_ranks[:-1]
    starts = np.flatnonzero(boundary)
    del boundary
    tf = np.empty(starts.size, dtype=np.int64)
    np.subtract(starts[1:], starts[:-1], out=tf[:-1])
    tf[-1:] = token_count - starts[-1:]
    tf = tf.astype(np.min_scalar_type(int(tf.max())) if tf.size else np.uint8)
    doc_ids = sorted_docs[starts]
    del sorted_docs
    offsets = np.zeros(len(sorted_terms) + 1, dtype=np.int64)
    np.cumsum(np.bincount(sorted_ranks[starts], minlength=len(sorted_terms)), out=offsets[1:])
    del sorted_ranks, starts
    return Postings(
        vocab_blob=vocab_blob,
        vocab_offsets=vocab_offsets,
        offsets=offsets,
        doc_ids=doc_ids,
        tf=tf,
        doc_len=doc_len.astype(np.int32),
        token_count=token_count,
    )
