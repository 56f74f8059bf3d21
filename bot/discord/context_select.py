"""The **Context** menu under an answer: pick a shown passage, see the paragraphs around it, privately.

Any member may use it (the reply is ephemeral and searches nothing). The paragraphs come from the story as it is
now (bot/core/passage_context.py): an article changed or removed since the answer is said so. The embed cites
exactly (title, date, paragraph numbers, link) and always fits Discord's limits, however long the paragraphs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from answers.engine import Hit
from bot.core.passage_context import PassageContext, PassageGone
from bot.core.presenting import format_date
from bot.discord.embeds import (
    ANSWER_COLOUR,
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_BUDGET,
    FIELD_VALUE_LIMIT,
    TITLE_LIMIT,
    escaped_within,
    link_text,
    shorten,
)

if TYPE_CHECKING:
    from bot.core.service import StoryService

OPTION_TEXT_LIMIT = 100
PLACEHOLDER = "Context: the paragraphs around a passage"


@dataclass(frozen=True)
class ShownPassage:
    """A passage as an answer showed it: its number in the answer, where it is, and its paragraph's text then."""

    number: int
    article_id: str
    title: str
    paragraph: int
    text: str

    @classmethod
    def of(cls, number: int, hit: Hit) -> ShownPassage:
        """The passage shown as `number` for this hit."""
        return cls(number, hit.article.id, hit.article.title, hit.paragraph.number, hit.paragraph.text)


def shown_passages(hits: Sequence[Hit], first_number: int = 1) -> list[ShownPassage]:
    """The hits of an answer page as numbered passages (the numbers the answer shows)."""
    return [ShownPassage.of(number, hit) for number, hit in enumerate(hits, start=first_number)]


def context_embed(context: PassageContext, shown: ShownPassage) -> discord.Embed:
    """The passage's paragraph and its neighbours, one field each, numbered as in the article."""
    article = context.article
    embed = discord.Embed(title=escaped_within(article.title, TITLE_LIMIT) or "(untitled)", colour=ANSWER_COLOUR)
    date = format_date(article.published)
    citation = " · ".join(
        [*([date] if date else []), f"paragraphs {context.first}–{context.last} of {len(article.paragraphs)}"]
    )
    lines = [f"Around passage {shown.number}: paragraph {context.number}.", citation]
    if context.edges_note:
        lines.append(context.edges_note)
    if link := link_text(article.url):
        lines.append(link)
    embed.description = "\n".join(lines)[:DESCRIPTION_LIMIT]
    room = EMBED_TOTAL_BUDGET - len(embed.title or "") - len(embed.description) - 200
    names = [
        f"Paragraph {p.number} (the passage)" if p.number == context.number else f"Paragraph {p.number}"
        for p in context.paragraphs
    ]
    share = room // max(len(context.paragraphs), 1) - max(map(len, names), default=0)
    for name, paragraph in zip(names, context.paragraphs, strict=True):
        value = escaped_within(paragraph.text, min(FIELD_VALUE_LIMIT, max(share, 20))) or "(nothing visible)"
        embed.add_field(name=name, value=value, inline=False)
    return embed


class PassageContextSelect(discord.ui.Select):
    """One option per shown passage; choosing one answers privately with the paragraphs around it."""

    def __init__(self, service: StoryService, passages: Sequence[ShownPassage]) -> None:
        super().__init__(placeholder=PLACEHOLDER, min_values=1, max_values=1, options=[], row=1)
        self.service = service
        self.passages: dict[str, ShownPassage] = {}
        self.show(passages)

    def show(self, passages: Sequence[ShownPassage]) -> None:
        """List these passages (a new page of the answer)."""
        self.passages = {str(passage.number): passage for passage in passages[:25]}
        self.options = [
            discord.SelectOption(
                label=shorten(f"{passage.number}. {passage.title}", OPTION_TEXT_LIMIT),
                value=value,
                description=f"paragraph {passage.paragraph}",
            )
            for value, passage in self.passages.items()
        ]

    async def callback(self, interaction: discord.Interaction) -> None:
        """Reset the menu (so the same passage can be picked again), then send the context privately."""
        passage = self.passages.get(self.values[0]) if self.values else None
        await interaction.response.edit_message(view=self.view)
        if passage is None:  # an option of a page since turned: nothing to show
            await interaction.followup.send("That passage is no longer listed; pick one again.", ephemeral=True)
            return
        try:
            context = self.service.context(passage.article_id, passage.paragraph, passage.text)
        except PassageGone as gone:
            await interaction.followup.send(str(gone), ephemeral=True)
            return
        await interaction.followup.send(embed=context_embed(context, passage), ephemeral=True)
