"""The terminal's answers as text: a search's passages, Find the source's (`findsource <message>`), and the
paragraphs around a passage (`context N`), in the same words as on Discord (bot/core/presenting.py,
bot/core/source_replies.py)."""

from __future__ import annotations

from collections.abc import Callable

from answers.engine import SearchResult
from answers.sources import SourceFinding, Verdict
from bot.core.claims import Claim
from bot.core.passage_context import PassageContext
from bot.core.presenting import (
    citation_parts,
    format_date,
    no_match_sentence,
    no_quote_sentence,
    passage_text,
    unknown_words_sentence,
)
from bot.core.safe_text import visible
from bot.core.source_replies import finding_heading, finding_notes

CONTEXT_HINT = "(`context N` shows the paragraphs around passage N)"


def bold(text: str) -> str:
    """Mark matched words the way Discord shows them, so terminal and Discord answers read the same."""
    return f"**{text}**"


def render_result(result: SearchResult, snippet_chars: int, *, context_hint: bool = False) -> str:
    """An answer as text: each passage's snippet with matches in **bold** (for who-said, the speaker and the
    quotation), then its citation and link. Corpus text is shown `visible`: no control or invisible characters."""
    if not result.hits:
        return no_match_sentence(result)
    lines = []
    if result.unknown_words:
        lines.append(f"({unknown_words_sentence(result, visible)})")
    if (fallback := no_quote_sentence(result)) and result.offset == 0:
        lines.append(fallback)
    for number, hit in enumerate(result.hits, start=result.offset + 1):
        lines.append(f"{number}. {passage_text(hit, snippet_chars, mark=bold, escape=visible)}")
        lines.append(f"   — {visible(', '.join(citation_parts(hit.article, hit.paragraph.number)))}")
        if hit.article.url:
            lines.append(f"   {hit.article.url}")
    if result.has_more:
        lines.append("(more passages: type `more`)")
    if context_hint:
        lines.append(CONTEXT_HINT)
    return "\n".join(lines)


def render_finding(claim: Claim, finding: SourceFinding, snippet_chars: int, mark: Callable[[str], str]) -> list[str]:
    """The answer as lines: the heading or the honest sentences, then each passage (speaker, quotation or snippet,
    matches marked) with its citation and link, numbered for `context N`."""
    lines = [visible(finding_heading(claim))] if finding.verdict is Verdict.FOUND else []
    lines += [visible(note) for note in finding_notes(claim, finding)]
    for number, judged in enumerate(finding.shown, start=1):
        hit = judged.hit
        lines.append(f"{number}. {passage_text(hit, snippet_chars, mark=mark, escape=visible)}")
        lines.append(f"   — {visible(', '.join(citation_parts(hit.article, hit.paragraph.number)))}")
        if hit.article.url:
            lines.append(f"   {hit.article.url}")
    if finding.shown:
        lines.append(CONTEXT_HINT)
    return lines


def render_context(context: PassageContext, passage_number: int) -> str:
    """The passage's paragraph and its neighbours, each with its number in the article; the passage marked `→`."""
    article = context.article
    heading = [visible(article.title)]
    if date := format_date(article.published):
        heading.append(date)
    heading.append(f"paragraphs {context.first}–{context.last} of {len(article.paragraphs)}")
    lines = [" · ".join(heading), f"Around passage {passage_number}: paragraph {context.number}."]
    if context.edges_note:
        lines.append(context.edges_note)
    for paragraph in context.paragraphs:
        marker = "→" if paragraph.number == context.number else " "
        lines.append(f"{marker} [{paragraph.number}] {visible(paragraph.text)}")
    if article.url:
        lines.append(article.url)
    return "\n".join(lines)
