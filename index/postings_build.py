"""Compiling tokenized documents into `Postings`, a batch of documents at a time.

Each batch (16,384 documents) is counted on its own: Python touches each token once, to map it to an id; grouping
is a stable radix sort by term and counting is numpy. That leaves 3 bytes per (term, document) pair. Once every
batch is in, the pairs are copied term by term into the final arrays, each batch freed as soon as it is copied.
Memory stays near the size of the result plus one batch's work, and the documents may come from an iterator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice

import numpy as np

from index.postings import CHUNK_BITS, COLUMN_BIG, NIBBLE_BIG, Postings, encode_term

BATCH = 1 << 14  # documents counted at a time: divides a chunk of 1 << CHUNK_BITS
# A term in at least 1/COLUMN_SHARE of the documents gets a column: one byte per document costs less than its
# postings (2.5 bytes each) above about 40%, and adding it up costs less than adding postings above about 20%.
COLUMN_SHARE = 4


@dataclass
class _Batch:
    """One batch's (term, document) pairs, grouped by term id (first-seen order), documents ascending."""

    first_doc: int
    counts: np.ndarray  # int32 per term id known when the batch was read: its pairs in this batch
    doc_low: np.ndarray  # uint16 per pair: the document & 0xFFFF
    tf: np.ndarray  # smallest unsigned dtype per pair: occurrences


@dataclass(frozen=True)
class TermExtremes:
    """Per term (vocabulary order): its largest frequency and the shortest document containing it."""

    max_tf: np.ndarray  # int64
    min_len: np.ndarray  # int64


def _batches(docs: Iterable[Sequence[str]]) -> Iterator[list[Sequence[str]]]:
    iterator = iter(docs)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def _stable_order(ranks: np.ndarray, term_count: int) -> np.ndarray:
    """The permutation that sorts `ranks` (non-negative int32 below `term_count`) stably, by 16-bit radix passes."""
    if term_count <= 1 << 16:
        return np.argsort(ranks.astype(np.uint16), kind="stable")
    low = np.argsort((ranks & 0xFFFF).astype(np.uint16), kind="stable")
    return low[np.argsort((ranks[low] >> 16).astype(np.uint16), kind="stable")]


def _read_batch(batch: list[Sequence[str]], first_doc: int, ids: defaultdict[str, int]) -> tuple[_Batch, np.ndarray]:
    """Count one batch's pairs; new terms get the next ids. Returns the batch and its documents' lengths."""
    lengths = np.fromiter(map(len, batch), dtype=np.int32, count=len(batch))
    total = int(lengths.sum(dtype=np.int64))
    tokens = np.fromiter(map(ids.__getitem__, chain.from_iterable(batch)), dtype=np.int32, count=total)
    order = _stable_order(tokens, len(ids))  # tokens are in document order: a stable sort keeps it within a term
    terms = tokens[order]
    del tokens
    low = (first_doc & 0xFFFF) + np.arange(len(batch), dtype=np.uint16)
    docs = np.repeat(low, lengths)[order]
    del order
    boundary = np.empty(total, dtype=bool)
    boundary[:1] = True
    np.not_equal(docs[1:], docs[:-1], out=boundary[1:])
    boundary[1:] |= terms[1:] != terms[:-1]
    starts = np.flatnonzero(boundary)
    del boundary
    tf = np.diff(starts, append=total)
    tf = tf.astype(np.min_scalar_type(int(tf.max())) if tf.size else np.uint8)
    counts = np.bincount(terms[starts], minlength=len(ids)).astype(np.int32)
    return _Batch(first_doc, counts, docs[starts], tf), lengths


def compile_postings(
    docs: Iterable[Sequence[str]], *, column_share: int | None = None
) -> tuple[Postings, TermExtremes]:
    """Count every (term, document) pair of already-tokenized documents into Postings (see index/postings.py).

    A term in at least 1/`column_share` (default COLUMN_SHARE) of the documents gets a column; 0: none does.
    """
    ids: defaultdict[str, int] = defaultdict()
    ids.default_factory = ids.__len__  # an unseen term gets the next id
    batches: list[_Batch | None] = []
    lengths: list[np.ndarray] = []
    for batch in _batches(docs):
        counted, batch_lengths = _read_batch(batch, BATCH * len(batches), ids)
        batches.append(counted)
        lengths.append(batch_lengths)
    doc_len = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int32)
    share = COLUMN_SHARE if column_share is None else column_share
    return _Assembly(list(ids), batches, doc_len, share).run()


