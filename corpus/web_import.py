"""An article added by its address: fetch the page, extract the article, and plan the `.json` file it is stored as.

The file name comes from the address (its last path segment and a hash of the same-article key), so the same
address always gives the same file, and adding it again replaces that file instead of adding a duplicate. The file
is then written, validated and indexed like any uploaded file (bot/core/service.py `add_article`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from yarl import URL

from corpus.extract import ExtractedArticle, extract_article
from corpus.fields import slugify
from corpus.models import Article
from corpus.web_address import ArticleRefused, citation_url, same_article_key, shown
from corpus.web_fetch import FetchedPage, FetchLimits, Lookup, fetch_page, system_lookup

NAME_STEM_CHARS = 60
_PAGE_SUFFIXES = (".html", ".htm", ".shtml", ".php", ".aspx", ".asp", ".jsp", ".cms")


@dataclass(frozen=True)
class WebArticle:
    """A fetched article ready to be saved: its file, the address it cites, the article it replaces if any."""

    file_name: str
    data: bytes
    url: str
    title: str
    replaces: Article | None


async def fetch_article(
    url: str, limits: FetchLimits, lookup: Lookup = system_lookup
) -> tuple[FetchedPage, ExtractedArticle]:
    """Fetch the page (corpus/web_fetch.py) and extract its article off the event loop."""
    page = await fetch_page(url, limits, lookup)
    return page, await asyncio.to_thread(extract_article, page.html, str(page.url))


def plan_web_article(
    page: FetchedPage, article: ExtractedArticle, existing: Iterable[Article], corpus_dir: Path, max_bytes: int
) -> WebArticle:
    """The file to write for a fetched article: the file of the article with the same address when there is one
    (a one-article `.json` file, replaced), else a new file named after the address."""
    cited = citation_url(page.url)
    same = find_same_article(existing, (page.requested, page.url))
    if len(same) > 1:
        ids = ", ".join(f"`{found.id}`" for found in same[:5])
        raise ArticleRefused(
            f"`{shown(cited)}` is already in the story {len(same)} times ({ids}); remove the extra ones first."
        )
    replaces = same[0] if same else None
    if replaces is not None:
        file_name = _replaceable_file(replaces, existing, cited)
    else:
        file_name = article_file_name(page.url)
        target = corpus_dir / file_name
        if target.exists() or target.is_symlink():
            raise ArticleRefused(
                f"`{shown(cited)}` would be saved as `{file_name}`, which already exists with another article in it."
            )
    data = article_json(article, cited)
    if len(data) > max_bytes:
        raise ArticleRefused(
            f"The article at `{shown(cited)}` is {len(data):,} bytes as a file, over the {max_bytes:,}-byte limit "
            "for an article file (`max_file_bytes`)."
        )
    return WebArticle(file_name=file_name, data=data, url=cited, title=article.title, replaces=replaces)


def find_same_article(existing: Iterable[Article], addresses: Iterable[URL]) -> list[Article]:
    """The articles whose stored address names the same article as any of these addresses."""
    keys = {same_article_key(address) for address in addresses}
    found = []
    for article in existing:
        if article.url is None:
            continue
        try:
            key = same_article_key(article.url)
        except ValueError:  # an address yarl cannot read names no article we could fetch
            continue
        if key in keys:
            found.append(article)
    return found


def _replaceable_file(same: Article, existing: Iterable[Article], cited: str) -> str:
    """The file of the article with the same address, if replacing that whole file replaces that article only."""
    neighbours = sum(1 for article in existing if article.file == same.file)
    if same.file.suffix.lower() != ".json" or neighbours != 1:
        where = "a file of several articles" if neighbours != 1 else f"a {same.file.suffix} file"
        raise ArticleRefused(
            f"`{shown(cited)}` is already in the story as `{same.id}`, in `{shown(same.file.name)}` ({where}); remove "
            f"it with `article remove {same.id}` first to add it again by its address."
        )
    return same.file.name


def article_file_name(url: URL) -> str:
    """`<slug of the last path segment, or the host>-<6 hex digits of the same-article key>.json`."""
    segments = [segment for segment in url.path.split("/") if segment]
    last = segments[-1] if segments else ""
    for suffix in _PAGE_SUFFIXES:
        if last.lower().endswith(suffix):
            last = last[: -len(suffix)]
    stem = slugify(_without_accents(last))
    if not any(char.isalpha() for char in stem):
        host = slugify((url.raw_host or "").removeprefix("www."))
        stem = f"{host}-{stem}" if stem else host
    stem = stem[:NAME_STEM_CHARS].strip("-") or "article"
    digest = hashlib.sha256(same_article_key(url).encode()).hexdigest()[:6]
    return f"{stem}-{digest}.json"


def _without_accents(text: str) -> str:
    """`über` → `uber`: letters without their combining marks (other scripts are left to slugify, which drops them)."""
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))


def article_json(article: ExtractedArticle, url: str) -> bytes:
    """The article as the corpus's `.json` format: title, publication date (if known), address, paragraphs."""
    record: dict[str, object] = {"title": article.title}
    if article.published is not None:
        record["published"] = article.published.isoformat()
    record["url"] = url
    record["paragraphs"] = list(article.paragraphs)
    return (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
