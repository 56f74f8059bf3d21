"""A deterministic synthetic news-like corpus for the benchmarks: Zipfian words, paragraphs of 40–120 words.

The corpus is made once per run as token ids (int32, flat, with lengths) and saved as one .npz file, so every
engine's child process reads exactly the same tokens without generating them again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))
VOCABULARY = 50_000
SEED = 20240607


def make_vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    """`size` distinct made-up lower-case words of 2–12 letters (no digits or punctuation: every engine's own
    tokenizer splits them exactly as they are given)."""
    words: dict[str, None] = {}
    while len(words) < size:
        lengths = rng.integers(2, 13, size=size)
        letters = rng.choice(LETTERS, size=(size, 12))
        for row, length in zip(letters, lengths, strict=True):
            words["".join(row[:length])] = None
    return list(words)[:size]


def zipf_sampler(size: int, rng: np.random.Generator, exponent: float = 1.0) -> Callable[[int], np.ndarray]:
    """A function drawing word ranks (0-based) with probability ∝ 1 / rank**exponent."""
    cumulative = np.cumsum(1.0 / np.arange(1, size + 1) ** exponent)
    cumulative /= cumulative[-1]
    return lambda count: np.minimum(np.searchsorted(cumulative, rng.random(count)), size - 1).astype(np.int32)


@dataclass(frozen=True)
class Corpus:
    """Paragraphs and queries as token ids into `words`."""

    words: np.ndarray  # str, the vocabulary by rank (most frequent first)
    tokens: np.ndarray  # int32, every paragraph's token ids, concatenated
    lengths: np.ndarray  # int32 per paragraph
    query_tokens: np.ndarray  # int32, every query's token ids, concatenated
    query_lengths: np.ndarray  # int32 per query

    @property
    def paragraph_count(self) -> int:
        """How many paragraphs there are."""
        return len(self.lengths)

    def docs(self) -> list[list[str]]:
        """The paragraphs as lists of words (the word objects are shared, as a tokenizer's interned terms are)."""
        return _split(self.words[self.tokens].tolist(), self.lengths)

    def queries(self) -> list[list[str]]:
        """The queries as lists of words."""
        return _split(self.words[self.query_tokens].tolist(), self.query_lengths)

    def texts(self) -> list[str]:
        """The paragraphs as space-separated text, for engines that tokenize for themselves."""
        return [" ".join(doc) for doc in self.docs()]

    def save(self, path: Path) -> None:
        """Write the corpus as one uncompressed .npz file."""
        np.savez(
            path,
            words=self.words.astype(str),
            tokens=self.tokens,
            lengths=self.lengths,
            query_tokens=self.query_tokens,
            query_lengths=self.query_lengths,
        )

    @classmethod
    def load(cls, path: Path) -> Corpus:
        """Read a corpus written by `save`."""
        with np.load(path, allow_pickle=False) as data:
            return cls(
                words=data["words"].astype(object),
                tokens=data["tokens"],
                lengths=data["lengths"],
                query_tokens=data["query_tokens"],
                query_lengths=data["query_lengths"],
            )


def _split(flat: list[str], lengths: np.ndarray) -> list[list[str]]:
    ends = np.cumsum(lengths).tolist()
    return [flat[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]


def make_corpus(paragraphs: int, queries: int, vocabulary: int = VOCABULARY, seed: int = SEED) -> Corpus:
    """`paragraphs` paragraphs of 40–120 Zipf-drawn words and `queries` queries of 2–5 words from the same
    distribution; the same arguments always give the same corpus."""
    rng = np.random.default_rng(seed)
    words = np.array(make_vocabulary(vocabulary, rng), dtype=object)
    draw = zipf_sampler(vocabulary, rng)
    lengths = rng.integers(40, 121, size=paragraphs).astype(np.int32)
    tokens = np.empty(int(lengths.sum()), dtype=np.int32)
    chunk = 1 << 24  # bounded temporary memory at a million paragraphs
    for start in range(0, tokens.size, chunk):
        tokens[start : start + chunk] = draw(min(chunk, tokens.size - start))
    query_lengths = rng.integers(2, 6, size=queries).astype(np.int32)
    query_tokens = draw(int(query_lengths.sum()))
    return Corpus(words, tokens, lengths, query_tokens, query_lengths)
