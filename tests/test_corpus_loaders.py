"""Loading single corpus files: the bundled story, every supported format, and the errors a bad file gives."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from corpus import CorpusFileError, article_id_for, load_file, parse_articles
from corpus.models import Article

STORY = Path(__file__).resolve().parent.parent / "corpus" / "story"
OFFENSIVE = STORY / "harris-goes-on-offensive-on-immigration.txt"
PANICKED = STORY / "harris-team-panicked-over-border-assignment.txt"
LIMIT = 1_000_000


def parse(name: str, text: str | bytes, max_bytes: int = LIMIT) -> list[Article]:
    """Parse in memory, as an upload is validated."""
    data = text.encode() if isinstance(text, str) else text
    return parse_articles(name, data, max_bytes=max_bytes)


def parse_error(name: str, text: str | bytes, max_bytes: int = LIMIT) -> str:
    """The error message a bad file gives."""
    with pytest.raises(CorpusFileError) as caught:
        parse(name, text, max_bytes)
    return str(caught.value)


def texts(article: Article) -> list[str]:
    return [paragraph.text for paragraph in article.paragraphs]


def test_first_story_file_has_its_title_date_and_paragraphs() -> None:
    [article] = load_file(OFFENSIVE, max_bytes=LIMIT)
    assert article.id == "harris-goes-on-offensive-on-immigration"
    assert article.title == "Harris goes on offensive on immigration, comparing her record with Trump’s"
    assert article.published == datetime(2024, 7, 31, 3, 36, 51)
    assert article.file == OFFENSIVE
    assert len(article.paragraphs) == 16
    assert [paragraph.number for paragraph in article.paragraphs] == list(range(1, 17))
    assert texts(article)[0].startswith("Vice President Kamala Harris went on the offensive on immigration")
    assert texts(article)[-1] == "This story has been updated with additional remarks from Harris."
    assert (
        "“Donald Trump does not care about border security, he only cares about himself,” Harris said"
        in texts(article)[2]
    )
    assert not any(text.startswith(("Published", "---")) for text in texts(article))


def test_second_story_file_splits_bullets_and_keeps_repeated_captions_once() -> None:
    [article] = load_file(PANICKED, max_bytes=LIMIT)
    assert article.title == "Kamala Harris’ team ‘panicked’ when Biden gave her border assignment"
    assert article.published is None
    paragraphs = texts(article)
    assert len(paragraphs) == 25
    assert len(set(paragraphs)) == len(paragraphs)
    assert paragraphs[0].startswith("Kamala Harris’ team ‘panicked’ when Biden gave her the border assignment")
    assert paragraphs[1].startswith("Official says Harris aides appeared to ‘panic’ when Biden")
    assert paragraphs[2].startswith("They reportedly worried")
    assert paragraphs[3].startswith("But her team insisted")
    assert not any("•" in text for text in paragraphs)
    assert sum(text.startswith("Smugglers abandoned a 5-year-old boy") for text in paragraphs) == 1
    assert sum(text.startswith("Asylum-seeking migrant families") for text in paragraphs) == 1
    assert paragraphs[-1].endswith("has implications in the Northern Triangle and vice versa.’")


def test_story_format_joins_wrapped_lines_and_accepts_crlf_and_cr() -> None:
    text = "Title  \n\nPublished: 2024-07-31\n\nFirst line\nwrapped on.   \n\n- a bullet\n* another\n"
    expected = ["First line wrapped on.", "a bullet", "another"]
    for ending in ("\n", "\r\n", "\r"):
        [article] = parse("wrapped.txt", "\ufeff" + text.replace("\n", ending))
        assert article.title == "Title"
        assert article.published == datetime(2024, 7, 31)
        assert texts(article) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Harris Team: Panicked!.txt", "harris-team-panicked"), ("Ｃafé_2024.md", "caf-2024"), ("a.b.json", "a-b")],
)
def test_article_id_comes_from_the_file_name(name: str, expected: str) -> None:
    assert article_id_for(name) == expected


def test_article_id_for_a_name_without_letters_or_digits_is_refused() -> None:
    with pytest.raises(ValueError):
        article_id_for("--- .txt")


def test_markdown_with_front_matter() -> None:
    text = (
        "---\ntitle: \"Border: a new report\"\npublished: '2024-06-01T10:00:00+00:00'\n"
        "url: https://example.com/border\nauthor: someone\n---\n\n# Not the title\n\nIntro text.\n\n## Background\n"
    )
    [article] = parse("report.md", text)
    assert article.id == "report"
    assert article.title == "Border: a new report"
    assert article.published == datetime.fromisoformat("2024-06-01T10:00:00+00:00")
    assert article.url == "https://example.com/border"
    assert texts(article) == ["Not the title", "Intro text.", "Background"]


def test_markdown_without_front_matter_takes_the_first_heading_as_title() -> None:
    text = "# The Title\n\nSome text\non two lines.\n\n## A heading ##\n\n- one\n- two\n"
    [article] = parse("notes.markdown", text)
    assert article.title == "The Title"
    assert article.published is None
    assert texts(article) == ["Some text on two lines.", "A heading", "one", "two"]


def test_json_object_with_paragraphs_or_text() -> None:
    with_list = {"title": "T", "published": "2024-07-31", "url": "http://x.org/a", "paragraphs": ["One.", " Two. "]}
    [article] = parse("one.json", json.dumps(with_list))
    assert (article.id, article.title, article.url) == ("one", "T", "http://x.org/a")
    assert article.published == datetime(2024, 7, 31, 0, 0)
    assert texts(article) == ["One.", "Two."]
    [article] = parse("one.json", json.dumps({"title": "T", "text": "One\nline.\n\nTwo."}))
    assert texts(article) == ["One line.", "Two."]


def test_json_list_uses_own_ids_or_positions() -> None:
    items = [
        {"title": "A", "text": "a"},
        {"id": "Special Report", "title": "B", "text": "b"},
        {"title": "C", "text": "c"},
    ]
    articles = parse("Batch.json", json.dumps(items))
    assert [article.id for article in articles] == ["batch-1", "special-report", "batch-3"]
    assert [article.title for article in articles] == ["A", "B", "C"]


def test_jsonl_one_article_per_line() -> None:
    lines = [json.dumps({"title": "A", "paragraphs": ["a"]}), "", json.dumps({"id": "b", "title": "B", "text": "b"})]
    articles = parse("feed.jsonl", "\n".join(lines) + "\n")
    assert [(article.id, article.title) for article in articles] == [("feed-1", "A"), ("b", "B")]


def test_paragraph_repeated_in_an_article_is_kept_once_and_numbers_stay_consecutive() -> None:
    [article] = parse("r.txt", "Title\n\nCaption.\n\nBody.\n\nCaption.\n\nEnd.\n")
    assert [(paragraph.number, paragraph.text) for paragraph in article.paragraphs] == [
        (1, "Caption."),
        (2, "Body."),
        (3, "End."),
    ]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.txt", b"", "empty.txt: is empty"),
        ("blank.txt", b"  \r\n\t\n", "blank.txt: contains only whitespace"),
        ("no-title.txt", "\nPublished: 2024-07-31\n\nText.\n", "no-title.txt:2: no title"),
        ("bare.txt", "Just a title\n\n---\n", "bare.txt:1: no paragraphs after the title"),
        ("latin1.txt", b"Title\n\nCaf\xe9 society\n", "latin1.txt:3: is not UTF-8"),
        ("latin1-cr.txt", b"Title\r\rCaf\xe9\r", "latin1-cr.txt:3: is not UTF-8"),
        ("latin1-crlf.txt", b"Title\r\n\r\nCaf\xe9\r\n", "latin1-crlf.txt:3: is not UTF-8"),
        ("image.txt", b"Title\n\x89PNG\x00\x1a", "image.txt:2: is a binary file"),
        ("escape.md", b"# T\n\nok\n\x1b[31m red\n", "escape.md:4: is a binary file"),
        ("bad-date.txt", "Title\n\nPublished :`2024-13-45`\n\nText.\n", "bad-date.txt:3: bad Published date"),
        ("notes.pdf", "%PDF-1.4 looks like text", "notes.pdf: unsupported file type '.pdf'"),
        ("bad.json", '{\n  "title": "T",\n  "paragraphs": ["a",]\n}', "bad.json:3: malformed JSON"),
        ("scalar.json", "42", "scalar.json: must hold an article object or a list"),
        ("url.json", '{"title": "T", "text": "a", "url": "ftp://x.org"}', "url.json: `url`:"),
        ("nohost.json", '{"title": "T", "text": "a", "url": "https://"}', "nohost.json: `url`:"),
        ("date.json", '{"title": "T", "text": "a", "published": "last Tuesday"}', "date.json: `published`:"),
        ("notitle.json", '{"text": "a"}', "notitle.json: `title` is required"),
        ("both.json", '{"title": "T", "text": "a", "paragraphs": ["a"]}', "both.json: give either"),
        ("list.json", '[{"title": "A", "text": "a"}, {"title": 5, "text": "b"}]', "list.json: item 2: `title`"),
        ("paras.json", '{"title": "T", "paragraphs": ["a", ""]}', "paras.json: `paragraphs` entry 2"),
        (
            "dup.json",
            '[{"id": "x", "title": "A", "text": "a"}, {"id": "X", "title": "B", "text": "b"}]',
            "dup.json: item 2: the article id 'x' is used twice",
        ),
        ("feed.jsonl", '{"title": "A", "text": "a"}\n\n{"title": "B", "text": \n', "feed.jsonl:3: malformed JSON"),
        ("kinds.jsonl", '{"title": "A", "text": "a"}\n["not", "an", "object"]\n', "kinds.jsonl:2: an article must"),
        ("front.md", "---\ntitle: T\nthis is not a pair\n---\n\ntext\n", "front.md:3: front matter line is not"),
        ("open.md", "---\ntitle: T\n\ntext\n", "open.md:1: the front matter starting here is never closed"),
        ("url.md", "---\ntitle: T\nurl: www.example.com\n---\n\ntext\n", "url.md:3: `url`:"),
        ("date.md", "---\npublished: soon\n---\n# T\n\ntext\n", "date.md:2: `published`:"),
        ("notitle.md", "Just text.\n\n## Only a subheading\n", "notitle.md: no title"),
        ("nobody.md", "# Title only\n", "nobody.md:1: no paragraphs after the title"),
    ],
)
def test_bad_file_names_the_file_the_line_and_the_problem(name: str, content: str | bytes, expected: str) -> None:
    assert parse_error(name, content).startswith(expected)


def test_over_the_size_cap_gives_both_sizes() -> None:
    message = parse_error("big.txt", b"x" * 1_234_567, max_bytes=1_000_000)
    assert message == "big.txt: is 1,234,567 bytes, over the 1,000,000-byte limit"


def test_malformed_json_reports_the_column() -> None:
    assert "(column 22)" in parse_error("bad.json", '{\n  "title": "T",\n  "paragraphs": ["a",]\n}')


def test_error_names_the_path_it_was_given(tmp_path: Path) -> None:
    target = tmp_path / "upload.txt"
    with pytest.raises(CorpusFileError) as caught:
        parse_articles("upload.txt", b"", max_bytes=LIMIT, path=target)
    assert caught.value.path == target
    assert not target.exists()


def test_load_file_reads_from_disk_and_reports_unreadable_files(tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_bytes(b"# Good\r\n\r\nBody.\r\n")
    [article] = load_file(good, max_bytes=LIMIT)
    assert (article.id, article.file, texts(article)) == ("good", good, ["Body."])
    with pytest.raises(CorpusFileError, match=r"^gone\.txt: cannot be read"):
        load_file(tmp_path / "gone.txt", max_bytes=LIMIT)
    big = tmp_path / "big.txt"
    big.write_bytes(b"Title\n\n" + b"word " * 300)
    with pytest.raises(CorpusFileError, match=r"^big\.txt: is 1,507 bytes, over the 1,000-byte limit$"):
        load_file(big, max_bytes=1_000)
