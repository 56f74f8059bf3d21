"""Imperfect corpora: a bad record costs only itself at start-up (reported file:line), while a reload or upload with
bad records is refused listing them; UTF-16 and UTF-32 files are named for what they are."""

from __future__ import annotations

import asyncio
import codecs
import json
import logging
from pathlib import Path

import pytest

from bot.core.changes import CorpusRefused
from bot.core.questions import Question
from bot.core.service import StoryService
from bot.core.settings import Settings
from corpus import load_corpus, parse_articles
from corpus.files import UploadRefused
from corpus.loaders import parse_file
from corpus.models import CorpusFileError

LIMIT = 1_000_000


def record(number: int, **extra: object) -> str:
    """One good .jsonl line."""
    return json.dumps({**extra, "title": f"Story {number}", "text": f"Paragraph of story {number} about ferries."})


def feed(count: int, bad: dict[int, str]) -> str:
    """`count` lines, line n replaced by bad[n] where given."""
    return "\n".join(bad.get(n, record(n)) for n in range(1, count + 1)) + "\n"


def test_one_malformed_line_of_a_thousand_costs_only_itself(tmp_path: Path) -> None:
    (tmp_path / "feed.jsonl").write_text(feed(1_000, {500: '{"title": "Broken", "text": '}), encoding="utf-8")
    loaded = load_corpus(tmp_path, max_bytes=LIMIT)
    assert len(loaded.articles) == 999
    (error,) = loaded.errors
    assert str(error).startswith("feed.jsonl:500: malformed JSON")
    story = loaded.corpus.get("feed-501")
    assert story is not None and story.title == "Story 501", "the ids after a bad line do not shift"
    assert loaded.corpus.get("feed-500") is None


def test_every_bad_line_is_reported_with_its_own_problem(tmp_path: Path) -> None:
    bad = {
        2: '{"text": "no title"}',
        4: "[1, 2]",
        5: json.dumps({"title": "Dated", "text": "x", "published": "someday"}),
        7: record(7, id="feed-1"),  # the id of line 1, taken
    }
    (tmp_path / "feed.jsonl").write_text(feed(8, bad), encoding="utf-8")
    loaded = load_corpus(tmp_path, max_bytes=LIMIT)
    assert [str(e).split(": ")[0] for e in loaded.errors] == [
        "feed.jsonl:2",
        "feed.jsonl:4",
        "feed.jsonl:5",
        "feed.jsonl:7",
    ]
    assert "`title` is required" in str(loaded.errors[0]) and "used twice" in str(loaded.errors[3])
    assert [a.id for a in loaded.articles] == ["feed-1", "feed-3", "feed-6", "feed-8"]


def test_a_bad_item_of_a_json_list_costs_only_itself() -> None:
    items = [{"title": "A", "text": "a"}, {"title": 5, "text": "b"}, {"title": "C", "text": "c"}]
    contents = parse_file("batch.json", json.dumps(items).encode(), max_bytes=LIMIT)
    assert [a.id for a in contents.articles] == ["batch-1", "batch-3"]
    (error,) = contents.errors
    assert str(error).startswith("batch.json: item 2: `title`")
    with pytest.raises(CorpusFileError, match=r"^batch\.json: item 2"):
        parse_articles("batch.json", json.dumps(items).encode(), max_bytes=LIMIT)


def test_an_article_id_taken_by_another_file_costs_only_that_record(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("A story\n\nText.\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(record(1) + "\n" + record(2, id="a") + "\n", encoding="utf-8")
    loaded = load_corpus(tmp_path, max_bytes=LIMIT)
    assert [a.id for a in loaded.articles] == ["a", "b-1"]
    (error,) = loaded.errors
    assert str(error) == "b.jsonl:2: the article id 'a' is already used by a.txt; rename one of the files"


def test_start_up_serves_the_good_records_and_logs_each_bad_line_then_reload_and_upload_refuse(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "feed.jsonl").write_text(feed(20, {3: "{oops", 11: '{"title": ""}'}), encoding="utf-8")
    settings = Settings(corpus_dir=corpus, state_dir=tmp_path / "state")
    with caplog.at_level(logging.WARNING):
        service = StoryService.open(settings)
    logged = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("skipped feed.jsonl:3: malformed JSON") for m in logged)
    assert any(m.startswith("skipped feed.jsonl:11: `title` is required") for m in logged)
    assert len(service.corpus) == 18
    assert service.ask(Question("story 12 ferries"), 1).hits[0].article.id == "feed-12"

    with pytest.raises(CorpusRefused) as refused:
        asyncio.run(service.reload())
    assert [str(e).split(": ")[0] for e in refused.value.errors] == ["feed.jsonl:3", "feed.jsonl:11"]

    upload = feed(5, {2: "{oops", 4: "not json"}).encode()
    with pytest.raises(UploadRefused) as caught:
        asyncio.run(service.add_article("more.jsonl", upload))
    assert "`more.jsonl` has 2 bad records" in str(caught.value)
    assert [str(e).split(": ")[0] for e in caught.value.errors] == ["more.jsonl:2", "more.jsonl:4"]
    assert not (corpus / "more.jsonl").exists()


def test_a_jsonl_with_crlf_lines_and_a_byte_order_mark_loads() -> None:
    data = codecs.BOM_UTF8 + (record(1) + "\r\n\r\n" + record(2) + "\r\n").encode()
    assert [a.id for a in parse_articles("feed.jsonl", data, max_bytes=LIMIT)] == ["feed-1", "feed-2"]


ARTICLE = "A title\n\nThe ferry left at noon, the harbour master said.\n"


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16"),
        ("utf-16-le", b"", "UTF-16"),
        ("utf-16-be", b"", "UTF-16"),
        ("utf-32-le", codecs.BOM_UTF32_LE, "UTF-32"),
        ("utf-32-be", b"", "UTF-32"),
    ],
)
def test_utf16_and_utf32_files_are_named_as_such(encoding: str, bom: bytes, expected: str) -> None:
    data = bom + ARTICLE.encode(encoding)
    with pytest.raises(CorpusFileError) as caught:
        parse_articles("story.txt", data, max_bytes=LIMIT)
    assert str(caught.value) == f"story.txt: is {expected} text: save it as UTF-8"


def test_a_binary_file_is_still_called_binary() -> None:
    with pytest.raises(CorpusFileError, match="is a binary file"):
        parse_articles("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", max_bytes=LIMIT)
