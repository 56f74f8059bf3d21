"""`when …` questions put the passages that say when first; other questions keep BM25's order."""

from __future__ import annotations

import pytest

from answers.engine import EngineSettings, SearchEngine
from answers.questions import asks_when, mentions_a_time
from corpus.models import Article, Paragraph


@pytest.mark.parametrize(
    "text",
    ["It began in March 2021.", "on 31 July the rally", "Sept. 4 was the day", "back in 1998", "last week, aides said"],
)
def test_dates_are_recognised(text: str) -> None:
    assert mentions_a_time(text)


@pytest.mark.parametrize("text", ["She may come back", "the 5-year-old boy", "a march through the city", "2 of 41"])
def test_words_that_only_look_like_dates_are_not(text: str) -> None:
    assert not mentions_a_time(text)


def test_only_questions_opening_with_when_ask_when() -> None:
    assert asks_when("When did the rally start?")
    assert not asks_when("who said when it started")


def engine() -> SearchEngine:
    texts = [
        "The rally started with a speech about the border.",
        "The rally on the border started in March 2021, organisers said.",
        "Weather was fine.",
    ]
    paragraphs = [Paragraph(number=n, text=t) for n, t in enumerate(texts, 1)]
    article = Article(id="a", title="A", paragraphs=paragraphs, file="a.txt")
    return SearchEngine.build([article], EngineSettings())


def test_a_when_question_puts_the_dated_passage_first_and_others_keep_score_order() -> None:
    search = engine()
    plain = [hit.paragraph.number for hit in search.search("rally started border", 2).hits]
    when = [hit.paragraph.number for hit in search.search("when the rally started border", 2).hits]
    assert plain == [1, 2], "BM25 prefers the shorter paragraph"
    assert when == [2, 1]
