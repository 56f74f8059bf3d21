"""Compiling tokenized documents into `Postings`, one chunk of 65,536 documents at a time.

Each chunk is counted on its own (Python touches each token once, to map it to an id; grouping is a stable radix
sort by term, counting is numpy), leaving 3 bytes per (term, document) pair; once every chunk is in, the pairs are
copied term by term into the final arrays and each chunk is freed as soon as it is copied. Memory stays near the
size of the result plus one chunk's work, whatever the corpus size, and the documents may come from an iterator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice

import numpy as np

from index.postings import CHUNK_BITS, COLUMN_BIG, NIBBLE_BIG, Postings, encode_term

CHUNK = 1 << CHUNK_BITS
# A term in at least 1/COLUMN_SHARE of the documents gets a column: one byte per document costs less than its
# postings (2.5 bytes each) above about 40%, and adding it up costs less than adding postings above about 20%.
COLUMN_SHARE = 4


@dataclass
class _Chunk:
    """One chunk's (term, document) pairs, grouped by term id (first-seen order), documents ascending."""

    counts: np.ndarray  # int64 per term id known when the chunk was read: its pairs in this chunk
    doc_low: np.ndarray  # uint16 per pair: the document within the chunk
    tf: np.ndarray  # smallest unsigned dtype per pair: occurrences


@dataclass(frozen=True)
class TermExtremes:
    """Per term (vocabulary order): its largest frequency and the shortest document containing it."""

    max_tf: np.ndarray  # int64
    min_len: np.ndarray  # int64


def _batches(docs: Iterable[Sequence[str]]) -> Iterator[list[Sequence[str]]]:
    iterator = iter(docs)
    while batch := list(islice(iterator, CHUNK)):
        yield batch


def _stable_order(ranks: np.ndarray, term_count: int) -> np.ndarray:
    """The permutation that sorts `ranks` (non-negative int32 below `term_count`) stably, by 16-bit radix passes."""
    if term_count <= 1 << 16:
        return np.argsort(ranks.astype(np.uint16), kind="stable")
    low = np.argsort((ranks & 0xFFFF).astype(np.uint16), kind="stable")
    return low[np.argsort((ranks[low] >> 16).astype(np.uint16), kind="stable")]


def _read_chunk(batch: list[Sequence[str]], ids: defaultdict[str, int]) -> tuple[_Chunk, np.ndarray]:
    """Count one chunk's pairs; new terms get the next ids. Returns the chunk and its documents' lengths."""
    lengths = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
    total = int(lengths.sum())
    tokens = np.fromiter(map(ids.__getitem__, chain.from_iterable(batch)), dtype=np.int32, count=total)
    order = _stable_order(tokens, len(ids))  # tokens are in document order: a stable sort keeps it within a term
    terms = tokens[order]
    del tokens
    docs = np.repeat(np.arange(len(batch), dtype=np.uint16), lengths)[order]
    del order
    boundary = np.empty(total, dtype=bool)
    boundary[:1] = True
    np.not_equal(docs[1:], docs[:-1], out=boundary[1:])
    boundary[1:] |= terms[1:] != terms[:-1]
    starts = np.flatnonzero(boundary)
    del boundary
    tf = np.diff(starts, append=total)
    counts = np.bincount(terms[starts], minlength=len(ids))
    chunk = _Chunk(counts, docs[starts], tf.astype(np.min_scalar_type(int(tf.max())) if tf.size else np.uint8))
    return chunk, lengths.astype(np.int32)


def compile_postings(
    docs: Iterable[Sequence[str]], *, column_share: int | None = None
) -> tuple[Postings, TermExtremes]:
    """Count every (term, document) pair of already-tokenized documents into Postings (see index/postings.py).

    A term in at least 1/`column_share` (default COLUMN_SHARE) of the documents gets a column; 0: none does.
    """
    ids: defaultdict[str, int] = defaultdict()
    ids.default_factory = ids.__len__  # an unseen term gets the next id
    chunks: list[_Chunk | None] = []
    lengths: list[np.ndarray] = []
    for batch in _batches(docs):
        chunk, batch_lengths = _read_chunk(batch, ids)
        chunks.append(chunk)
        lengths.append(batch_lengths)
    doc_len = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int32)
    share = COLUMN_SHARE if column_share is None else column_share
    return _Assembly(list(ids), chunks, doc_len, share).run()