class _Assembly:
    """Copies the batches' pairs into the final arrays, in vocabulary order (see compile_postings)."""

    def __init__(self, terms: list[str], batches: list[_Batch | None], doc_len: np.ndarray, share: int) -> None:
        self.batches, self.doc_len = batches, doc_len
        encoded = [encode_term(term) for term in terms]
        order = sorted(range(len(encoded)), key=encoded.__getitem__)
        self.sorted_terms = [encoded[i] for i in order]
        self.order = np.array(order, dtype=np.int64)
        self.rank = np.empty(len(order), dtype=np.int64)
        self.rank[self.order] = np.arange(len(order), dtype=np.int64)
        term_count, doc_count = len(order), doc_len.size
        self.df_by_id = np.zeros(term_count, dtype=np.int64)
        for batch in batches:
            assert batch is not None
            self.df_by_id[: batch.counts.size] += batch.counts
        self.is_column = (self.df_by_id * share >= doc_count) & (share > 0)
        column_terms = np.sort(self.rank[self.is_column])
        self.column_terms = column_terms.astype(np.int32)
        self.column_of_id = np.full(term_count, -1, dtype=np.int64)
        self.column_of_id[self.order[column_terms]] = np.arange(column_terms.size)
        posted = np.where(self.is_column, 0, self.df_by_id)[self.order]  # postings per term, vocabulary order
        self.write = np.zeros(term_count, dtype=np.int64)  # by id: where the term's next postings go
        self.write[self.order] = np.cumsum(posted) - posted
        self.posting_count = int(posted.sum())
        self.max_tf = np.zeros(term_count, dtype=np.int64)
        self.min_len = np.full(term_count, np.iinfo(np.int64).max, dtype=np.int64)
        self.doc_low = np.zeros(self.posting_count, dtype=np.uint16)
        self.tf_nibbles = np.zeros((self.posting_count + 1) // 2, dtype=np.uint8)
        self.columns = np.zeros((column_terms.size, doc_count), dtype=np.uint8)
        self.big: list[tuple[np.ndarray, np.ndarray]] = []

    def run(self) -> tuple[Postings, TermExtremes]:
        """Copy every batch (freeing each once copied) and return the postings and each term's extremes."""
        runs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        chunk_write = self.write.copy()  # where each term's postings of the current chunk start
        for number in range(len(self.batches)):
            batch = self.batches[number]
            assert batch is not None
            self.batches[number] = None
            if batch.first_doc % (1 << CHUNK_BITS) == 0:
                chunk_write = self.write.copy()
            self._copy(batch)
            last_of_chunk = number + 1 == len(self.batches) or (batch.first_doc + BATCH) % (1 << CHUNK_BITS) == 0
            if last_of_chunk:
                with_runs = np.flatnonzero(self.write != chunk_write)
                chunk = np.full(with_runs.size, batch.first_doc >> CHUNK_BITS, dtype=np.int64)
                runs.append((self.rank[with_runs], chunk, chunk_write[with_runs]))
            del batch
        rank, chunk_of, start = (_joined([run[part] for run in runs], np.int64) for part in range(3))
        order = np.lexsort((chunk_of, rank))
        keys, values = _joined([k for k, _ in self.big], np.int64), _joined([v for _, v in self.big], np.uint32)
        by_key = np.argsort(keys, kind="stable")
        postings = Postings(
            vocab_blob=np.frombuffer(b"".join(self.sorted_terms), dtype=np.uint8),
            vocab_offsets=_starts(np.array([len(term) for term in self.sorted_terms], dtype=np.int64)),
            df=self.df_by_id[self.order].astype(np.int32),
            run_offsets=_starts(np.bincount(rank, minlength=self.rank.size)),
            run_chunk=chunk_of[order].astype(np.uint16),
            run_start=np.append(start[order], self.posting_count).astype(np.int64),
            doc_low=self.doc_low,
            tf_nibbles=self.tf_nibbles,
            column_terms=self.column_terms,
            columns=self.columns,
            big_at=keys[by_key],
            big_tf=values[by_key],
            doc_len=self.doc_len,
            token_count=int(self.doc_len.sum(dtype=np.int64)),
        )
        return postings, TermExtremes(self.max_tf[self.order], self.min_len[self.order])

    def _copy(self, batch: _Batch) -> None:
        """Copy one batch's pairs into place and advance the terms' write positions."""
        counts = batch.counts.astype(np.int64)
        present = np.flatnonzero(counts)
        if not present.size:
            return
        first = np.cumsum(counts) - counts  # by id: its first pair in this batch
        ids = np.repeat(present.astype(np.int32), counts[present])
        docs = (batch.first_doc & ~0xFFFF) + batch.doc_low.astype(np.int64)
        starts = first[present]
        self.max_tf[present] = np.maximum(self.max_tf[present], np.maximum.reduceat(batch.tf, starts))
        self.min_len[present] = np.minimum(self.min_len[present], np.minimum.reduceat(self.doc_len[docs], starts))
        in_column = self.is_column[ids]
        if in_column.any():
            column, column_docs, tf = self.column_of_id[ids[in_column]], docs[in_column], batch.tf[in_column]
            self.columns[column, column_docs] = np.minimum(tf, COLUMN_BIG)
            saturated = tf >= COLUMN_BIG
            keys = self.posting_count + column[saturated] * self.doc_len.size + column_docs[saturated]
            self.big.append((keys, tf[saturated].astype(np.uint32)))
        posted = np.flatnonzero(~in_column)
        del in_column, docs
        ids, tf = ids[posted], batch.tf[posted]
        destination = (self.write[: counts.size] - first)[ids] + posted  # a term's pairs are consecutive in both
        self.doc_low[destination] = batch.doc_low[posted]
        _write_nibbles(self.tf_nibbles, destination, np.minimum(tf, NIBBLE_BIG).astype(np.uint8))
        saturated = tf >= NIBBLE_BIG
        self.big.append((destination[saturated], tf[saturated].astype(np.uint32)))
        posting_terms = present[~self.is_column[present]]
        self.write[posting_terms] += counts[posting_terms]


def _write_nibbles(packed: np.ndarray, positions: np.ndarray, values: np.ndarray) -> None:
    """Set the 4-bit values at `positions` (distinct) of `packed` (posting 2i in the low nibble of byte i)."""
    for parity, shift, keep in ((0, 0, 0xF0), (1, 4, 0x0F)):  # one parity at a time: no byte is written twice
        chosen = (positions & 1) == parity
        where = positions[chosen] >> 1
        packed[where] = (packed[where] & keep) | (values[chosen] << shift)


def _joined(parts: Sequence[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


def _starts(sizes: np.ndarray) -> np.ndarray:
    """0 followed by the running totals of `sizes` (int64): CSR offsets."""
    offsets = np.zeros(sizes.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return offsets
