"""Wording shared by the terminal and Discord: citations, dates, help, and the honest "nothing found" sentences."""

from __future__ import annotations

from datetime import datetime

from corpus.models import Article
from index.engine import NoMatch, SearchResult

# (usage, what it does, who may use it) — one list, rendered by both front-ends.
COMMAND_HELP: tuple[tuple[str, str, str], ...] = (
    ("who said <words>", "find who said something: the quotation's passage, with its source", "everyone"),
    ("ask <question>", "the passages that best answer a question (alias: search)", "everyone"),
    ("sources", "list the articles of the story", "everyone"),
    ("source <article>", "one article's details and link", "everyone"),
    ("help", "this list", "everyone"),
    ("reload", "rescan the corpus folder and rebuild the index", "moderators"),
    ("article add [replace]", "add (or replace) an article from an attached file", "moderators"),
    ("article remove <id>", "move an article to the trash and reindex", "moderators"),
    ("config …", "channels, moderator roles, results per answer, prefix (see `config show`)", "admins"),
)
CONSOLE_ONLY_HELP = (("more", "the next page of the last answer", "terminal"),)


def format_date(moment: datetime | None) -> str | None:
    """A date as members read it: `31 Jul 2024` (None when unknown)."""
    return f"{moment.day} {moment:%b %Y}" if moment else None


def citation_parts(article: Article, paragraph: int) -> list[str]:
    """The pieces of a citation in reading order: title, date when known, paragraph number."""
    parts = [article.title]
    date = format_date(article.published)
    if date:
        parts.append(date)
    parts.append(f"paragraph {paragraph}")
    return parts


def no_match_sentence(result: SearchResult) -> str:
    """Why nothing was found, in one or two honest sentences."""
    return (result.no_match or NoMatch.NO_PASSAGE).value


def source_summary(article: Article) -> list[str]:
    """Lines describing one article for `source <article>`."""
    lines = [article.title, f"id: {article.id}"]
    date = format_date(article.published)
    lines.append(f"published: {date}" if date else "published: unknown")
    lines.append(f"paragraphs: {len(article.paragraphs)}")
    if article.url:
        lines.append(f"link: {article.url}")
    return lines
