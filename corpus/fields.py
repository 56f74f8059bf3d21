"""Pieces shared by every file format: article ids, dates, urls, and turning a parsed draft into an Article."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from corpus.models import Article, CorpusFileError

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass
class ArticleDraft:
    """An article as a format parser found it, before it gets its id and paragraph numbers.

    `own_id` is the `id` field of an object in a multi-article file; `position` is its 1-based place in such a file
    (None for a file that holds exactly one article by its format); `line` is where it starts, when known.
    """

    title: str
    paragraphs: list[str]
    published: datetime | None = None
    url: str | None = None
    own_id: str | None = None
    position: int | None = None
    line: int | None = None


def slugify(text: str) -> str:
    """NFKC, lowercase, every run of characters outside [a-z0-9] becomes "-", no "-" at either end (may be empty)."""
    return _NOT_SLUG.sub("-", unicodedata.normalize("NFKC", text).lower()).strip("-")


def article_id_for(file_name: str) -> str:
    """The article id of a file holding one article: its name's stem, slugified. ValueError if nothing is left."""
    article_id = slugify(Path(file_name).stem)
    if not article_id:
        raise ValueError(f"the file name {file_name!r} gives an empty article id; use some letters or digits in it")
    return article_id


def parse_published(value: str) -> datetime:
    """An ISO date or date-time; a date becomes midnight, a naive date-time stays naive. ValueError if malformed."""
    text = value.strip()
    if not text:
        raise ValueError("the date is empty")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date; write it like 2024-07-31 or 2024-07-31 03:36:51") from None


def check_url(value: str) -> str:
    """Return the url if it is an http(s) address with a host; ValueError otherwise."""
    text = value.strip()
    try:
        parts = urlsplit(text)
        valid = parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid or len(text.split(maxsplit=1)) != 1:  # split() cuts at the same whitespace as str.isspace
        raise ValueError(f"{text!r} is not an http(s) address with a host")
    return text


def build_article(draft: ArticleDraft, article_id: str, path: Path) -> Article:
    """Number the draft's paragraphs from 1, keeping a paragraph repeated word for word only the first time."""
    texts = dict.fromkeys(draft.paragraphs)  # in order, each text once
    if not texts:
        raise CorpusFileError(path, "the article has no paragraphs", draft.line)
    # One validation for the whole article: pydantic checks every paragraph in a single call, much faster than
    # one Paragraph(...) call each.
    return Article.model_validate(
        {
            "id": article_id,
            "title": draft.title,
            "published": draft.published,
            "url": draft.url,
            "file": path,
            "paragraphs": [{"number": number, "text": text} for number, text in enumerate(texts, start=1)],
        }
    )