class _Assembly:
    """Copies the chunks' pairs into the final arrays, in vocabulary order (see compile_postings)."""

    def __init__(self, terms: list[str], chunks: list[_Chunk | None], doc_len: np.ndarray, share: int) -> None:
        self.chunks, self.doc_len = chunks, doc_len
        encoded = [encode_term(term) for term in terms]
        order = sorted(range(len(encoded)), key=encoded.__getitem__)
        self.sorted_terms = [encoded[i] for i in order]
        self.order = np.array(order, dtype=np.int64)
        self.rank = np.empty(len(order), dtype=np.int64)
        self.rank[self.order] = np.arange(len(order), dtype=np.int64)
        term_count, doc_count = len(order), doc_len.size
        self.df_by_id = np.zeros(term_count, dtype=np.int64)
        for chunk in chunks:
            assert chunk is not None
            self.df_by_id[: chunk.counts.size] += chunk.counts
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

    def run(self) -> tuple[Postings, TermExtremes]:
        """Copy every chunk (freeing each once copied) and return the postings and each term's extremes."""
        doc_count = self.doc_len.size
        self.doc_low = np.zeros(self.posting_count, dtype=np.uint16)
        self.tf = np.zeros(self.posting_count, dtype=np.uint8)  # saturated at 255, packed into nibbles below
        self.columns = np.zeros((self.column_terms.size, doc_count), dtype=np.uint8)
        runs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        big: list[tuple[np.ndarray, np.ndarray]] = []
        for number in range(len(self.chunks)):
            chunk = self.chunks[number]
            assert chunk is not None
            self.chunks[number] = None
            runs.append(self._copy(number, chunk, big))
            del chunk
        rank, chunk_of, start = (_joined([run[part] for run in runs], np.int64) for part in range(3))
        order = np.lexsort((chunk_of, rank))
        run_offsets = np.zeros(self.rank.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(rank, minlength=self.rank.size), out=run_offsets[1:])
        keys, values = _joined([k for k, _ in big], np.int64), _joined([v for _, v in big], np.uint32)
        by_key = np.argsort(keys, kind="stable")
        postings = Postings(
            vocab_blob=np.frombuffer(b"".join(self.sorted_terms), dtype=np.uint8),
            vocab_offsets=_starts(np.array([len(term) for term in self.sorted_terms], dtype=np.int64)),
            df=self.df_by_id[self.order].astype(np.int32),
            run_offsets=run_offsets,
            run_chunk=chunk_of[order].astype(np.uint16),
            run_start=np.append(start[order], self.posting_count).astype(np.int64),
            doc_low=self.doc_low,
            tf_nibbles=_pack_nibbles(self.tf),
            column_terms=self.column_terms,
            columns=self.columns,
            big_at=keys[by_key].astype(np.int64),
            big_tf=values[by_key].astype(np.uint32),
            doc_len=self.doc_len,
            token_count=int(self.doc_len.sum(dtype=np.int64)),
        )
        return postings, TermExtremes(self.max_tf[self.order], self.min_len[self.order])

    def _copy(
        self, number: int, chunk: _Chunk, big: list[tuple[np.ndarray, np.ndarray]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copy one chunk's pairs into place; returns its runs as (term rank, chunk, first posting)."""
        known = chunk.counts.size
        ids = np.repeat(np.arange(known, dtype=np.int32), chunk.counts)
        tf = chunk.tf.astype(np.int64)
        docs = chunk.doc_low.astype(np.int64) + (number << CHUNK_BITS)
        first = np.cumsum(chunk.counts) - chunk.counts  # by id: its first pair in this chunk
        present = np.flatnonzero(chunk.counts)
        if present.size:  # ids are distinct: plain fancy assignment is enough
            starts = first[present]
            self.max_tf[present] = np.maximum(self.max_tf[present], np.maximum.reduceat(tf, starts))
            self.min_len[present] = np.minimum(self.min_len[present], np.minimum.reduceat(self.doc_len[docs], starts))
        in_column = self.is_column[:known][ids]
        if in_column.any():
            column = self.column_of_id[ids[in_column]]
            column_tf, column_docs = tf[in_column], docs[in_column]
            self.columns[column, column_docs] = np.minimum(column_tf, COLUMN_BIG)
            saturated = column_tf >= COLUMN_BIG
            keys = self.posting_count + column[saturated] * self.doc_len.size + column_docs[saturated]
            big.append((keys, column_tf[saturated]))
        posted = ~in_column
        ids, tf = ids[posted], tf[posted]
        destination = self.write[ids] + (np.flatnonzero(posted) - first[ids])
        self.doc_low[destination] = chunk.doc_low[posted]
        self.tf[destination] = np.minimum(tf, 255)
        saturated = tf >= NIBBLE_BIG
        big.append((destination[saturated], tf[saturated]))
        with_runs = present[~self.is_column[present]]
        runs = (self.rank[with_runs], np.full(with_runs.size, number, dtype=np.int64), self.write[with_runs].copy())
        self.write[with_runs] += chunk.counts[with_runs]
        return runs


def _pack_nibbles(tf: np.ndarray) -> np.ndarray:
    """Two 4-bit frequencies per byte (posting 2i in the low nibble), saturated at 15."""
    nibbles = np.minimum(tf, NIBBLE_BIG).astype(np.uint8)
    if nibbles.size % 2:
        nibbles = np.append(nibbles, np.uint8(0))
    return nibbles[0::2] | (nibbles[1::2] << 4)


def _empty(dtype: type) -> np.ndarray:
    return np.zeros(0, dtype=dtype)


def _joined(parts: Sequence[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else _empty(dtype)


def _starts(sizes: np.ndarray) -> np.ndarray:
    """0 followed by the running totals of `sizes` (int64): CSR offsets."""
    offsets = np.zeros(sizes.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return offsets
