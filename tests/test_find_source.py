"""Find the source below Discord: the verdict and passages for pasted messages (answers/sources.py through the
service), the containment measure (answers/source_match.py), on the bundled story."""

from __future__ import annotations

from pathlib import Path

import pytest

from answers.source_match import TermWeights, containment
from answers.sources import SourceFinding, Verdict
from bot.core.claims import claim_of
from bot.core.service import StoryService
from bot.core.settings import Settings

OFFENSIVE = "harris-goes-on-offensive-on-immigration"
PANICKED = "harris-team-panicked-over-border-assignment"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> StoryService:
    return StoryService.open(Settings(state_dir=tmp_path_factory.mktemp("state")))


def places(finding: SourceFinding) -> list[tuple[str, int]]:
    return [(judged.hit.article.id, judged.hit.paragraph.number) for judged in finding.shown]


def test_a_quote_with_its_attribution_is_found_with_the_speaker(service: StoryService) -> None:
    finding = service.find_source(claim_of('"Donald Trump does not care about border security" — Kamala Harris'), 3)
    assert finding.verdict is Verdict.FOUND
    first = finding.shown[0].hit
    assert (first.article.id, first.paragraph.number) == (OFFENSIVE, 3)
    assert first.quote is not None and first.quote.speaker == "Kamala Harris"


@pytest.mark.parametrize(
    "message",
    [
        "Harris is due to travel to Guatemala and Mexico next week as part of her role in leading diplomatic efforts",
        "harris is due to travel to guatemala and mexico next week as part of her role in leading diplomatic efforts",
        "<@123456789012345678> lol Harris is due to travel to Guatemala and Mexico next week as part of her role 😂 "
        "https://t.co/xyz",
        "Harris is due to travle to Guatemala and Mexico next week as part of her role",
    ],
)
def test_a_sentence_of_the_story_pasted_with_small_edits_is_found_in_its_paragraph(
    service: StoryService, message: str
) -> None:
    finding = service.find_source(claim_of(message), 3)
    assert finding.verdict is Verdict.FOUND
    assert places(finding)[0] == (PANICKED, 6)


@pytest.mark.parametrize(
    "message",
    [
        "The Eiffel Tower was completed in 1889 for the World's Fair in Paris.",
        "The 1973 oil crisis began in October 1973 when the members of OAPEC proclaimed an oil embargo.",
        "honestly the best pizza in town is at the place on 5th street",
        '"in fact" the court held otherwise',
    ],
)
def test_unrelated_text_is_not_found_and_shows_nothing(service: StoryService, message: str) -> None:
    finding = service.find_source(claim_of(message), 3)
    assert finding.verdict is Verdict.NOT_FOUND
    assert finding.shown == ()


def test_a_misquote_is_not_found_but_its_nearest_passage_is_shown(service: StoryService) -> None:
    finding = service.find_source(claim_of("Kamala Harris wants to let every migrant cross the southern border"), 3)
    assert finding.verdict is Verdict.CLOSE
    assert len(finding.shown) == 1
    assert 0 < finding.shown[0].share < 0.82


def test_a_misquote_that_the_question_rule_would_refuse_still_gets_its_nearest_passage(
    service: StoryService,
) -> None:
    message = "Harris said she will open the border to all migrants and abolish the police"
    assert service.engine.search(message, 3, quotes_first=True).hits == (), "a question would be refused"
    assert service.find_source(claim_of(message), 3).verdict is Verdict.CLOSE


def test_two_quotes_from_two_paragraphs_show_both(service: StoryService) -> None:
    message = "She said “say it to my face” and “I will proudly put my record against his any day”"
    finding = service.find_source(claim_of(message), 3)
    assert finding.verdict is Verdict.FOUND
    assert {(OFFENSIVE, 4)} <= set(places(finding))
    assert finding.missing == ()


def test_a_quote_not_in_the_story_beside_one_that_is_is_named(service: StoryService) -> None:
    message = "“say it to my face” and also “the eiffel tower is made of cheese”"
    finding = service.find_source(claim_of(message), 3)
    assert finding.verdict is Verdict.FOUND
    assert places(finding)[0] == (OFFENSIVE, 4)
    assert finding.missing == ("the eiffel tower is made of cheese",)


def test_an_empty_story_says_so(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    service = StoryService.open(Settings(corpus_dir=corpus, state_dir=tmp_path / "state"))
    assert service.find_source(claim_of("say it to my face"), 3).verdict is Verdict.NO_ARTICLES


def test_the_limit_caps_the_passages_shown(service: StoryService) -> None:
    finding = service.find_source(claim_of("“border czar”"), 2)
    assert finding.verdict is Verdict.FOUND and len(finding.shown) == 2


def test_containment_counts_the_claim_s_words_in_order(service: StoryService) -> None:
    weights = TermWeights(service.engine.index)
    terms = service.engine.tokenizer.terms
    passage = terms("Harris is due to travel to Guatemala and Mexico next week")
    assert containment(terms("travel to Guatemala and Mexico"), passage, weights) == 1.0
    assert containment(terms("Mexico and Guatemala travel"), passage, weights) < 0.7, "out of order counts less"
    partial = containment(terms("travel to Guatemala and Canada"), passage, weights)
    assert 0.5 < partial < 1.0, "a word the passage lacks lowers the share"
    assert containment([], passage, weights) == 0.0
    assert containment(terms("zebrafish quantum"), passage, weights) == 0.0
