"""Fuzzing the Discord embed builders: whatever the articles hold, every embed fits Discord's limits and bold marks
stay balanced (Discord refuses an embed over a limit, so the member would get no answer at all), and nothing an
article holds renders live: no link but the article's own address, no mention, formatting or hidden character.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import discord
from hypothesis import given
from hypothesis import strategies as st

from answers.engine import Hit, SearchResult
from bot.core.safe_text import display_url
from bot.discord.embeds import answer_embed, citation_line, fit_snippet, source_embed, sources_embed
from corpus.models import Article, Paragraph
from index.tokenizer import Tokenizer
from testing.discord_emulator.limits import embed_problems
from tests.fuzzing import ENCODABLE_TEXT, FUZZ, NASTY_PIECES, long_word
from tests.markdown_safety import embeds_problems

TOKENIZER = Tokenizer()
# Markup that has tricked readers elsewhere, around the words the questions ask for (so they get marked in bold,
# which is where piecewise escaping let a masked link through).
TRICKS = (
    "[https://discord.com/nitro](https://evil.example/phish)",
    "[border czar](https://evil.example)",
    "](https://evil.example)",
    "https://evil.example/login",
    "<https://evil.example>",
    "steam://run/1",
    "-# ",
    ">>> ",
    "1. ",
    "+ ",
    "<a:x:1>",
    "</who:1>",
    "<id:customize>",
    "\u2066",
    "\u202a",
    "\u061c",
    "\u2060",
    "\\",
    "border",
    "czar",
    " ",
    "\n",
)
ENCODABLE_PIECES = tuple(piece for piece in NASTY_PIECES if not any("\ud800" <= char <= "\udfff" for char in piece))
MARKUP = st.lists(st.sampled_from(ENCODABLE_PIECES + TRICKS), min_size=1, max_size=40).map("".join)
TEXT = st.one_of(
    MARKUP,
    ENCODABLE_TEXT,
    st.builds(lambda a, b: a + " border czar " + b, ENCODABLE_TEXT, ENCODABLE_TEXT),
    long_word(100, 5_000),
    st.builds(lambda n: "**border** " * n, st.integers(1, 600)),
    st.builds(lambda n: "border czar " * n, st.integers(1, 600)),
).filter(lambda text: bool(text.strip()))
URLS = st.one_of(
    st.none(),
    st.sampled_from(["https://example.com/a", "https://example.com/a_(b)*c*", "http://x.org/**bold**"]),
    st.builds(lambda n: "https://example.com/" + "p" * n, st.integers(0, 3_000)),
)
DATES = st.one_of(st.none(), st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)))


@st.composite
def articles(draw: st.DrawFn, article_id: str = "a") -> Article:
    """An article with fuzzed title, date, url and paragraphs."""
    paragraphs = draw(st.lists(TEXT, min_size=1, max_size=4))
    return Article(
        id=article_id,
        title=draw(TEXT),
        published=draw(DATES),
        url=draw(URLS),
        file=Path(f"{article_id}.txt"),
        paragraphs=tuple(Paragraph(number=n, text=text) for n, text in enumerate(paragraphs, start=1)),
    )


@st.composite
def results(draw: st.DrawFn) -> SearchResult:
    """A page of 1 to 10 hits over fuzzed articles, the matches found by the real tokenizer."""
    query = draw(st.one_of(st.just("border czar"), TEXT))
    terms = set(TOKENIZER.terms(query))
    hits = []
    for number in range(draw(st.integers(1, 10))):
        article = draw(articles(f"a{number}"))
        paragraph = article.paragraphs[draw(st.integers(0, len(article.paragraphs) - 1))]
        spans = tuple((token.start, token.end) for token in TOKENIZER.tokens(paragraph.text) if token.term in terms)
        hits.append(Hit(article, paragraph, draw(st.floats(0, 100)), spans))
    unknown = tuple(draw(st.lists(TEXT, max_size=30)))
    offset, more = draw(st.integers(0, 50)), draw(st.booleans())
    return SearchResult(query, tuple(hits), offset, more, unknown_terms=unknown, unknown_words=unknown)


def assert_fits(embed: discord.Embed) -> None:
    """Within every Discord limit: the emulator's own check, plus the total counted by discord.py."""
    problems = embed_problems([embed.to_dict()])
    assert not problems, "; ".join(map(str, problems))
    assert len(embed) <= 6_000


