"""Which file an article fetched by its address goes to: the same address replaces its file, never another's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from yarl import URL

from corpus import load_corpus
from corpus.extract import ExtractedArticle
from corpus.web_address import ArticleRefused
from corpus.web_fetch import FetchedPage
from corpus.web_import import article_file_name, article_json, plan_web_article

STORY = ExtractedArticle(title="Port strike", published=date(2024, 7, 30), paragraphs=("One.", "Two words here."))


def page(requested: str, final: str | None = None) -> FetchedPage:
    return FetchedPage(requested=URL(requested), url=URL(final or requested), html="")


def corpus_with(tmp_path: Path, files: dict[str, str]) -> tuple:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return load_corpus(tmp_path, max_bytes=1_000_000).articles


def test_a_new_address_gets_a_new_file_and_the_same_one_replaces_it(tmp_path: Path) -> None:
    first = plan_web_article(page("https://news.example/port-strike?utm_source=x"), STORY, (), tmp_path, 10_000)
    assert first.replaces is None and first.url == "https://news.example/port-strike"
    (tmp_path / first.file_name).write_bytes(first.data)
    articles = load_corpus(tmp_path, max_bytes=1_000_000).articles
    for again in ("http://www.news.example/port-strike/#c", "https://short.example/x"):
        planned = plan_web_article(page(again, "https://news.example/port-strike"), STORY, articles, tmp_path, 10_000)
        assert planned.file_name == first.file_name and planned.replaces is not None, again


def test_an_address_kept_elsewhere_is_refused_with_what_to_do(tmp_path: Path) -> None:
    articles = corpus_with(tmp_path, {
        "upload.md": "---\ntitle: Uploaded\nurl: https://news.example/a\n---\nText.\n",
        "wire.jsonl": '{"title": "B", "url": "https://news.example/b", "text": "x"}\n{"title": "C", "text": "y"}\n',
    })  # fmt: skip
    with pytest.raises(ArticleRefused, match=r"already in the story as `upload`, in `upload\.md` \(a \.md file\)"):
        plan_web_article(page("https://news.example/a"), STORY, articles, tmp_path, 10_000)
    with pytest.raises(ArticleRefused, match=r"as `wire-1`, in `wire\.jsonl` \(a file of several articles\); remove"):
        plan_web_article(page("https://news.example/b?fbclid=1"), STORY, articles, tmp_path, 10_000)


def test_a_file_of_that_name_holding_another_address_is_never_overwritten(tmp_path: Path) -> None:
    name = article_file_name(URL("https://news.example/port-strike"))
    (tmp_path / name).write_bytes(article_json(STORY, "https://other.example/else"))
    articles = load_corpus(tmp_path, max_bytes=1_000_000).articles
    with pytest.raises(ArticleRefused, match=r"which already exists with another article in it"):
        plan_web_article(page("https://news.example/port-strike"), STORY, articles, tmp_path, 10_000)


def test_an_address_twice_in_the_story_is_refused(tmp_path: Path) -> None:
    articles = corpus_with(tmp_path, {
        "a.json": '{"title": "A", "url": "https://news.example/a", "text": "x"}',
        "b.json": '{"title": "B", "url": "https://news.example/a/", "text": "y"}',
    })  # fmt: skip
    with pytest.raises(ArticleRefused, match=r"already in the story 2 times \(`a`, `b`\)"):
        plan_web_article(page("https://news.example/a"), STORY, articles, tmp_path, 10_000)
