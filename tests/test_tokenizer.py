"""The tokenizer: a member's words find the story's words however either is written."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import index.tokenizer as tokenizer_module
from index.tokenizer import ENGLISH_STOP_WORDS, MAX_TERM_CHARS, Tokenizer, TokenizerSettings

STORY = Path(__file__).resolve().parent.parent / "corpus" / "story"
STORY_TEXTS = [path.read_text(encoding="utf-8") for path in sorted(STORY.glob("*.txt"))]
TOKENIZER = Tokenizer()


def terms(text: str) -> list[str]:
    """The terms of `text` with the default settings."""
    return TOKENIZER.terms(text)


def finds(query: str, text: str) -> bool:
    """Whether every term of the query is among the text's terms."""
    wanted = terms(query)
    return bool(wanted) and set(wanted) <= set(terms(text))


def story_paragraph(containing: str) -> str:
    """The first story paragraph containing `containing` exactly."""
    return next(line for text in STORY_TEXTS for line in text.splitlines() if containing in line)


def test_stop_words_are_lucenes_33() -> None:
    assert len(ENGLISH_STOP_WORDS) == 33
    assert {"the", "of", "and", "with", "their"} <= ENGLISH_STOP_WORDS
    assert "us" not in ENGLISH_STOP_WORDS


@pytest.mark.parametrize("written", ["Harris’", "Harris's", "Harris’s", "Harris'", "HARRIS", "Harris‘s", "Harrisʼs"])
def test_possessives_and_trailing_apostrophes_are_the_name(written: str) -> None:
    assert terms(written) == terms("Harris")


def token_at(text: str, word: str) -> tuple[str, str]:
    """The term of the token where `word` first occurs in `text`, and the characters that token covers."""
    start = text.index(word)
    token = next(token for token in TOKENIZER.tokens(text) if token.start == start)
    return token.term, text[token.start : token.end]


def test_story_possessives_are_found_by_the_bare_name() -> None:
    assert token_at(story_paragraph("Harris’ support"), "Harris’ support") == (terms("Harris")[0], "Harris")
    assert token_at(story_paragraph("CNN’s Dana Bash"), "CNN’s") == ("cnn", "CNN’s")
    assert finds("cnn dana bash", story_paragraph("CNN’s Dana Bash"))


@pytest.mark.parametrize(("curly", "straight"), [("don’t", "don't"), ("doesn’t", "doesn't"), ("hadn’t", "hadn't")])
def test_a_contraction_is_one_term_whatever_the_apostrophe(curly: str, straight: str) -> None:
    assert terms(curly) == terms(straight)
    assert len(terms(curly)) == 1
    assert terms(curly) != terms(curly.replace("’", " "))


def test_prosecuting_finds_prosecuted() -> None:
    assert terms("prosecuting") == terms("prosecuted")
    assert finds("prosecuting gangs", story_paragraph("who prosecuted transnational gangs"))


def test_hyphenated_words_give_their_parts() -> None:
    paragraph = story_paragraph("US-Mexico border had been")
    assert terms("US-Mexico") == ["us", "mexico"]
    assert finds("Mexico", paragraph)
    assert finds("US-Mexico", paragraph)
    assert terms("5-year-old") == ["5", "year", "old"]
    assert finds("year old boy", story_paragraph("5-year-old boy"))


def test_acronym_with_dots_is_the_acronym() -> None:
    assert terms("U.S.") == terms("US") == ["us"]
    assert finds("US border patrols", story_paragraph("processed by U.S. Border Patrols"))


@pytest.mark.parametrize("dash", ["—", "–", " — ", "‐", "‑"])
def test_dashes_separate_words(dash: str) -> None:
    assert terms(f"Europe{dash}answer") == ["europ", "answer"]


