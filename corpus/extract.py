"""The article in a web page: its title, publication date and body paragraphs, without the page's boilerplate.

trafilatura finds the main text (navigation, footers, cookie banners, related links, newsletter boxes and comments
are left out) and the date (htmldate: JSON-LD, Open Graph and other meta tags, <time> elements, the address).
It was chosen by measurement against readability-lxml and newspaper4k on the saved pages of tests/pages/
(bench/bench_extractors.py; figures in bench/README.md). CPU-bound: async callers run it in a thread.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import trafilatura
from lxml import etree

from corpus.web_address import ArticleRefused, shown

# trafilatura's XML body: paragraphs, headings, list items, quotes and table rows are the paragraphs kept.
BLOCKS = ("p", "head", "item", "quote", "row")
# A page whose main text is shorter than this is a list of links, a login wall or an error page, not an article.
MIN_WORDS = 40
MOSTLY_LINK = 0.8
# Extraction time grows with the page's elements (about 3 s for 40,000 on this machine's cores); a news page has a
# few thousand, a heavy one with comments some 15,000. More than this is refused rather than read for a minute.
MAX_ELEMENTS = 30_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

logging.getLogger("trafilatura").setLevel(logging.ERROR)  # its warnings about odd pages are not ours to log
logging.getLogger("htmldate").setLevel(logging.ERROR)


@dataclass(frozen=True)
class ExtractedArticle:
    """What was found in a page: the title, the publication day if stated, the body's paragraphs in order."""

    title: str
    published: date | None
    paragraphs: tuple[str, ...]


def extract_article(html: str, url: str) -> ExtractedArticle:
    """Find the article in a page's HTML; ArticleRefused (naming `url`) when there is none or it has no title."""
    quoted = f"`{shown(url)}`"
    tree = trafilatura.load_html(html)
    if tree is None:
        raise ArticleRefused(f"{quoted} has no HTML the bot can read.")
    elements = sum(1 for _ in tree.iter())
    if elements > MAX_ELEMENTS:
        raise ArticleRefused(
            f"{quoted} has {elements:,} HTML elements, more than the {MAX_ELEMENTS:,} the bot reads in one page."
        )
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_images=False,
        include_tables=True,
        include_links=True,  # only to recognise "Read more: <link>" paragraphs; the links are not kept
        favor_precision=True,
        deduplicate=False,
    )
    body = None if document is None else document.body
    paragraphs = [] if body is None else body_paragraphs(body)
    title = clean_text(document.title or "") if document is not None else ""
    paragraphs = drop_repeated_title(paragraphs, title)
    if sum(len(paragraph.split()) for paragraph in paragraphs) < MIN_WORDS:
        raise ArticleRefused(f"{quoted} has no article the bot can find (no main text of {MIN_WORDS} words or more).")
    if not title:
        raise ArticleRefused(f"{quoted} has an article but no title the bot can find.")
    return ExtractedArticle(title=title, published=_published(document.date), paragraphs=tuple(paragraphs))


def body_paragraphs(body: etree._Element) -> list[str]:
    """The innermost blocks of trafilatura's body as paragraphs, skipping those that are mostly one link
    ("Read more: …", pointers to other articles) and those without a letter or digit (`___`, `* * *`)."""
    paragraphs = []
    for block in body.iter(*BLOCKS):
        if any(child.tag in BLOCKS for child in block.iterdescendants()) or _mostly_link(block):
            continue
        text = clean_text(" | ".join(block.itertext()) if block.tag == "row" else "".join(block.itertext()))
        if any(char.isalnum() for char in text):
            paragraphs.append(text)
    return paragraphs


def clean_text(text: str) -> str:
    """NFC, control characters removed, every run of whitespace one space, no space at either end."""
    return " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", text)).split())


def drop_repeated_title(paragraphs: list[str], title: str) -> list[str]:
    """The paragraphs without those that repeat the title (the headline kept in the body; the title is stored apart)."""
    folded = title.casefold()
    return [paragraph for paragraph in paragraphs if paragraph.casefold() != folded]


def _mostly_link(block: etree._Element) -> bool:
    letters = sum(char.isalnum() for char in "".join(block.itertext()))
    linked = sum(char.isalnum() for ref in block.iter("ref") for char in "".join(ref.itertext()))
    return letters > 0 and linked >= MOSTLY_LINK * letters


def _published(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
