"""The paragraphs around a passage an answer showed: before and after it, from the same article, numbered exactly.

An answer names its passages by article id and paragraph number and keeps the paragraph's text. When the article
changed between the answer and the request (a moderator replaced or edited it), the passage is looked for by its
text in the article as it is now: found elsewhere, the context is around its new place, and says it moved; gone (or
the article removed), the request is refused with a sentence saying so. Numbers are always the article's current
ones, so a citation can be checked against the article.
"""

from __future__ import annotations

from dataclasses import dataclass

from corpus import Corpus
from corpus.models import Article, Paragraph

CONTEXT_PARAGRAPHS = 2  # on each side of the passage


class PassageGone(Exception):
    """The passage is no longer in the story (its article was removed or changed); the message says which."""


@dataclass(frozen=True)
class PassageContext:
    """The passage's paragraph (`number`) and its neighbours, in order, from one article."""

    article: Article
    number: int
    paragraphs: tuple[Paragraph, ...]
    moved_from: int | None = None  # the number the answer showed, when the article changed and it moved

    @property
    def first(self) -> int:
        """The number of the first paragraph shown."""
        return self.paragraphs[0].number

    @property
    def last(self) -> int:
        """The number of the last paragraph shown."""
        return self.paragraphs[-1].number

    @property
    def starts_article(self) -> bool:
        """The passage is the article's first paragraph: nothing comes before it."""
        return self.number == 1

    @property
    def ends_article(self) -> bool:
        """The passage is the article's last paragraph: nothing comes after it."""
        return self.number == len(self.article.paragraphs)

    @property
    def edges_note(self) -> str:
        """Says when the passage opens or closes the article ("" otherwise), and when it moved."""
        notes = []
        if self.moved_from is not None:
            notes.append(
                f"The article changed since the answer: that passage is now paragraph {self.number} "
                f"(it was {self.moved_from})."
            )
        if self.starts_article and self.ends_article:
            notes.append("It is the article's only paragraph.")
        elif self.starts_article:
            notes.append("It is the article's first paragraph: nothing comes before it.")
        elif self.ends_article:
            notes.append("It is the article's last paragraph: nothing comes after it.")
        return " ".join(notes)


def paragraphs_around(
    corpus: Corpus, article_id: str, number: int, text: str, span: int = CONTEXT_PARAGRAPHS
) -> PassageContext:
    """Paragraph `number` of article `article_id` (whose text was `text` when it was shown) and up to `span`
    paragraphs on each side. Raises PassageGone when the article or that paragraph is no longer in the story."""
    article = corpus.get(article_id)
    if article is None:
        raise PassageGone("That article is no longer in the story (it was removed since this answer).")
    current = _place_of(article, number, text)
    if current is None:
        raise PassageGone(
            "That passage is no longer in the article (the article was changed since this answer); "
            "ask again to see it as it is now."
        )
    low, high = max(1, current - span), min(len(article.paragraphs), current + span)
    paragraphs = article.paragraphs[low - 1 : high]
    return PassageContext(article, current, paragraphs, None if current == number else number)


def _place_of(article: Article, number: int, text: str) -> int | None:
    """The paragraph's current number: where it was if its text is still there, else the nearest place holding
    that text, else None."""
    if 1 <= number <= len(article.paragraphs) and article.paragraph(number).text == text:
        return number
    places = [paragraph.number for paragraph in article.paragraphs if paragraph.text == text]
    return min(places, key=lambda place: abs(place - number)) if places else None
