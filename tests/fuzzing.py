"""Hypothesis strategies shared by the fuzz tests: hostile Unicode, broken bytes, Markdown and mention syntax.

Every fuzz test is bounded: `FUZZ` fixes the number of examples, turns the per-example deadline into a generous
hang guard (not a speed target), and derandomizes, so a run is repeatable and takes the same few seconds each time.
"""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=150,
    deadline=timedelta(seconds=5),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Pieces that have broken text handling somewhere: invisible and bidi marks, combining marks, emoji sequences,
# NUL and other control characters, lone surrogates, Markdown and Discord mention syntax, the story format's lines.
NASTY_PIECES = (
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\u00ad",
    "\u0301",
    "\u0308",
    "\u20dd",
    "e\u0301",
    "\u0915\u094d\u0937",
    "😀",
    "👩🏽‍💻",
    "🇺🇸",
    "👍🏿",
    "\U0001f3fb",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\t",
    "\r",
    "\r\n",
    "\n",
    "\n\n",
    "\udc00",
    "\ud800",
    "\udfff",
    "@everyone",
    "@here",
    "<@123>",
    "<@!123>",
    "<@&5>",
    "<#7>",
    "<:emoji:42>",
    "<t:0:R>",
    "**",
    "*",
    "__",
    "_",
    "`",
    "```",
    "~~",
    "||",
    "\\",
    "> ",
    "# ",
    "## ",
    "- ",
    "• ",
    "* ",
    "1. ",
    "[a](http://x)",
    "---",
    "***",
    "___",
    "Published : `2024-07-31 03:36:51`",
    "title: T",
    "url: https://example.com/a",
    '"',
    "“",
    "”",
    "’",
    "'",
    "s",
    "border czar",
    "Harris",
    "U.S.",
    "3.5",
    "1,000",
)


def long_word(min_size: int = 65, max_size: int = 1_500) -> st.SearchStrategy[str]:
    """One word longer than any term the tokenizer keeps."""
    return st.builds(lambda char, size: char * size, st.sampled_from("ax9é\u0915"), st.integers(min_size, max_size))


# Any code point, lone surrogates included (st.characters() leaves category Cs out by default).
ANY_CHAR = st.characters(codec=None, exclude_categories=())
NASTY_TEXT = st.lists(
    st.one_of(
        st.sampled_from(NASTY_PIECES), st.sampled_from(NASTY_PIECES), st.text(ANY_CHAR, max_size=12), long_word()
    ),
    max_size=30,
).map("".join)
# Hostile text around at least one real word, so a field is usually valid and parsing goes on to the next step.
WORDY_TEXT = st.builds(
    lambda before, word, after: before + word + after,
    NASTY_TEXT,
    st.sampled_from(["border", "czar", "Harris", "é", "😀", "\udc00x", "日本", "**bold**", "@everyone"]),
    NASTY_TEXT,
)
# The same without lone surrogates: text a file saved as UTF-8 or a Discord message could really hold.
ENCODABLE_TEXT = NASTY_TEXT.map(lambda text: text.encode("utf-8", "replace").decode("utf-8"))

BROKEN_BYTES = st.sampled_from(
    [b"\xff", b"\xfe\xff", b"\xc3", b"\xc3(", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xef\xbb\xbf", b"\x00", b"\x80"]
)


def file_bytes(text: st.SearchStrategy[str] = NASTY_TEXT) -> st.SearchStrategy[bytes]:
    """A file's content: text encoded as UTF-8 (lone surrogates as CESU bytes), sometimes with broken bytes in it."""
    encoded = text.map(lambda value: value.encode("utf-8", "surrogatepass"))

    def splice(data: bytes, broken: bytes, where: int) -> bytes:
        where = where % (len(data) + 1)
        return data[:where] + broken + data[where:]

    return st.one_of(
        encoded,
        encoded,
        st.builds(splice, encoded, BROKEN_BYTES, st.integers(0, 10_000)),
        st.binary(max_size=200),
    )


def json_scalar() -> st.SearchStrategy[object]:
    """A JSON value of any kind that might stand where a string is expected."""
    return st.one_of(
        NASTY_TEXT, st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(allow_nan=False), st.just([])
    )


def article_object() -> st.SearchStrategy[dict[str, object]]:
    """A JSON article object: mostly plausible fields of hostile text, sometimes wrong types or missing keys."""
    field = st.one_of(WORDY_TEXT, WORDY_TEXT, WORDY_TEXT, json_scalar())
    paragraphs = st.one_of(st.lists(WORDY_TEXT, min_size=1, max_size=6), st.lists(field, max_size=4), json_scalar())
    dates = st.one_of(field, st.sampled_from(["2024-07-31", "2024-07-31T03:36:51+02:00", "2024-13-45", "\udc00"]))
    urls = st.one_of(field, st.sampled_from(["https://example.com/a", "http://[::1", "ftp://x", "https://ex ample"]))
    body = st.one_of(st.fixed_dictionaries({"paragraphs": paragraphs}), st.fixed_dictionaries({"text": field}))
    head = st.fixed_dictionaries(
        {"title": field}, optional={"published": dates, "url": urls, "id": st.one_of(field, st.integers())}
    )
    extra = st.fixed_dictionaries({}, optional={"text": field, "paragraphs": paragraphs, "title": field})
    return st.one_of(st.builds(lambda a, b: {**a, **b}, head, body), extra)


def valid_article_object() -> st.SearchStrategy[dict[str, object]]:
    """A JSON article object whose fields all have the right types, holding hostile text."""
    return st.fixed_dictionaries(
        {"title": WORDY_TEXT, "paragraphs": st.lists(WORDY_TEXT, min_size=1, max_size=5)},
        optional={
            "published": st.sampled_from(["2024-07-31", "2024-07-31 03:36:51"]),
            "url": st.sampled_from(["https://example.com/a", "http://example.org/" + "x" * 300]),
            "id": WORDY_TEXT,
        },
    )


def json_document(ensure_ascii: bool) -> st.SearchStrategy[str]:
    """A .json file's text: an article object, a list of them, or something else; lone surrogates as escapes."""
    either = st.one_of(valid_article_object(), article_object())
    value = st.one_of(valid_article_object(), either, st.lists(either, max_size=4), json_scalar())
    return value.map(lambda data: json.dumps(data, ensure_ascii=ensure_ascii))
