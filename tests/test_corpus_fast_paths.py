"""The loaders' fast paths (a JSON Lines file decoded in place, control bytes found with numpy, the lone-surrogate
walk only where an escape may need it, the garbage collector paused while loading) give what the plain way gave."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from corpus import CorpusFileError, load_corpus, parse_articles
from corpus.json_format import parse_jsonl

LIMIT = 1_000_000
ARTICLE = {"title": "T", "paragraphs": ["One.", "Two."]}


def load(name: str, text: str) -> list:
    return parse_articles(name, text.encode("utf-8", "surrogatepass"), max_bytes=LIMIT)


def refusal(name: str, text: str) -> CorpusFileError:
    with pytest.raises(CorpusFileError) as raised:
        load(name, text)
    return raised.value


def test_jsonl_lines_blank_or_padded_load_like_json_loads() -> None:
    line = json.dumps(ARTICLE)
    text = f"\n \t\n{line}  \n\u00a0\n\r\n  {line}\n\n"
    articles = load("items.jsonl", text)
    assert [article.id for article in articles] == ["items-1", "items-2"]
    assert [paragraph.text for paragraph in articles[1].paragraphs] == ["One.", "Two."]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('{"title": "T", "paragraphs":\n["a"]}', 1, "malformed JSON: Expecting value (column 29)"),
        ('{"title": "T", "paragraphs": ["a"], "n": tru\ne}', 1, "malformed JSON: Expecting value (column 42)"),
        ('{"title": "T", "paragraphs": ["a"]} 1\n', 1, "malformed JSON: Extra data (column 37)"),
        ('\n\ufeff{"title": "T", "paragraphs": ["a"]}', 2, "malformed JSON: Unexpected UTF-8 BOM"),
    ],
)
def test_a_jsonl_value_never_runs_past_its_line(text: str, line: int, message: str) -> None:
    error = refusal("items.jsonl", text)
    assert error.line == line
    assert error.message.startswith(message)


@pytest.mark.parametrize("escape", ["\\ud800", "\\uDC00"])
@pytest.mark.parametrize("name", ["items.jsonl", "items.json"])
def test_lone_surrogate_escapes_are_still_refused(name: str, escape: str) -> None:
    good = json.dumps(ARTICLE)
    bad = '{"title": "T", "paragraphs": ["a' + escape + '"]}'
    text = f"{good}\n{bad}\n" if name.endswith(".jsonl") else f"[{good},\n{bad}]"
    error = refusal(name, text)
    assert error.line == 2
    assert "half of a surrogate pair" in error.message


def test_a_surrogate_pair_escape_is_a_character() -> None:
    text = json.dumps({"title": "T", "paragraphs": ["smile \U0001f600"]}, ensure_ascii=True)
    assert "\\ud83d" in text
    assert load("one.jsonl", text)[0].paragraphs[0].text == "smile \U0001f600"


def test_a_raw_lone_surrogate_is_refused_when_the_text_is_given_directly() -> None:
    (record,) = parse_jsonl('{"title": "T", "paragraphs": ["a\ud800"]}', Path("items.jsonl"))
    assert isinstance(record, CorpusFileError) and "half of a surrogate pair" in str(record)


def test_the_first_control_byte_is_named_with_its_line() -> None:
    text = "Title\n\n" + "a line\n" * 3000 + "bad \x07 and \x00\n"
    error = refusal("story.txt", text)
    assert (error.line, error.message) == (3003, "is a binary file, not text: it contains the control character 0x07")
    assert len(load("story.txt", "Title\r\n\r\nTab\tand form feed\x0c kept.\r\n")[0].paragraphs) == 1


def test_loading_leaves_the_garbage_collector_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(json.dumps(ARTICLE), encoding="utf-8")
    (tmp_path / "b.json").write_text("{", encoding="utf-8")
    assert gc.isenabled()
    assert len(load_corpus(tmp_path, max_bytes=LIMIT).articles) == 1
    assert gc.isenabled()
    gc.disable()
    try:
        load_corpus(tmp_path, max_bytes=LIMIT)
        assert not gc.isenabled()
    finally:
        gc.enable()