# What discord.py's escape_markdown leaves alone as a link (and Discord shows as a link, unformatted).
URL_LIKE = re.compile(r"<[^: >]+:/[^ >]+>|(?:https?|steam)://[^\s<]+[^<.,:;\"'\]\s]")


def assert_bold_balanced(text: str, urls: list[str]) -> None:
    """`**` opens and closes in pairs, ignoring link targets and bare URLs (a URL may hold `**` itself)."""
    for url in sorted(filter(None, urls), key=len, reverse=True):
        text = text.replace(f"]({url})", "]()")
    text = URL_LIKE.sub("", text)
    assert text.count("**") % 2 == 0, f"unbalanced bold marks in {text[:300]!r}…"


@FUZZ
@given(
    result=results(),
    heading=TEXT,
    snippet_chars=st.integers(80, 900),
    page_note=st.one_of(st.just(""), TEXT),
)
def test_an_answer_embed_always_fits_and_keeps_bold_balanced(
    result: SearchResult, heading: str, snippet_chars: int, page_note: str
) -> None:
    embed = answer_embed(result, heading, snippet_chars, page_note)
    assert_fits(embed)
    assert len(embed.fields) == len(result.hits), "every hit of the page is shown"
    for field, hit in zip(embed.fields, result.hits, strict=True):
        assert field.value and field.value.strip()
        assert_bold_balanced(field.value, [hit.article.url])
        if hit.spans and len(field.value) < 1_000:
            assert "**" in field.value, "a matched word is shown in bold"
        assert f"paragraph {hit.paragraph.number}" in field.value, "each passage is cited"


@FUZZ
@given(result=results(), budget=st.integers(8, 400), snippet_chars=st.integers(80, 900))
def test_a_fitted_snippet_never_exceeds_its_budget_nor_splits_a_bold_pair(
    result: SearchResult, budget: int, snippet_chars: int
) -> None:
    for hit in result.hits:
        text = fit_snippet(hit, snippet_chars, budget)
        assert len(text) <= budget
        assert text.count("**") % 2 == 0, f"a bold pair was cut in {text!r}"


@FUZZ
@given(article=articles(), paragraph=st.integers(1, 999))
def test_a_citation_always_names_the_paragraph(article: Article, paragraph: int) -> None:
    line, *link = citation_line(article, paragraph).split("\n")
    assert line.endswith(f"paragraph {paragraph}")
    assert link in ([], [f"<{display_url(article.url or '')}>"])


@FUZZ
@given(many=st.lists(articles(), min_size=0, max_size=60))
def test_the_sources_embed_fits_however_many_articles(many: list[Article]) -> None:
    unique = tuple({f"id{number}": article for number, article in enumerate(many)}.values())
    renamed = tuple(article.model_copy(update={"id": f"id{n}"}) for n, article in enumerate(unique))
    embed = sources_embed(renamed)
    assert_fits(embed)
    assert_bold_balanced(embed.description or "", [article.url for article in renamed])


@FUZZ
@given(article=articles())
def test_a_source_embed_fits_whatever_the_article_holds(article: Article) -> None:
    embed = source_embed(article)
    assert_fits(embed)
    for field in embed.fields:
        assert_bold_balanced(field.value, [article.url])


def own_links(articles: list[Article]) -> list[str]:
    """The only addresses an embed may show as live links: the articles' own, as displayed."""
    return [display_url(article.url) for article in articles if article.url]


@FUZZ
@given(result=results(), heading=TEXT, snippet_chars=st.integers(80, 900))
def test_nothing_an_article_or_a_question_holds_renders_live_in_an_answer(
    result: SearchResult, heading: str, snippet_chars: int
) -> None:
    embed = answer_embed(result, heading, snippet_chars, "Page 1 · passages 1–3")
    problems = embeds_problems("", [embed.to_dict()], own_links([hit.article for hit in result.hits]))
    assert not problems, "\n".join(problems[:5])


@FUZZ
@given(many=st.lists(articles(), min_size=1, max_size=8))
def test_nothing_an_article_holds_renders_live_in_sources_or_source(many: list[Article]) -> None:
    renamed = tuple(article.model_copy(update={"id": f"id{n}"}) for n, article in enumerate(many))
    embeds = [sources_embed(renamed).to_dict()] + [source_embed(article).to_dict() for article in renamed]
    problems = embeds_problems("", embeds, own_links(list(renamed)))
    assert not problems, "\n".join(problems[:5])
