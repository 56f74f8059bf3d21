"""The paragraphs around a shown passage (bot/core/passage_context.py): both sides from the same article, exact
numbers, the article's first and last paragraph, and an article changed or removed since the answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.passage_context import CONTEXT_PARAGRAPHS, PassageContext, PassageGone, paragraphs_around
from corpus import Corpus
from corpus.models import Article, Paragraph


def article(texts: list[str], article_id: str = "a") -> Article:
    paragraphs = tuple(Paragraph(number=n, text=text) for n, text in enumerate(texts, start=1))
    return Article(id=article_id, title="A title", file=Path(f"{article_id}.txt"), paragraphs=paragraphs)


TEXTS = [f"Paragraph number {n} of the article." for n in range(1, 9)]
STORY = Corpus((article(TEXTS), article(["Another article."], "b")))


def numbers(context: PassageContext) -> list[int]:
    return [paragraph.number for paragraph in context.paragraphs]


def test_the_paragraphs_before_and_after_with_their_numbers() -> None:
    context = paragraphs_around(STORY, "a", 5, TEXTS[4])
    assert numbers(context) == [3, 4, 5, 6, 7] and CONTEXT_PARAGRAPHS == 2
    assert [p.text for p in context.paragraphs] == TEXTS[2:7]
    assert (context.first, context.number, context.last) == (3, 5, 7)
    assert context.edges_note == ""


def test_the_first_and_the_last_paragraph_say_nothing_comes_before_or_after() -> None:
    first = paragraphs_around(STORY, "a", 1, TEXTS[0])
    assert numbers(first) == [1, 2, 3] and "first paragraph" in first.edges_note
    last = paragraphs_around(STORY, "a", 8, TEXTS[7])
    assert numbers(last) == [6, 7, 8] and "last paragraph" in last.edges_note
    only = paragraphs_around(STORY, "b", 1, "Another article.")
    assert numbers(only) == [1] and "only paragraph" in only.edges_note


def test_an_article_changed_since_the_answer_shows_the_passage_where_it_is_now() -> None:
    edited = Corpus((article(["A new opening paragraph.", *TEXTS]),))
    context = paragraphs_around(edited, "a", 5, TEXTS[4])
    assert context.number == 6 and context.moved_from == 5
    assert "now paragraph 6 (it was 5)" in context.edges_note
    assert context.paragraphs[2].text == TEXTS[4]


def test_a_passage_changed_or_an_article_removed_is_refused_with_a_reason() -> None:
    changed = Corpus((article([*TEXTS[:4], "Rewritten.", *TEXTS[5:]]),))
    with pytest.raises(PassageGone, match="no longer in the article"):
        paragraphs_around(changed, "a", 5, TEXTS[4])
    with pytest.raises(PassageGone, match="removed"):
        paragraphs_around(Corpus(()), "a", 5, TEXTS[4])
