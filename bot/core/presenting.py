"""Wording shared by the terminal and Discord: citations, dates, and the honest "nothing found" sentences."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from answers.engine import Hit, NoMatch, SearchResult
from corpus.models import Article

NO_QUOTE_SENTENCE = "No quotation matches these words; the best passages instead:"
UNATTRIBUTED = "(the article does not say who said it)"
MIN_PASSAGE_CHARS = 40


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


def source_facts(article: Article) -> list[tuple[str, str]]:
    """One article's id, date and size as (label, value) pairs, for `source <article>`."""
    return [
        ("id", article.id),
        ("published", format_date(article.published) or "unknown"),
        ("paragraphs", str(len(article.paragraphs))),
    ]


def source_summary(article: Article) -> list[str]:
    """Lines describing one article for `source <article>`: title, facts, link."""
    facts = [f"{label}: {value}" for label, value in source_facts(article)]
    return [article.title, *facts] + ([f"link: {article.url}"] if article.url else [])


def ask_for_words(example: str) -> str:
    """The reply to a who-said question without words; `example` is the command as this front-end types it."""
    return f"Who said what? Give some words of the quotation, for example `{example}`."


def unknown_words_sentence(result: SearchResult, shown: Callable[[str], str] = str) -> str:
    """`Not in the story: capitol, zebrafish` with the words as the member typed them (`shown` escapes them)."""
    return "Not in the story: " + shown(", ".join(result.unknown_words))


def no_quote_sentence(result: SearchResult) -> str | None:
    """The sentence before a who-said answer that found no quotation holding the words (None otherwise)."""
    return NO_QUOTE_SENTENCE if result.quote_found is False and result.hits else None


def line_start(text: str) -> str:
    """Text that begins a line of an answer, with its first letter upper case (`critics` → `Critics`, `a Trump
    campaign ad` → `A Trump campaign ad`); the rest as the article wrote it."""
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def markdown_bold(text: str) -> str:
    """Text in Markdown bold, as both the terminal and Discord show a speaker (nothing to mark: unchanged)."""
    return f"**{text}**" if text.strip() else text


def passage_text(
    hit: Hit,
    max_chars: int,
    *,
    mark: Callable[[str], str] = str,
    escape: Callable[[str], str] = str,
    strong: Callable[[str], str] = markdown_bold,
) -> str:
    """What an answer shows for one passage: for a who-said hit inside a quotation, the speaker and the quotation
    (`**Kamala Harris**: “… say it to my face.”`); otherwise the paragraph's snippet. Matches are marked with
    `mark`, corpus text escaped with `escape`, the speaker's name wrapped in `strong`. The quoted or snipped text is
    at most `max_chars` before marking, less the speaker's name."""
    quote = hit.quote
    if quote is None or (quote.label and not quote.speaker):
        return hit.snippet(max_chars, mark=mark, escape=escape)
    speaker = strong(escape(line_start(quote.speaker))) if quote.speaker else ""
    around = len(quote.speaker) + 4 if quote.speaker else len(UNATTRIBUTED) + 3
    room = max(MIN_PASSAGE_CHARS, max_chars - around)
    if quote.label:  # a scare quote: the sentence around it says more than the one or two words
        return f"{speaker} — {hit.snippet(room, mark=mark, escape=escape)}"
    quoted = f"“{hit.quote_snippet(room, mark=mark, escape=escape)}”"
    return f"{speaker}: {quoted}" if speaker else f"{quoted} {UNATTRIBUTED}"
