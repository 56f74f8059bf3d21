"""The plain-text story format (.txt) and Markdown (.md, .markdown), parsed from already decoded text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from corpus.fields import ArticleDraft, check_url, parse_published
from corpus.models import CorpusFileError

# Each pattern is matched with fullmatch against a line with its ends stripped (BULLET: against the raw line).
RULE = re.compile(r"(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}")
BULLET = re.compile(r"\s*[•*-]\s+(?P<text>\S.*)")
HEADING = re.compile(r"(?P<marks>#{1,6})\s+(?P<text>.*?)(?:\s+#+)?")
PUBLISHED = re.compile(r"published\s*:\s*(?P<value>.*)", re.IGNORECASE)
FRONT_MATTER_KEY = re.compile(r"[a-z][a-z0-9_-]*")


def split_paragraphs(lines: Iterable[str], *, headings: bool) -> list[str]:
    """Body lines to paragraphs: blank lines and `---` rules separate them, lines within one are joined by a space.

    A bullet line (`•`, `-` or `*` and a space) is a paragraph of its own without its marker; with `headings`, so is
    a Markdown heading without its `#` markers.
    """
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for line in lines:
        text = line.strip()
        item = BULLET.fullmatch(line) or (HEADING.fullmatch(text) if headings else None)
        if not text or RULE.fullmatch(text):
            flush()
        elif item is not None:
            flush()
            if item["text"].strip():
                paragraphs.append(item["text"].strip())
        else:
            current.append(text)
    flush()
    return paragraphs


def parse_story_text(text: str, path: Path) -> list[ArticleDraft]:
    """The story format: a title line, an optional `Published :` line, then paragraphs separated by blank lines."""
    numbered = list(enumerate(text.split("\n"), start=1))
    start = next(index for index, (_, line) in enumerate(numbered) if line.strip())
    title_line, raw_title = numbered[start]
    heading = HEADING.fullmatch(raw_title.strip())
    title = heading["text"].strip() if heading else raw_title.strip()
    if not title or RULE.fullmatch(title) or PUBLISHED.fullmatch(title):
        raise CorpusFileError(path, "no title: the first line must be the article's title", title_line)

    published: datetime | None = None
    body: list[str] = []
    in_header = True
    for number, line in numbered[start + 1 :]:
        stripped = line.strip()
        if in_header and stripped and not RULE.fullmatch(stripped):
            match = PUBLISHED.fullmatch(stripped)
            if match and published is None:
                published = _published_line(match["value"], path, number)
                continue
            in_header = False
        body.append(line)

    paragraphs = split_paragraphs(body, headings=False)
    if not paragraphs:
        raise CorpusFileError(path, "no paragraphs after the title", title_line)
    return [ArticleDraft(title=title, paragraphs=paragraphs, published=published, line=title_line)]


def _published_line(value: str, path: Path, line: int) -> datetime:
    try:
        return parse_published(value.strip().strip("`"))
    except ValueError as error:
        raise CorpusFileError(path, f"bad Published date: {error}", line) from None


def parse_markdown(text: str, path: Path) -> list[ArticleDraft]:
    """Markdown: optional `---` front matter (title, published or date, url), a `# ` title heading, then the body.

    The body's headings become paragraphs of their own, as do bullet lines.
    """
    lines = text.split("\n")
    fields, body_start = _front_matter(lines, path)
    body = list(enumerate(lines[body_start:], start=body_start + 1))

    if "title" in fields:
        title_line, title = fields["title"]
        if not title:
            raise CorpusFileError(path, "`title` is empty", title_line)
    else:
        found = _title_heading(body)
        if found is None:
            raise CorpusFileError(path, "no title: start with a `# Title` heading or give `title:` in the front matter")
        title_line, title = found
        body = [(number, line) for number, line in body if number != title_line]

    published = None
    date_key = "published" if "published" in fields else "date"
    if date_key in fields:
        line, value = fields[date_key]
        try:
            published = parse_published(value)
        except ValueError as error:
            raise CorpusFileError(path, f"`{date_key}`: {error}", line) from None
    url = None
    if "url" in fields:
        line, value = fields["url"]
        try:
            url = check_url(value)
        except ValueError as error:
            raise CorpusFileError(path, f"`url`: {error}", line) from None

    paragraphs = split_paragraphs((line for _, line in body), headings=True)
    if not paragraphs:
        raise CorpusFileError(path, "no paragraphs after the title", title_line)
    return [ArticleDraft(title=title, paragraphs=paragraphs, published=published, url=url, line=title_line)]


def _title_heading(body: list[tuple[int, str]]) -> tuple[int, str] | None:
    for number, line in body:
        heading = HEADING.fullmatch(line.strip())
        if heading and len(heading["marks"]) == 1 and heading["text"].strip():
            return number, heading["text"].strip()
    return None


def _front_matter(lines: list[str], path: Path) -> tuple[dict[str, tuple[int, str]], int]:
    """The front matter's `key: value` pairs (lowercased key → (line, value)) and the index of the first body line."""
    if lines[0].strip() != "---":
        return {}, 0
    end = next((index for index in range(1, len(lines)) if lines[index].strip() == "---"), None)
    if end is None:
        raise CorpusFileError(path, "the front matter starting here is never closed with a `---` line", 1)
    fields: dict[str, tuple[int, str]] = {}
    for index in range(1, end):
        number, text = index + 1, lines[index].strip()
        if not text or text.startswith("#"):
            continue
        key, colon, value = text.partition(":")
        key = key.strip().lower()
        if not colon or not FRONT_MATTER_KEY.fullmatch(key):
            raise CorpusFileError(path, f"front matter line is not `key: value`: {text[:80]!r}", number)
        if key in fields:
            raise CorpusFileError(path, f"`{key}` is given twice in the front matter", number)
        fields[key] = (number, _unquote(value.strip()))
    return fields, end + 1


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value
