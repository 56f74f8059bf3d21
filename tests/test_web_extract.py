"""The article in a saved news page (corpus/extract.py): its body, title and date, and none of the page's
navigation, cookie banners, newsletter boxes, related links, comments or footers."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from yarl import URL

from corpus.extract import extract_article
from corpus.loaders import parse_articles
from corpus.web_address import ArticleRefused
from corpus.web_fetch import FetchedPage
from corpus.web_import import article_json, plan_web_article
from tests.page_server import PAGES, expected_article, page_bytes

SAVED = sorted(path.name.removesuffix(".expected.json") for path in PAGES.glob("*.expected.json"))


def page_text(name: str) -> str:
    body, charset = page_bytes(name)
    return body.decode("cp1252" if charset.lower() == "iso-8859-1" else charset)


def test_there_are_saved_pages_of_every_kind() -> None:
    assert len(SAVED) >= 12
    kinds = " ".join(expected_article(name)["what"] for name in SAVED)
    for kind in ("wire", "blog", "cookie", "newsletter", "comments", "JSON-LD", "<time", "list", "ISO-8859-1"):
        assert kind in kinds, kind


@pytest.mark.parametrize("name", SAVED)
def test_the_body_is_found_whole_and_in_order_without_boilerplate(name: str) -> None:
    expected = expected_article(name)
    article = extract_article(page_text(name), expected["url"])
    found = iter(article.paragraphs)
    missing = [paragraph for paragraph in expected["paragraphs"] if paragraph not in found]
    assert not missing, f"{name}: missing or out of order: {missing[:2]}"
    text = "\n".join(article.paragraphs)
    leaked = [marker for marker in expected["boilerplate"] if marker in text]
    assert not leaked, f"{name}: boilerplate in the body: {leaked}"
    assert article.title not in article.paragraphs, "the headline is the title, not a paragraph"


@pytest.mark.parametrize("name", SAVED)
def test_the_title_and_the_publication_day(name: str) -> None:
    expected = expected_article(name)
    article = extract_article(page_text(name), expected["url"])
    assert article.published == date.fromisoformat(expected["published"])
    # The headline, or the shorter one the page gives for sharing (og:title): jsonld-harbour-bridge.
    assert expected["title"].startswith(article.title) and len(article.title) > 30


@pytest.mark.parametrize("name", ["no-article-section-front", "no-article-login"])
def test_a_page_without_an_article_is_refused(name: str) -> None:
    with pytest.raises(ArticleRefused, match=r"has no article the bot can find"):
        extract_article(page_text(name), f"https://news.example/{name}")


def test_markup_and_control_characters_in_a_page_stay_plain_text() -> None:
    body = "<p>" + "Filler words for a real article body here. " * 8 + "</p>"
    html = (
        "<html><head><title>Ti\x07tle with\u202e bidi &amp; `ticks` **stars**</title></head><body><article>"
        f"<h1>Ti\x07tle with\u202e bidi &amp; `ticks` **stars**</h1>{body}"
        "<p>A line with a bell\x07, an escape\x1b[31m and <b>bold</b> @everyone &lt;@123&gt;.</p>"
        f"{body}</article></body></html>"
    )
    article = extract_article(html, "https://news.example/a")
    # Kept as text: Discord escaping happens where it is shown (bot/core/safe_text.py); control characters are gone.
    assert "bidi & `ticks` **stars**" in article.title
    (line,) = [paragraph for paragraph in article.paragraphs if paragraph.startswith("A line")]
    assert "escape" in line and "bold @everyone <@123>." in line
    assert not any(unicodedata.category(char) == "Cc" for char in article.title + "".join(article.paragraphs))
    record = json.loads(article_json(article, "https://news.example/a"))
    assert record["url"] == "https://news.example/a" and "published" not in record


def test_the_planned_file_holds_what_the_loader_reads_back(tmp_path: Path) -> None:
    expected = expected_article("latin1-cafe")
    url = URL(expected["url"] + "?utm_source=newsletter#commentaires")
    page = FetchedPage(requested=url, url=url, html=page_text("latin1-cafe"))
    extracted = extract_article(page.html, str(url))
    planned = plan_web_article(page, extracted, (), tmp_path, 1_000_000)
    (article,) = parse_articles(planned.file_name, planned.data, max_bytes=1_000_000)
    assert article.url == expected["url"] and article.title == expected["title"]
    assert article.published is not None and article.published.date().isoformat() == expected["published"]
    assert [paragraph.text for paragraph in article.paragraphs] == list(extracted.paragraphs)
    assert planned.replaces is None and planned.file_name.startswith("le-cafe-de-la-gare-rouvre-")


def test_a_page_too_big_for_an_article_file_is_refused_naming_the_limit(tmp_path: Path) -> None:
    url = URL(expected_article("wire-port-strike")["url"])
    page = FetchedPage(requested=url, url=url, html=page_text("wire-port-strike"))
    with pytest.raises(ArticleRefused, match=r"over the 2,000-byte limit for an article file"):
        plan_web_article(page, extract_article(page.html, str(url)), (), tmp_path, 2_000)


def test_a_page_too_big_to_read_quickly_or_empty_is_refused() -> None:
    paragraphs = "".join(
        f"<p>Paragraph {number} of a page that never ends, with words.</p>" for number in range(40_000)
    )
    with pytest.raises(ArticleRefused, match=r"has 40,00\d HTML elements, more than the 30,000 the bot reads"):
        extract_article(f"<html><body><article>{paragraphs}</article></body></html>", "https://news.example/long")
    with pytest.raises(ArticleRefused, match=r"has no HTML the bot can read"):
        extract_article("", "https://news.example/empty")
