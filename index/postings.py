"""The inverted index's layout: a sorted vocabulary, compact postings, and dense term-frequency columns.

Documents are numbered 0…N−1 and split into chunks of 65,536. A term's postings are sorted by document and cut
into *runs*, one per chunk the term occurs in, so each document number is stored as its low 16 bits (the run names
the chunk). Term frequencies take 4 bits (15 means "15 or more": the exact count is in `big_at`/`big_tf`). A term
in at least a quarter of the documents is stored instead as a *column*: one byte per document, its frequency there
(0: absent; 255 means "255 or more", again exact in `big_at`/`big_tf`). At a million paragraphs of news-like text
this takes about 2.5 bytes per (term, document) pair where the plain int32 document + float32 weight + uint8
frequency took 9, and adding up a column is several times faster than adding up the same postings.

    vocab_blob u1, vocab_offsets i8[T+1]   the terms sorted by UTF-8 bytes, concatenated (`SortedTerms`)
    df i4[T]                               documents per term
    run_offsets i8[T+1]                    term t's runs are run_offsets[t]:run_offsets[t+1] (none for a column)
    run_chunk u2[R], run_start i8[R+1]     a run's chunk, and where its postings start (run_start[R] = P)
    doc_low u2[P], tf_nibbles u1[⌈P/2⌉]   per posting: document & 0xFFFF, frequency (low nibble first)
    column_terms i4[C], columns u1[C, N]   the column terms (ascending) and their frequency per document
    big_at i8[E], big_tf u4[E]             exact frequencies ≥ 15 (key: posting) or ≥ 255 (key: P + c·N + doc)
    doc_len i4[N]                          terms per document
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np

CHUNK_BITS = 16
NIBBLE_BIG = 15
COLUMN_BIG = 255
POSTINGS_DTYPES = {
    "vocab_blob": "u1",
    "vocab_offsets": "i8",
    "df": "i4",
    "run_offsets": "i8",
    "run_chunk": "u2",
    "run_start": "i8",
    "doc_low": "u2",
    "tf_nibbles": "u1",
    "column_terms": "i4",
    "columns": "u1",
    "big_at": "i8",
    "big_tf": "u4",
    "doc_len": "i4",
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
    """An inverted index in the layout of the module docstring; `token_count` is the sum of `doc_len`."""

    vocab_blob: np.ndarray
    vocab_offsets: np.ndarray
    df: np.ndarray
    run_offsets: np.ndarray
    run_chunk: np.ndarray
    run_start: np.ndarray
    doc_low: np.ndarray
    tf_nibbles: np.ndarray
    column_terms: np.ndarray
    columns: np.ndarray
    big_at: np.ndarray
    big_tf: np.ndarray
    doc_len: np.ndarray
    token_count: int

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays by name (the names of POSTINGS_DTYPES)."""
        return {name: getattr(self, name) for name in POSTINGS_DTYPES}

    @property
    def doc_count(self) -> int:
        """How many documents there are."""
        return self.doc_len.size

    @property
    def term_count(self) -> int:
        """How many terms there are."""
        return self.df.size

    def column_of(self, term: int) -> int:
        """The column index of a term stored as a column, else −1."""
        position = int(np.searchsorted(self.column_terms, term))
        return position if position < self.column_terms.size and self.column_terms[position] == term else -1

    def term_docs(self, term: int) -> np.ndarray:
        """The documents containing term `term`, ascending, as int64."""
        column = self.column_of(term)
        if column >= 0:
            return np.flatnonzero(self.columns[column])
        docs = self._posted(term)
        return docs if docs.size == 0 or docs.max() < self.doc_count else docs[docs < self.doc_count]  # see check()

    def _posted(self, term: int) -> np.ndarray:
        """The documents of a term with postings, one per posting (so aligned with its frequencies)."""
        runs = slice(int(self.run_offsets[term]), int(self.run_offsets[term + 1]))
        starts = self.run_start[runs.start : runs.stop + 1]
        if starts.size < 2:
            return np.zeros(0, dtype=np.int64)
        bases = self.run_chunk[runs].astype(np.int64) << CHUNK_BITS
        low = self.doc_low[starts[0] : starts[-1]].astype(np.int64)
        return low + np.repeat(bases, np.diff(starts))

    def term_tfs(self, term: int, docs: np.ndarray) -> np.ndarray:
        """How often term `term` occurs in each of `docs` (int64, in range, any order), as int64 (0: absent)."""
        column = self.column_of(term)
        if column >= 0:
            return self._exact(self.columns[column][docs].astype(np.int64), self._column_key(column, docs))
        posted = self._posted(term)
        if posted.size == 0:
            return np.zeros(docs.size, dtype=np.int64)
        position = np.minimum(np.searchsorted(posted, docs), posted.size - 1)
        present = posted[position] == docs
        first = int(self.run_start[int(self.run_offsets[term])])
        index = first + position[present]
        tf = np.zeros(docs.size, dtype=np.int64)
        tf[present] = self._exact(self.nibbles(index), index)
        return tf

    def _column_key(self, column: int, docs: np.ndarray) -> np.ndarray:
        return self.doc_low.size + column * self.doc_count + docs

    def nibbles(self, index: np.ndarray) -> np.ndarray:
        """The 4-bit frequency of each posting in `index` (15: look it up in big_tf), as int64."""
        return ((self.tf_nibbles[index >> 1] >> ((index & 1) << 2).astype(np.uint8)) & 0xF).astype(np.int64)

    def _exact(self, stored: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Frequencies with the saturated ones (15 or 255) replaced by their exact values from big_tf."""
        saturated = np.flatnonzero((stored == NIBBLE_BIG) | (stored == COLUMN_BIG))
        if saturated.size:
            wanted = keys[saturated]
            where = np.minimum(np.searchsorted(self.big_at, wanted), max(self.big_at.size - 1, 0))
            found = self.big_at[where] == wanted if self.big_at.size else np.zeros(wanted.size, dtype=bool)
            stored[saturated[found]] = self.big_tf[where[found]]
        return stored

    def check(self) -> None:
        """Raise ValueError unless every array has its dtype and every offset, chunk and document is in range.

        The query kernels read without bounds checks, so this is what keeps a damaged or foreign index from
        reading outside its arrays. Linear in terms and runs (and in the postings of the last chunk only).
        """
        for name, array in self.arrays.items():
            ndim = 2 if name == "columns" else 1
            if array.ndim != ndim or not array.dtype.isnative or array.dtype.str[1:] != POSTINGS_DTYPES[name]:
                raise ValueError(f"{name} has dtype {array.dtype.str} and {array.ndim} dimensions")
        terms, docs, postings, runs = self.df.size, self.doc_len.size, self.doc_low.size, self.run_chunk.size
        _monotonic("vocabulary offsets", self.vocab_offsets, terms + 1, self.vocab_blob.size, strict=False)
        _monotonic("run offsets", self.run_offsets, terms + 1, runs, strict=False)
        _monotonic("run starts", self.run_start, runs + 1, postings, strict=True)
        if self.tf_nibbles.size != (postings + 1) // 2:
            raise ValueError(f"{self.tf_nibbles.size} frequency bytes for {postings} postings")
        if int(self.doc_len.sum(dtype=np.int64)) != self.token_count or (docs and self.doc_len.min() < 0):
            raise ValueError("the document lengths do not add up to the number of tokens")
        self._check_runs(terms, docs)
        self._check_columns(terms, docs)
        if self.big_tf.size != self.big_at.size:
            raise ValueError(f"{self.big_tf.size} large frequencies for {self.big_at.size} keys")
        keys = self.big_at
        if keys.size and (keys[0] < 0 or keys[-1] >= postings + self.columns.size or np.any(np.diff(keys) <= 0)):
            raise ValueError("the keys of the large frequencies are not increasing within the postings and columns")

    def _check_runs(self, terms: int, docs: int) -> None:
        chunks = (docs + (1 << CHUNK_BITS) - 1) >> CHUNK_BITS
        if self.run_chunk.size and int(self.run_chunk.max()) >= chunks:
            raise ValueError("a run names a chunk outside the index")
        runs_per_term = np.diff(self.run_offsets)
        first_of_term = np.zeros(self.run_chunk.size, dtype=bool)
        first_of_term[self.run_offsets[:-1][runs_per_term > 0]] = True
        if np.any(np.diff(self.run_chunk.astype(np.int64))[~first_of_term[1:]] <= 0):
            raise ValueError("a term's runs are not in increasing chunk order")
        counted = self.run_start[self.run_offsets[1:]] - self.run_start[self.run_offsets[:-1]]
        has_runs = runs_per_term > 0
        if np.any(np.diff(self.run_start) > 1 << CHUNK_BITS) or np.any(self.df[has_runs] != counted[has_runs]):
            raise ValueError("the document frequencies do not match the postings")
        if chunks and docs & 0xFFFF:  # the last chunk is partial: its runs must end below N
            # Only the last run is read here: each read of a memory-mapped page can map megabytes around it (large
            # folios), which would stay resident. Reading postings, the kernels and term_docs skip any document
            # beyond N, so a damaged posting elsewhere is never read past an array.
            ends = self.run_start[1:][self.run_chunk == chunks - 1] - 1
            if ends.size and int(self.doc_low[ends[-1]]) >= docs & 0xFFFF:
                raise ValueError("a posting names a document outside the index")

    def _check_columns(self, terms: int, docs: int) -> None:
        columns = self.column_terms
        if self.columns.shape != (columns.size, docs):
            raise ValueError(f"columns hold {list(self.columns.shape)}, expected {[columns.size, docs]}")
        if columns.size and (columns[0] < 0 or columns[-1] >= terms or np.any(np.diff(columns) <= 0)):
            raise ValueError("the column terms are not increasing term ids")
        if not np.array_equal(np.flatnonzero(np.diff(self.run_offsets) == 0), columns):
            raise ValueError("the terms without postings are not exactly the column terms")
        if terms and (self.df.min() <= 0 or self.df.max() > docs):
            raise ValueError("a document frequency is outside 1 to the number of documents")


def _monotonic(name: str, array: np.ndarray, size: int, last: int, *, strict: bool) -> None:
    if array.size != size or array[0] != 0 or array[-1] != last:
        raise ValueError(f"the {name} do not run from 0 to {last} over {size} entries")
    steps = np.diff(array)
    if np.any(steps <= 0) if strict else np.any(steps < 0):
        raise ValueError(f"the {name} are not {'strictly ' if strict else ''}increasing")
