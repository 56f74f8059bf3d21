"""Fuzzing every corpus loader and the upload check: hostile bytes either load or fail with the file's own error.

A loader that lets any other exception escape would crash start-up or a reload instead of naming the bad file, so
each test accepts exactly two outcomes: articles that are usable all the way to the index key, or CorpusFileError
(UploadRefused for an upload) whose message begins with the file's name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from answers.engine import EngineSettings
from corpus import Article, CorpusFileError, load_corpus, load_file, parse_articles
from corpus.files import UploadRefused, plan_upload
from index.store import index_key
from tests.fuzzing import ENCODABLE_TEXT, FUZZ, NASTY_TEXT, file_bytes, json_document

MAX_BYTES = 20_000
SUFFIXES = (".txt", ".md", ".markdown", ".json", ".jsonl")


def check_outcome(name: str, data: bytes) -> list[Article] | CorpusFileError:
    """Parse and return the articles or the loader's error; anything else fails the test."""
    try:
        articles = parse_articles(name, data, max_bytes=MAX_BYTES)
    except CorpusFileError as error:
        assert str(error).startswith(name), f"the error must name the file first: {error}"
        assert error.message.strip(), "the error must say what is wrong"
        assert error.line is None or error.line >= 1
        return error
    assert articles, "a file that loads holds at least one article"
    for article in articles:
        assert article.title.strip() and article.paragraphs
        assert all(paragraph.text.strip() for paragraph in article.paragraphs)
        assert [p.number for p in article.paragraphs] == list(range(1, len(article.paragraphs) + 1))
        # Everything downstream hashes and encodes the text: a loaded article must survive that.
        article.content_hash()
        article.model_dump_json()
    index_key(articles, EngineSettings().index)
    return articles


@FUZZ
@given(suffix=st.sampled_from(SUFFIXES), data=file_bytes())
def test_any_bytes_load_or_raise_the_file_error(suffix: str, data: bytes) -> None:
    check_outcome(f"fuzzed{suffix}", data)


def story_lines() -> st.SearchStrategy[str]:
    """Text shaped like the story format: a title line, maybe a Published line and rules, then paragraphs."""
    published = st.sampled_from(["", "Published :`2024-07-31 03:36:51`\n", "Published : `yesterday`\n", "published:\n"])
    rule = st.sampled_from(["", "---\n", "***\n", "- - -\n"])
    paragraph = st.lists(NASTY_TEXT, min_size=1, max_size=4).map("\n".join)
    body = st.lists(paragraph, max_size=5).map("\n\n".join)
    return st.builds(lambda *parts: "".join(parts), NASTY_TEXT, st.just("\n"), published, rule, body, rule)


@FUZZ
@given(text=story_lines())
def test_story_format_text_loads_or_names_the_line(text: str) -> None:
    check_outcome("story.txt", text.encode("utf-8", "surrogatepass"))


def markdown_documents() -> st.SearchStrategy[str]:
    """Markdown with front matter of hostile keys and values (closed or not), then a heading and a body."""
    key = st.one_of(st.sampled_from(["title", "published", "date", "url", "Title", "tags", "", "1x"]), NASTY_TEXT)
    value = st.one_of(NASTY_TEXT, st.sampled_from(['"quoted"', "''", "2024-07-31", "https://example.com/x", '"']))
    line = st.one_of(st.builds(lambda k, v: f"{k}: {v}", key, value), NASTY_TEXT, st.just("# comment"))
    front = st.lists(line, max_size=6).map(lambda lines: "---\n" + "\n".join(lines) + "\n")
    close = st.sampled_from(["---\n", "", " --- \n"])
    heading = st.one_of(st.just(""), NASTY_TEXT.map(lambda title: f"# {title}\n"))
    body = st.lists(NASTY_TEXT, max_size=6).map("\n\n".join)
    return st.builds(lambda *parts: "".join(parts), st.one_of(front, st.just("")), close, heading, body)


@FUZZ
@given(text=markdown_documents(), suffix=st.sampled_from([".md", ".markdown"]))
def test_markdown_front_matter_loads_or_names_the_line(text: str, suffix: str) -> None:
    check_outcome(f"notes{suffix}", text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(text=json_document(ensure_ascii=True))
def test_json_with_escapes_and_lone_surrogates_loads_or_is_refused(text: str) -> None:
    check_outcome("items.json", text.encode("ascii"))


@FUZZ
@given(lines=st.lists(st.one_of(json_document(ensure_ascii=True), NASTY_TEXT.map(str.strip)), max_size=5))
def test_json_lines_load_or_name_the_bad_line(lines: list[str]) -> None:
    outcome = check_outcome("items.jsonl", "\n".join(lines).encode("utf-8", "surrogatepass"))
    if isinstance(outcome, CorpusFileError) and outcome.line is not None:
        assert outcome.line <= max(len("\n".join(lines).splitlines()), 1)


def test_a_lone_surrogate_escape_in_json_is_refused_with_the_file_and_line() -> None:
    data = b'{"title": "Border",\n "paragraphs": ["fine", "bad \\udc00 here"]}'
    with pytest.raises(CorpusFileError) as raised:
        parse_articles("story.json", data, max_bytes=MAX_BYTES)
    assert str(raised.value).startswith("story.json:2: ")
    assert "surrogate" in raised.value.message
    good = b'{"title": "Emoji \\ud83d\\ude00", "paragraphs": ["a paired escape is a real character"]}'
    assert parse_articles("story.json", good, max_bytes=MAX_BYTES)[0].title == "Emoji 😀"


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("corpus")
    (directory / "existing.txt").write_text("Existing\n\nA paragraph about the border.\n", encoding="utf-8")
    return directory


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every entry of a directory with its bytes (hidden files included)."""
    return {entry.name: entry.read_bytes() for entry in sorted(directory.iterdir())}


@FUZZ
@given(
    name=st.one_of(
        NASTY_TEXT, st.builds(lambda stem, suffix: stem + suffix, ENCODABLE_TEXT, st.sampled_from(SUFFIXES))
    ),
    data=file_bytes(),
    replace=st.booleans(),
)
def test_any_upload_is_planned_or_refused_without_touching_the_corpus(
    corpus_dir: Path, name: str, data: bytes, replace: bool
) -> None:
    before = snapshot(corpus_dir)
    try:
        upload = plan_upload(corpus_dir, name, data, MAX_BYTES, replace)
    except UploadRefused as refused:
        assert str(refused).strip()
    else:
        assert upload.target.parent == corpus_dir and upload.articles
        for article in upload.articles:
            article.content_hash()
    assert snapshot(corpus_dir) == before


@FUZZ
@given(data=file_bytes(), suffix=st.sampled_from(SUFFIXES))
def test_a_fuzzed_file_on_disk_is_an_article_or_a_reported_error(tmp_path_factory, data: bytes, suffix: str) -> None:
    directory = tmp_path_factory.mktemp("scan")
    path = directory / f"fuzzed{suffix}"
    path.write_bytes(data)
    try:
        load_file(path, max_bytes=MAX_BYTES)
    except CorpusFileError as error:
        assert str(error).startswith(path.name)
    scanned = load_corpus(directory, max_bytes=MAX_BYTES)
    assert len(scanned.articles) + len(scanned.errors) >= 1
    index_key(scanned.articles, EngineSettings().index)
