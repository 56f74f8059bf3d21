"""Answers as Discord embeds that always fit Discord's limits: snippets bolded, corpus text escaped, each cited.

Everything an article or a member wrote goes through `escape` (bot/core/safe_text.py): it shows as written and can make
no link, mention or formatting. The only live links are the articles' own addresses, shown in full (`<https://…>`),
so what a member reads is where the link goes.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from answers.engine import Hit, SearchResult
from bot.core.presenting import (
    citation_parts,
    format_date,
    no_match_sentence,
    no_quote_sentence,
    passage_text,
    source_facts,
    unknown_words_sentence,
)
from bot.core.safe_text import display_url, escape_markdown, visible
from corpus.models import Article

# Discord's hard limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT_LIMIT = 2_000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4_096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1_024
FOOTER_LIMIT = 2_048
EMBED_TOTAL_LIMIT = 6_000
EMBED_TOTAL_BUDGET = 5_800  # leave room for what Discord counts that we don't control exactly
ANSWER_COLOUR = discord.Colour.from_rgb(88, 101, 242)
ELLIPSIS = "…"
MIN_SNIPPET_CHARS = 3  # the smallest window best_fragment makes: one character between two ellipses
NOTE_LIMIT = 600  # one sentence before an answer's passages (they may echo a member's text)


def shorten(text: str, limit: int) -> str:
    """Cut text to at most `limit` characters at a word boundary, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def escape(text: str) -> str:
    """Text of an article or a member shown literally: nothing invisible, no Markdown, no mention, no link."""
    return escape_markdown(text)


def bold(text: str) -> str:
    """Matched words in bold (nothing, when escaping left no text to mark)."""
    return f"**{text}**" if text.strip() else text


def link_text(url: str | None) -> str:
    """An article's address as a link whose text is the address itself (`<https://…>`); "" when it has none or
    its address would mislead (bot/core/safe_text.py `display_url`)."""
    shown = display_url(url) if url else None
    return f"<{shown}>" if shown else ""