def test_numbers_are_kept() -> None:
    assert terms("a 2021 NBC interview") == ["2021", "nbc", "interview"]
    assert terms("a new 50-second campaign video") == ["new", "50", "second", "campaign", "video"]
    assert terms("1,000 agents") == terms("1000 agents")
    assert terms("3.5 million.") == ["3.5", "million"]
    assert terms("grew 3.5.") == ["grew", "3.5"]


def test_letters_of_every_script_are_kept() -> None:
    assert terms("Москва") == ["москва"]
    assert terms("東京") == ["東京"]
    assert terms("São Paulo") == terms("Sao Paulo") == ["sao", "paulo"]
    assert terms("São") == terms("Sa\u0303o")  # precomposed or combining tilde
    assert terms("Éric Zemmour") == terms("eric zemmour")


def test_accents_are_folded_only_for_latin() -> None:
    assert terms("й") == ["й"]  # Cyrillic short i stays distinct from и
    assert terms("й") != terms("и")
    assert terms("हिन्दी") == ["हिन्दी"]  # Devanagari vowel signs stay inside the word


def test_invisible_characters_inside_words_are_ignored() -> None:
    for invisible in ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u200e", "\u200f", "\u00ad"]:
        assert terms(f"bor{invisible}der czar{invisible}") == ["border", "czar"], repr(invisible)


def test_emoji_and_punctuation_are_dropped() -> None:
    assert terms("🔥 border!!! 🇺🇸 (czar)?! ❤️ #") == ["border", "czar"]
    assert terms("“‘border czar’”") == ["border", "czar"]


def test_compatibility_characters_are_normalised() -> None:
    assert terms("ﬁnancial") == terms("financial")
    assert terms("ＢＯＲＤＥＲ") == terms("border")
    assert terms("Straße") == terms("strasse")


def test_stop_words_are_removed_before_stemming_and_can_be_kept() -> None:
    assert terms("the border of the US") == ["border", "us"]
    assert terms("It’s there") == []  # "it's" is "it" once the possessive rule has run
    assert Tokenizer(TokenizerSettings(stop_words=False)).terms("the border") == ["the", "border"]


def test_stemming_can_be_switched_off() -> None:
    plain = Tokenizer(TokenizerSettings(stemming=False))
    assert plain.terms("Prosecuting Harris’s cases") == ["prosecuting", "harris", "cases"]


def test_over_long_words_are_dropped_but_keep_their_position() -> None:
    longest = "a" * MAX_TERM_CHARS
    assert terms(longest) == [longest]
    tokens = TOKENIZER.tokens(f"border {'x' * (MAX_TERM_CHARS + 1)} czar")
    assert [(token.term, token.position) for token in tokens] == [("border", 0), ("czar", 2)]


def test_positions_count_removed_stop_words() -> None:
    tokens = TOKENIZER.tokens("border of the czar, border czar")
    assert [(token.term, token.position) for token in tokens] == [
        ("border", 0),
        ("czar", 3),
        ("border", 4),
        ("czar", 5),
    ]


def test_offsets_point_at_the_original_characters() -> None:
    text = "Kamala Harris’ team ‘panicked’; Harris’s US-Mexico trip—"
    words = [text[token.start : token.end] for token in TOKENIZER.tokens(text)]
    assert words == ["Kamala", "Harris", "team", "panicked", "Harris’s", "US", "Mexico", "trip"]


@pytest.mark.parametrize("number", range(len(STORY_TEXTS)))
def test_every_story_token_points_at_its_word(number: int) -> None:
    text = STORY_TEXTS[number]
    tokens = TOKENIZER.tokens(text)
    assert len(tokens) > 300
    for token in tokens:
        word = text[token.start : token.end]
        assert word[0].isalnum() and (word[-1].isalnum() or word == "U.S."), word
        assert not any(char.isspace() for char in word), word
        assert token.term in terms(word), (word, token.term)
    assert [token.term for token in tokens] == terms(text)


