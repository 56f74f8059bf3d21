"""The answer policy on the bundled story: questions read as questions, `ask who said …` answered like `who said`,
passages far weaker than the first not shown (on any page), and long questions with a strong passage not refused."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from answers.coverage import AnswerRule, CutRule
from answers.engine import EngineSettings, NoMatch, SearchEngine
from answers.questions import read_question
from bot.core.settings import BUNDLED_CORPUS, SearchSettings
from bot.terminal.cli import main
from corpus import load_corpus
from corpus.models import Article


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return list(load_corpus(BUNDLED_CORPUS, max_bytes=1_000_000).articles)


@pytest.fixture(scope="module")
def shipped(articles: list[Article]) -> SearchEngine:
    return SearchEngine.build(articles, SearchSettings().engine_settings())


def ask_json(question: str, state: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    assert main(["ask", question, "--json", "--state", str(state), *extra]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("question", "searched"),
    [
        ("what did Trump say about Harris's record", "Trump Harris's record"),
        ("what did Harris call on Trump to do", "Harris call on Trump to"),
        ("where did Harris hold her rally?", "Harris hold rally?"),
        ("how many agents does the bill add", "agents the bill add"),
        ('what does "say it to my face" mean', '"say it to my face" mean'),  # a quoted phrase keeps every word
        ("border czar said", "border czar said"),  # no question frame: a keyword search keeps every word
    ],
)
def test_questions_lose_their_framing_words(question: str, searched: str) -> None:
    reading = read_question(question)
    assert reading.text == searched and not reading.who_said


def test_who_said_questions_are_recognised() -> None:
    assert read_question("Who said: say it to my face").text == "say it to my face"
    assert read_question("who says border czar").who_said
    assert not read_question("who is Symone Sanders").who_said


@pytest.mark.parametrize("question", ["what did she say", "who said", "what?", "Who is he?", "what did they tell you"])
def test_a_question_of_framing_words_only_asks_for_a_word_that_matters(shipped: SearchEngine, question: str) -> None:
    assert read_question(question).only_framing
    result = shipped.search(question, 3)
    assert not result.hits and result.no_match is NoMatch.ONLY_STOP_WORDS
    assert shipped.search("said", 3).hits, "a keyword search for a framing word is still answered"


def test_ask_who_said_answers_with_the_speaker_and_quote(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = ask_json("who said say it to my face", tmp_path / "state", capsys)
    first = document["hits"][0]
    assert first["speaker"] == "Kamala Harris" and "say it to my face" in first["quote"]
    assert document["quote_found"] is True
    who = ask_json("who said say it to my face", tmp_path / "state", capsys, "--who")  # as `!who said …` asks
    assert document == who | {"query": document["query"]}


def test_passages_far_weaker_than_the_first_are_not_shown(articles: list[Article], shipped: SearchEngine) -> None:
    # Before: passages 2 and 3 matched only `saying`, `said` or `facing`.
    result = shipped.search("who said say it to my face", 3)
    assert [hit.paragraph.number for hit in result.hits] == [4] and not result.has_more
    uncut = SearchEngine.build(articles, replace(shipped.settings, cut=CutRule()))
    assert len(uncut.search("who said say it to my face", 3).hits) == 3


def test_every_page_shows_only_strong_passages_once(shipped: SearchEngine) -> None:
    question = "Harris border record"
    everything = shipped.rank(question, 40)
    best = max(score for _, score in everything.ranked)
    assert 3 < len(everything.shown) < len(everything.ranked), "some passages are cut, several pages remain"
    pages, offset = [], 0
    while True:
        page = shipped.search(question, 3, offset)
        pages += [(hit.article.id, hit.paragraph.number) for hit in page.hits]
        assert all(hit.score >= 0.5 * best for hit in page.hits[1:] if not hit.phrase_match)
        offset += len(page.hits)
        if not page.has_more:
            break
        assert offset < 100
    assert pages == [(shipped.locate(doc)[0].id, shipped.locate(doc)[1].number) for doc, _ in everything.shown]
    assert shipped.search(question, 3, offset).no_match is NoMatch.NO_PASSAGE, "past the last page: nothing"


LONG = (
    "according to the reports I read yesterday in several newspapers and on television, which politician was "
    "criticised for the bipartisan border bill that would have added Border Patrol agents"
)


def test_a_long_question_with_a_strong_passage_is_answered(articles: list[Article], shipped: SearchEngine) -> None:
    answer = shipped.search(LONG, 3)
    assert answer.hits and "Border Patrol agents" in answer.hits[0].paragraph.text
    coverage_only = replace(shipped.settings, answer_rule=AnswerRule(shipped.settings.answer_rule.min_coverage))
    refused = SearchEngine.build(articles, coverage_only).search(LONG, 3)
    assert refused.no_match is NoMatch.WEAK_MATCH, "by coverage alone the many unmatched words would refuse it"


@pytest.mark.parametrize(
    "question",
    ["what is the weather like in Paris today", "who won the football game last night", "how do I reset my password"],
)
def test_nonsense_is_still_refused(shipped: SearchEngine, question: str) -> None:
    assert not shipped.search(question, 3).hits


def test_plain_bm25_keeps_every_word_and_every_passage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "plain.toml"
    plain.write_text("[search]\nplain_bm25 = true\nmin_coverage = 0\n", encoding="utf-8")
    document = ask_json("who said say it to my face", tmp_path / "state", capsys, "--config", str(plain))
    assert len(document["hits"]) == 3 and "quote_found" not in document
    assert EngineSettings().read_questions and not SearchSettings(plain_bm25=True).engine_settings().read_questions
