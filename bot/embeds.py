"""Answers as Discord embeds that always fit Discord's limits: snippets bolded, corpus Markdown escaped, each cited."""

from __future__ import annotations

import discord

from bot.presenting import citation_parts, format_date, no_match_sentence, source_summary
from corpus.models import Article
from index.engine import Hit, SearchResult

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
    """Corpus text shown literally: Markdown characters escaped (mentions never ping: see allowed mentions)."""
    return discord.utils.escape_markdown(text, as_needed=False)


def bold(text: str) -> str:
    """Matched words in bold."""
    return f"**{text}**"


def citation_line(article: Article, paragraph: int) -> str:
    """`[Title](link) · 31 Jul 2024 · paragraph 5`, the title linked when the article has a URL."""
    parts = citation_parts(article, paragraph)
    title = escape(shorten(parts[0], 200))
    if article.url:
        title = f"[{title.replace(']', '')}]({article.url})"
    return " · ".join([title, *parts[1:]])


def fit_snippet(hit: Hit, snippet_chars: int, budget: int, prefix: str = "") -> str:
    """The hit's snippet, marked and escaped, shrunk until prefix + snippet fits in `budget` characters."""
    chars = snippet_chars
    while True:
        text = prefix + hit.snippet(chars, mark=bold, escape=escape)
        if len(text) <= budget or chars <= 20:
            return text[:budget]
        chars = max(20, chars - (len(text) - budget) - 10)


def answer_embed(result: SearchResult, heading: str, snippet_chars: int, page_note: str = "") -> discord.Embed:
    """An embed with one field per passage: the citation as the field name, the snippet and link as its value."""
    embed = discord.Embed(title=shorten(heading, TITLE_LIMIT), colour=ANSWER_COLOUR)
    footer = page_note or "storybot · BM25 over the story's paragraphs"
    embed.set_footer(text=shorten(footer, FOOTER_LIMIT))
    used = len(embed.title or "") + len(footer)
    if result.unknown_terms:
        embed.description = shorten(f"Not in the story: {escape(', '.join(result.unknown_terms))}", 300)
        used += len(embed.description)
    per_hit = max(200, (EMBED_TOTAL_BUDGET - used) // max(len(result.hits), 1))
    for number, hit in enumerate(result.hits, start=result.offset + 1):
        name = shorten(f"{number}. {hit.article.title}", FIELD_NAME_LIMIT)
        citation = citation_line(hit.article, hit.paragraph.number)
        value_budget = min(FIELD_VALUE_LIMIT, per_hit - len(name)) - len(citation) - 1
        value = fit_snippet(hit, snippet_chars, max(value_budget, 40)) + "\n" + citation
        embed.add_field(name=name, value=value[:FIELD_VALUE_LIMIT], inline=False)
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
        title = escape(shorten(article.title, 150))
        if article.url:
            title = f"[{title.replace(']', '')}]({article.url})"
        lines.append(f"• {title}" + (f" · {date}" if date else "") + f" · `{article.id}`")
    description = ""
    for index, line in enumerate(lines):
        if len(description) + len(line) + 60 > DESCRIPTION_LIMIT:
            description += f"… and {len(lines) - index} more"
            break
        description += line + "\n"
    embed.description = description.strip() or "The story has no articles yet."
    return embed


def source_embed(article: Article) -> discord.Embed:
    """One article's details."""
    lines = source_summary(article)
    embed = discord.Embed(title=shorten(lines[0], TITLE_LIMIT), url=article.url, colour=ANSWER_COLOUR)
    embed.description = escape("\n".join(lines[1:]))[:DESCRIPTION_LIMIT]
    first = article.paragraphs[0].text if article.paragraphs else ""
    if first:
        embed.add_field(name="Begins", value=escape(shorten(first, 900)), inline=False)
    return embed


def embed_length(embed: discord.Embed) -> int:
    """What Discord counts toward the 6,000-character embed limit."""
    return len(embed)