def test_query_with_a_curly_quoted_phrase() -> None:
    parsed = TOKENIZER.query_terms("who said “border czar” about Harris")
    assert parsed.terms == ["who", "said", "border", "czar", "about", "harri"]
    assert parsed.phrases == [["border", "czar"]]
    assert not parsed.all_stop_words


def test_query_with_straight_quotes_keeps_repeats_and_ignores_one_word_phrases() -> None:
    parsed = TOKENIZER.query_terms('"border czar" border "Harris" "the czar" "unclosed phrase')
    assert parsed.terms == ["border", "czar", "border", "harri", "czar", "unclos", "phrase"]
    assert parsed.phrases == [["border", "czar"]]
    assert parsed.dropped_stop_words


def test_query_of_only_stop_words_says_so() -> None:
    parsed = TOKENIZER.query_terms("to the and of it")
    assert parsed.terms == []
    assert parsed.all_stop_words
    empty = TOKENIZER.query_terms("?! 🔥")
    assert empty.terms == [] and not empty.all_stop_words
    assert not Tokenizer(TokenizerSettings(stop_words=False)).query_terms("the of").all_stop_words


def test_fingerprint_follows_settings_and_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    default = TOKENIZER.fingerprint
    assert Tokenizer(TokenizerSettings()).fingerprint == default
    others = {Tokenizer(TokenizerSettings(stemming=s, stop_words=w)).fingerprint for s in (0, 1) for w in (0, 1)}
    assert len(others) == 4 and default in others
    monkeypatch.setattr(tokenizer_module, "TOKENIZER_VERSION", tokenizer_module.TOKENIZER_VERSION + 1)
    assert Tokenizer().fingerprint != default


def test_results_survive_the_cache_being_emptied(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokenizer_module, "CACHE_LIMIT", 3)
    small = Tokenizer()
    for text in STORY_TEXTS:
        assert small.terms(text) == terms(text)
        assert small.tokens(text) == TOKENIZER.tokens(text)


def test_strange_input_never_raises() -> None:
    for text in ["", "\x00", "\ud800 lone \udfff surrogates", "\u0301\u0301 marks first", "a\x00b", "'" * 50, "." * 9]:
        assert TOKENIZER.terms(text) == [token.term for token in TOKENIZER.tokens(text)]
        TOKENIZER.query_terms(text)


# Characters the rules treat specially, mixed into random text so that the properties meet them often.
SPECIAL = "aZ9 -—'’‘.,\"“”\u0301\u200b\u200d\u200f\ufeffé ß İ й 東 ½ ﬁ U.S. 3.5 1,000 😀\ufe0f\x00\ud800"
ANY_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=())),
    st.text(st.sampled_from(SPECIAL)),
    st.text(st.one_of(st.sampled_from(SPECIAL), st.characters(exclude_categories=())), max_size=60),
)


@settings(max_examples=600)
@given(ANY_TEXT)
def test_terms_are_the_tokens_terms(text: str) -> None:
    fresh = Tokenizer()  # also checks that the cache of the shared tokenizer changes nothing
    assert fresh.terms(text) == [token.term for token in fresh.tokens(text)] == TOKENIZER.terms(text)


@settings(max_examples=400)
@given(ANY_TEXT)
def test_tokens_are_within_the_text_and_in_order(text: str) -> None:
    tokens = TOKENIZER.tokens(text)
    for before, after in pairwise(tokens):
        assert before.end <= after.start or (before.start, before.end) == (after.start, after.end)
        assert before.position < after.position
    for token in tokens:
        assert 0 <= token.start < token.end <= len(text)
        assert token.term and not any(char.isspace() for char in token.term)
        assert len(token.term) <= MAX_TERM_CHARS


@given(ANY_TEXT, ANY_TEXT)
def test_queries_never_raise_and_keep_every_term(first: str, second: str) -> None:
    query = f"{first} “{second}”"
    parsed = TOKENIZER.query_terms(query)
    assert parsed.terms == TOKENIZER.terms(query)
    assert all(len(phrase) >= 2 for phrase in parsed.phrases)
