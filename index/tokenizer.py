"""Text to search terms: the same rules for the story's paragraphs and a member's question.

A "word" is found in the ORIGINAL text (so a token's offsets can bold the original characters), then normalised on
its own: NFKC, case folding, accents folded on Latin letters only, apostrophes unified, possessive 's dropped. Stop
words are removed after normalisation and before Snowball stemming. Hyphens and dashes separate words, so
`US-Mexico` is `us`, `mexico` in a paragraph and in a query alike.

The result of analysing a word depends only on the word, so it is cached: `terms()` runs one C-level regex over the
text and looks every word up in a dict; only a word seen for the first time is analysed in Python.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from typing import NamedTuple

import Stemmer
from pydantic import BaseModel, ConfigDict

# Bump whenever a rule below changes which terms a text gives: indexes built with other rules must be rebuilt.
TOKENIZER_VERSION = 1
# A normalised word longer than this is dropped, not truncated: it is a URL piece, a hash or base64, never a word
# a member types, and a truncated prefix would match unrelated long strings. It still takes a position.
MAX_TERM_CHARS = 64
# Analysed words kept per tokenizer; the cache is emptied when it grows past this (memory stays bounded).
CACHE_LIMIT = 300_000

_LUCENE_STOP_WORDS = (
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these they "
    "this to was will with"
)
ENGLISH_STOP_WORDS: frozenset[str] = frozenset(_LUCENE_STOP_WORDS.split())

# Invisible characters ignored inside a word: soft hyphen, Arabic letter mark, Mongolian vowel separator,
# zero-width space/(non-)joiner, LRM/RLM, bidi embeddings, word joiner, invisible operators, bidi isolates, BOM.
_IGNORABLE = "".join(
    map(chr, [0xAD, 0x61C, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x206A), 0xFEFF])
)
_APOSTROPHES = "'\u2018\u2019\u201b\u02bc\uff07"  # ' ‘ ’ ‛ ʼ ＇
_QUOTES = '"\u201c\u201d\u201e\u201f\u00ab\u00bb'  # " “ ” „ ‟ « »
# Combining marks dropped after a Latin letter (so `Sao` finds `São`); after other letters they are kept, since
# there they are part of the letter (`й` is not `и`).
_LATIN_LETTER = "a-z\u00c0-\u024f\u0250-\u02af\u1d00-\u1dbf\u1e00-\u1eff\u2c60-\u2c7f\ua720-\ua7ff\uab30-\uab6f"
_ACCENTS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"


def _mark_class(astral: bool) -> str:
    """A regex class of the combining marks of the BMP, or of planes 1-3 and 14."""
    codes = chain(range(0x10000, 0x32400), range(0xE0000, 0xE01F0)) if astral else range(0x10000)
    parts: list[str] = []
    start = previous = -2
    for code in codes:
        if unicodedata.category(chr(code))[0] == "M":
            if code != previous + 1:
                if start >= 0:
                    parts.append(f"{re.escape(chr(start))}-{re.escape(chr(previous))}")
                start = code
            previous = code
    parts.append(f"{re.escape(chr(start))}-{re.escape(chr(previous))}")
    return f"[{''.join(parts)}]"


# Python's `\w` has no combining marks, which would split `é` written as e + U+0301 and most Indic words. A class
# with astral code points is matched by a slow range scan, so astral marks are only tried on an astral character.
_MARK = rf"(?:{_mark_class(False)}|(?=[\U00010000-\U0010ffff]){_mark_class(True)})"
_RUN = rf"[^\W_]+(?:{_MARK}+[^\W_]*)*"  # letters and digits of any script, with their marks
# In the original text: an acronym (`U.S.`, `D.C.`), or runs joined by an apostrophe, invisible characters, or
# `.`/`,` between digits (`3.5`, `1,000`). A leading or trailing apostrophe is a quote mark, not part of the word.
# (The lookaheads only make the common case fast.)
_Z = re.escape(_IGNORABLE)
_JOIN = rf"(?=[{_Z}{_APOSTROPHES}.,])(?:[{_Z}]+|[{_APOSTROPHES}]|(?<=\d)[.,](?=\d))"
_WORD = re.compile(rf"(?=[^\W\d_]\.)(?:[^\W\d_]\.){{2,}}(?![^\W_]|{_MARK})|{_RUN}(?:{_JOIN}{_RUN})*")
# In a normalised word: the pieces that are terms (NFKC may have produced punctuation, e.g. `½` is `1⁄2`).
_PIECE = re.compile(rf"{_RUN}(?:(?:'|(?<=\d)\.(?=\d)){_RUN})*")
_PREPARE = str.maketrans({**dict.fromkeys(_APOSTROPHES, "'"), **dict.fromkeys(_IGNORABLE + ",")})
_LATIN_ACCENTS = re.compile(f"([{_LATIN_LETTER}])[{_ACCENTS}]+")
_KEPT = attrgetter("kept")
_QUOTED = re.compile(f"[{_QUOTES}]([^{_QUOTES}]*)[{_QUOTES}]")


def normalize_word(raw: str) -> list[str]:
    """The normalised pieces of one word found in the text, before stop words and stemming (usually one piece)."""
    if raw.isascii() and raw.isalnum():
        return [raw.lower()]
    word = raw.translate(_PREPARE)
    if word.endswith("."):  # only an acronym ends with a dot
        word = word.replace(".", "")
    if not word.isascii():
        word = unicodedata.normalize("NFKC", word).casefold()
        decomposed = unicodedata.normalize("NFD", word)
        word = unicodedata.normalize("NFC", _LATIN_ACCENTS.sub(r"\1", decomposed))
    else:
        word = word.lower()
    pieces = []
    for piece in _PIECE.findall(word):
        if piece.endswith("'s"):
            piece = piece[:-2]
        if piece:
            pieces.append(piece)
    return pieces


class TokenizerSettings(BaseModel):
    """The tokenizer's switches; part of the index fingerprint."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stemming: bool = True
    stop_words: bool = True


