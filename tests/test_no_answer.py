"""The no-answer threshold: a question the best passage covers too little of gets an honest "nothing relevant"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from answers.coverage import AnswerRule, framing_terms, query_coverage
from answers.engine import EngineSettings, NoMatch, SearchEngine
from bot.core.presenting import no_match_sentence
from bot.core.settings import BUNDLED_CORPUS, SearchSettings
from bot.terminal.cli import main
from corpus import load_corpus
from corpus.models import Article
from index.bm25 import BM25Params, CompiledIndex
from index.store import load_or_build
from index.tokenizer import TokenizerSettings

WEAK = "what is Harris's favourite movie"  # the story has only `Harris` of it (`what is` is a question frame)
GOOD = "who said border czar"
PARTLY = "why did Harris team panic"  # answered by the story, but its first passage lacks `team`


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return list(load_corpus(BUNDLED_CORPUS, max_bytes=1_000_000).articles)


def engine(articles: list[Article], min_coverage: float, enough_terms: int = 0) -> SearchEngine:
    """The story's engine with Okapi k1 0.9 b 0.4 (the shipped defaults, stated so a change of default shows)."""
    rule = AnswerRule(min_coverage, enough_terms)
    return SearchEngine.build(articles, EngineSettings(bm25=BM25Params(k1=0.9, b=0.4), answer_rule=rule))


def ask_json(question: str, state: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    assert main(["ask", question, "--json", "--state", str(state), *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_weak_story_question_is_refused_with_the_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert SearchSettings().min_coverage > 0, "the shipped defaults refuse weak questions"
    document = ask_json(WEAK, tmp_path / "state", capsys)
    assert document["hits"] == []
    assert (
        document["message"] == "Nothing relevant found: the closest passage shares only a small part of the question."
    )


def test_a_good_story_question_still_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = ask_json(GOOD, tmp_path / "state", capsys)
    assert document["hits"], "the border-czar passages answer it"
    assert "border czar" in document["hits"][0]["text"].lower()


def test_the_threshold_setting_is_honoured(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    off = tmp_path / "off.toml"
    off.write_text("[search]\nmin_coverage = 0\n", encoding="utf-8")
    document = ask_json(WEAK, tmp_path / "state", capsys, "--config", str(off))
    assert document["hits"], "with the threshold off the weak question gets its (poor) best passage"

    strict = tmp_path / "strict.toml"
    strict.write_text("[search]\nmin_coverage = 0.9\n", encoding="utf-8")
    assert ask_json(PARTLY, tmp_path / "state", capsys, "--config", str(strict))["hits"] == []
    assert ask_json(GOOD, tmp_path / "state", capsys, "--config", str(strict))["hits"]


def test_engine_refusal_carries_the_reason_and_spares_a_found_phrase(articles: list[Article]) -> None:
    strict = engine(articles, 0.9)
    result = strict.search(PARTLY, 3)
    assert result.hits == () and result.no_match is NoMatch.WEAK_MATCH
    assert no_match_sentence(result) == NoMatch.WEAK_MATCH.value
    assert engine(articles, 0.5).search(PARTLY, 3).hits, "0.62 of it is covered, above 0.5"
    # A quoted phrase found word for word is an answer, however little of the rest of the question it covers.
    quoted = strict.search('"border czar" chocolate cake recipe', 3)
    assert quoted.hits and quoted.hits[0].phrase_match
    assert strict.search("border czar chocolate cake recipe", 3).no_match is NoMatch.WEAK_MATCH


def test_every_page_of_an_answered_question_is_served(articles: list[Article]) -> None:
    searcher = engine(articles, 0.5)
    czar_passages = [hit for hit in searcher.search("border czar", 10).hits if "czar" in hit.paragraph.text.lower()]
    later = searcher.search("border czar", 3, offset=len(czar_passages))
    assert later.hits, "the threshold judges the question by its first passage, not each page by its own"
    first_on_page = later.hits[0].paragraph.text.lower()
    assert "border" in first_on_page and "czar" not in first_on_page
    # On its own that border-only passage covers too little of the question (`border` is in most paragraphs).
    framing = framing_terms(searcher.settings.tokenizer)
    doc = next(
        doc
        for doc, _ in searcher.index.top_k(["border", "czar"], 10)
        if searcher.locate(doc)[1].text.lower() == first_on_page
    )
    assert query_coverage(searcher.index, searcher.tokenizer.terms("border czar"), doc, framing) < 0.5


def test_changing_the_threshold_does_not_rebuild_the_index(tmp_path: Path, articles: list[Article]) -> None:
    lenient = EngineSettings(bm25=BM25Params(k1=0.9, b=0.4), answer_rule=AnswerRule(0.0))
    strict = EngineSettings(bm25=BM25Params(k1=0.9, b=0.4), answer_rule=AnswerRule(0.9))
    assert lenient.index == strict.index
    assert load_or_build(articles, lenient.index, tmp_path).built
    loaded = load_or_build(articles, strict.index, tmp_path)
    assert not loaded.built, "the saved index is reused"
    assert SearchEngine(loaded.paragraphs, strict).search(PARTLY, 3).no_match is NoMatch.WEAK_MATCH, (
        "and the new threshold applies"
    )


def test_coverage_weighs_unknown_words_and_ignores_framing_words() -> None:
    docs = [["border", "czar"], ["border", "wall"], ["who", "said", "wall"], ["fence"], ["fence"]]
    index = CompiledIndex.build(docs, BM25Params(variant="plus"))  # plus: every idf is positive
    framing = framing_terms(TokenizerSettings(stemming=False))
    assert {"who", "said"} <= framing
    idf = {term: index.idf_of(term) for term in ("border", "czar", "wall")}
    rarest = max(index.idf_of(term) for term in ("border", "czar", "wall", "who", "said", "fence"))
    assert query_coverage(index, ["who", "said", "border", "czar"], 0, framing) == pytest.approx(1.0)
    # An unknown word weighs as much as the rarest known one and is never covered.
    expected = (idf["border"] + idf["czar"]) / (idf["border"] + idf["czar"] + rarest)
    assert query_coverage(index, ["border", "czar", "zeppelin"], 0, framing) == pytest.approx(expected)
    assert query_coverage(index, ["border", "czar"], 1, framing) == pytest.approx(
        idf["border"] / sum(idf[t] for t in ("border", "czar"))
    )
    assert query_coverage(index, ["who", "said"], 3, framing) == 1.0, "framing words alone: no basis to refuse"