def citation_line(article: Article, paragraph: int, limit: int = FIELD_VALUE_LIMIT // 2) -> str:
    """`Title · 31 Jul 2024 · paragraph 5`, then the article's link on the next line when it has one.

    At most `limit` characters: the title is shortened first; a link too long to fit is left out (the paragraph
    number is always there).
    """
    parts = citation_parts(article, paragraph)
    rest = "".join(f" · {part}" for part in parts[1:])
    link = link_text(article.url)
    if len(rest) + len(link) + 13 > limit:
        link = ""  # a link longer than the room would be cut into a broken one
    room = min(200, limit - len(rest) - len(link) - 1)
    title = escaped_within(parts[0], max(room, 1))
    line = title + rest if len(title + rest) <= limit else rest.removeprefix(" · ")[:limit]
    return f"{line}\n{link}" if link else line


def escaped_within(text: str, limit: int) -> str:
    """`escape(text)` shortened (before escaping, so no escape is cut in two) to at most `limit` characters."""
    chars = limit
    while True:
        escaped = escape(shorten(text, chars))
        if len(escaped) <= limit or chars <= 1:
            return escaped if len(escaped) <= limit else ""
        chars = max(1, min(chars - 1, chars - (len(escaped) - limit) // 2))


def fit_snippet(hit: Hit, snippet_chars: int, budget: int, prefix: str = "") -> str:
    """The hit's snippet, marked and escaped, shrunk until prefix + snippet fits in `budget` characters."""
    chars = snippet_chars
    while True:
        text = prefix + passage_text(hit, chars, mark=bold, escape=escape)
        if len(text) <= budget:
            return text
        if chars <= MIN_SNIPPET_CHARS:  # cutting the marked text could split a `**` pair: drop the marks instead
            return escaped_within(prefix + hit.snippet(MIN_SNIPPET_CHARS), budget)
        chars = max(MIN_SNIPPET_CHARS, chars - (len(text) - budget) - 10)


def answer_embed(
    result: SearchResult, heading: str, snippet_chars: int, page_note: str = "", notes: Sequence[str] = ()
) -> discord.Embed:
    """An embed with one field per passage: the citation as the field name, the snippet and link as its value.

    `heading` (which may echo the member's question) is escaped here; `page_note` is the bot's own text; `notes`
    are sentences shown first, already escaped (each at most NOTE_LIMIT characters is kept).
    """
    embed = discord.Embed(title=escaped_within(heading, TITLE_LIMIT), colour=ANSWER_COLOUR)
    footer = shorten(visible(page_note) or "storybot · BM25 over the story's paragraphs", FOOTER_LIMIT // 4)
    embed.set_footer(text=footer)
    used = len(embed.title or "") + len(footer)
    notes = [shorten(note, NOTE_LIMIT) for note in notes]
    if result.offset == 0 and no_quote_sentence(result):
        notes.append(no_quote_sentence(result))
    if result.unknown_words:
        notes.append(unknown_words_sentence(result, lambda words: escaped_within(words, 280)))
    if notes:
        embed.description = "\n".join(notes)
        used += len(embed.description)
    # Each passage gets an equal share of what is left; its name, citation and snippet are fitted into that share.
    per_hit = (EMBED_TOTAL_BUDGET - used) // max(len(result.hits), 1)
    for number, hit in enumerate(result.hits, start=result.offset + 1):
        number_text = f"{number}. "
        title_room = max(min(FIELD_NAME_LIMIT, per_hit // 4) - len(number_text), 1)
        name = number_text + escaped_within(hit.article.title, title_room)
        room = min(FIELD_VALUE_LIMIT, per_hit - len(name))
        citation = citation_line(hit.article, hit.paragraph.number, limit=room - 60)
        value = fit_snippet(hit, snippet_chars, room - len(citation) - 1) + "\n" + citation
        embed.add_field(name=name, value=value, inline=False)
    return embed


def no_match_text(result: SearchResult) -> str:
    """The short reply when nothing matched."""
    return no_match_sentence(result)


def sources_embed(articles: tuple[Article, ...]) -> discord.Embed:
    """The list of the story's articles, cut to fit one embed."""
    embed = discord.Embed(title=f"The story's {len(articles)} articles", colour=ANSWER_COLOUR)
    lines = []
    for article in articles:
        date = format_date(article.published)
        link = link_text(article.url)
        line = f"• {escape(shorten(article.title, 150))}" + (f" · {date}" if date else "") + f" · `{article.id}`"
        lines.append(line + (f" · {link}" if link else ""))
    description = ""
    for index, line in enumerate(lines):
        if len(description) + len(line) + 60 > DESCRIPTION_LIMIT:
            description += f"… and {len(lines) - index} more"
            break
        description += line + "\n"
    embed.description = description.strip() or "The story has no articles yet."
    return embed


def source_embed(article: Article) -> discord.Embed:
    """One article's details; its link shown in full (a linked embed title would hide where it goes)."""
    title = escaped_within(article.title, TITLE_LIMIT).strip() or escape(article.id)[:TITLE_LIMIT]
    embed = discord.Embed(title=title, colour=ANSWER_COLOUR)
    lines = [f"{label}: {escape(value)}" for label, value in source_facts(article)]
    if link := link_text(article.url):
        lines.append(f"link: {link}")
    embed.description = "\n".join(lines)[:DESCRIPTION_LIMIT]
    first = escaped_within(article.paragraphs[0].text, 900) if article.paragraphs else ""
    if first.strip():  # a paragraph of invisible characters only shows as nothing
        embed.add_field(name="Begins", value=first, inline=False)
    return embed


def embed_length(embed: discord.Embed) -> int:
    """What Discord counts toward the 6,000-character embed limit."""
    return len(embed)