DEFAULT_SETTINGS = TokenizerSettings()


class Token(NamedTuple):
    """One kept term and where its word is in the original text (`text[start:end]` is the word as written).

    `position` counts every word piece, stop words and over-long words included, like Lucene's position
    increments: `border of czar` gives `border` at 0 and `czar` at 2, so a caller can tell a phrase typed with a
    stop word from one typed without; consecutive kept tokens are adjacent once stop words are ignored.
    """

    term: str
    start: int
    end: int
    position: int


@dataclass(frozen=True)
class QueryTerms:
    """A member's question as terms: all of them in order, the quoted phrases, and whether stop words were dropped."""

    terms: list[str]
    phrases: list[list[str]]
    dropped_stop_words: bool

    @property
    def all_stop_words(self) -> bool:
        """The question had words, but only stop words ("only common words")."""
        return self.dropped_stop_words and not self.terms


class _Analyzed(NamedTuple):
    """One word as written, analysed: its kept terms, and every piece with None for a dropped one (for positions)."""

    kept: tuple[str, ...]
    pieces: tuple[str | None, ...]


class _Cache(dict[str, _Analyzed]):
    """Word as written -> its analysis; a miss analyses the word. Emptied when full, so memory stays bounded."""

    def __init__(self, settings: TokenizerSettings) -> None:
        super().__init__()
        self.stop_words = ENGLISH_STOP_WORDS if settings.stop_words else frozenset()
        # PyStemmer's own cache is off: this cache already stems each word once, and PyStemmer's costs 3 us a miss.
        self.stemmer = Stemmer.Stemmer("english", 0) if settings.stemming else None
        self.lock = threading.Lock()  # a PyStemmer object must not be used by two threads at once

    def __missing__(self, raw: str) -> _Analyzed:
        pieces: list[str | None] = []
        for piece in normalize_word(raw):
            if len(piece) > MAX_TERM_CHARS or piece in self.stop_words:
                pieces.append(None)
            elif self.stemmer is None:
                pieces.append(piece)
            else:
                with self.lock:
                    pieces.append(self.stemmer.stemWord(piece))
        kept = tuple(term for term in pieces if term is not None)
        value = _Analyzed(kept, kept if len(kept) == len(pieces) else tuple(pieces))
        if len(self) >= CACHE_LIMIT:
            self.clear()
        self[raw] = value
        return value


class Tokenizer:
    """Turns paragraphs and questions into search terms; safe to share between threads."""

    def __init__(self, settings: TokenizerSettings = DEFAULT_SETTINGS) -> None:
        self.settings = settings
        self._cache = _Cache(settings)

    @property
    def fingerprint(self) -> str:
        """A short hash that changes whenever the settings, the rules or the Unicode/Snowball data change."""
        parts = [
            TOKENIZER_VERSION,
            self.settings.stemming,
            self.settings.stop_words,
            MAX_TERM_CHARS,
            " ".join(sorted(ENGLISH_STOP_WORDS)),
            unicodedata.unidata_version,
            Stemmer.version(),
        ]
        return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]

    def terms(self, text: str) -> list[str]:
        """The text's terms in order (the indexing fast path); always equal to the terms of `tokens(text)`."""
        return list(chain.from_iterable(map(_KEPT, map(self._cache.__getitem__, _WORD.findall(text)))))

    def tokens(self, text: str) -> list[Token]:
        """The text's terms with the offsets of their words in `text`, for highlighting and phrase checks."""
        found: list[Token] = []
        position = 0
        cache = self._cache
        for match in _WORD.finditer(text):
            for term in cache[match.group()].pieces:
                if term is not None:
                    found.append(Token(term, match.start(), match.end(), position))
                position += 1
        return found

    def matching_words(self, text: str, terms: Collection[str]) -> list[tuple[int, int]]:
        """(start, end) of each word of `text` that gives one of `terms`, in order: the spans `tokens(text)` would
        give for those terms, without making a Token for every word (the snippet of every answer needs this)."""
        cache, wanted = self._cache, terms if isinstance(terms, set | frozenset) else set(terms)
        return [match.span() for match in _WORD.finditer(text) if not wanted.isdisjoint(cache[match.group()].kept)]

    def query_terms(self, query: str) -> QueryTerms:
        """A question's terms and its double-quoted phrases (straight or curly quotes) of two or more terms."""
        terms = self.terms(query)
        phrases = [phrase for inner in _QUOTED.findall(query) if len(phrase := self.terms(inner)) >= 2]
        dropped = self.settings.stop_words and any(
            piece in ENGLISH_STOP_WORDS for word in _WORD.findall(query) for piece in normalize_word(word)
        )
        return QueryTerms(terms, phrases, dropped)
