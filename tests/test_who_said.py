"""`who said …`: the passage quoting the words comes first, with who said it; an honest fall-back when nobody did.

The expected speakers come from reading the two articles of the bundled story.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from answers.engine import SearchResult
from bot.core.presenting import NO_QUOTE_SENTENCE, passage_text
from bot.core.questions import Question
from bot.core.service import StoryService
from bot.core.settings import BUNDLED_CORPUS, Settings
from bot.terminal.cli import main
from bot.terminal.console import ConsoleSession

OFFENSIVE = "harris-goes-on-offensive-on-immigration"
PANICKED = "harris-team-panicked-over-border-assignment"

# Words a member remembers from each quotation of the story → where it is and who said it.
QUOTATIONS = [
    ("Donald Trump does not care about border security", OFFENSIVE, 3, "Kamala Harris"),
    ("proudly put my record against his", OFFENSIVE, 4, "Kamala Harris"),
    ("say it to my face", OFFENSIVE, 4, "Kamala Harris"),
    ("he thought it would help him win an election", OFFENSIVE, 2, "Kamala Harris"),
    ("tanking", OFFENSIVE, 2, "Kamala Harris"),
    ("supports increasing the number of Border Patrol agents", OFFENSIVE, 6, "the voiceover in the campaign video"),
    ("prosecuted transnational gang members", OFFENSIVE, 7, "the voiceover in the campaign video"),
    ("fix our broken immigration system", OFFENSIVE, 7, "the voiceover in the campaign video"),
    ("America's border czar and she's failed us", OFFENSIVE, 12, "a Trump campaign ad"),
    ("failed weak dangerously liberal", OFFENSIVE, 13, "the Trump campaign ads"),
    ("not happening in a vacuum", PANICKED, 14, "Symone Sanders"),
    ("a whole of government approach", PANICKED, 15, "Symone Sanders"),
    ("the US Mexico relationship is broad", PANICKED, 16, "Symone Sanders"),
    ("migration, economic, security and border are just a few", PANICKED, 17, "Symone Sanders"),
    ("the most qualified person to do it", PANICKED, 19, "Joe Biden"),
    ("some sense of hope", PANICKED, 21, "Kamala Harris"),
    ("not going to be solved overnight", PANICKED, 22, "Kamala Harris"),
    ("an eye on the border", PANICKED, 24, "Cris Ramon"),
    ("current dynamics in migration", PANICKED, 25, "Cris Ramon"),
    ("panic", PANICKED, 2, "an official"),  # Official says Harris aides appeared to ‘panic’
]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> StoryService:
    return StoryService.open(Settings(state_dir=tmp_path_factory.mktemp("state")))


def who(service: StoryService, words: str, limit: int = 3, offset: int = 0) -> SearchResult:
    """The `who` command's search, as the console and Discord run it."""
    return service.ask(Question.typed(words, who=True), limit, offset)


@pytest.mark.parametrize(("words", "article", "paragraph", "speaker"), QUOTATIONS, ids=[q[0] for q in QUOTATIONS])
def test_who_said_names_the_speaker_of_the_quotation(
    service: StoryService, words: str, article: str, paragraph: int, speaker: str
) -> None:
    result = who(service, f"who said {words}")
    first = result.hits[0]
    assert result.quote_found is True
    assert (first.article.id, first.paragraph.number) == (article, paragraph)
    assert first.quote is not None and first.quote.speaker == speaker


def test_the_console_shows_the_speaker_then_the_quotation_then_the_citation(service: StoryService) -> None:
    answer = ConsoleSession(service).execute("!who said say it to my face").splitlines()
    assert answer[0].startswith("1. **Kamala Harris**: “Because as the **saying** goes")
    assert answer[0].endswith("**say** it to **my face**.”")
    assert answer[1] == "   — " + ", ".join(
        ["Harris goes on offensive on immigration, comparing her record with Trump’s", "31 Jul 2024", "paragraph 4"]
    )


def test_a_speaker_described_in_lower_case_begins_its_line_with_a_capital(service: StoryService) -> None:
    answer = ConsoleSession(service).execute("!who said america's border czar failed us").splitlines()
    assert answer[0].startswith("1. **A Trump campaign ad**: “This is **America’s border czar**")
    assert who(service, "who said america's border czar failed us").hits[0].quote.speaker == "a Trump campaign ad"


@pytest.mark.parametrize("max_chars", [120, 350])
def test_the_speaker_and_quotation_fit_the_room_given_with_balanced_bold(service: StoryService, max_chars: int) -> None:
    for words, *_ in QUOTATIONS:
        for hit in who(service, f"who said {words}").hits:
            plain = passage_text(hit, max_chars, strong=str)  # the room is counted before marking
            assert len(plain) <= max_chars, plain
            assert passage_text(hit, max_chars, mark=lambda text: f"**{text}**").count("**") % 2 == 0


def test_an_unattributed_quotation_says_the_article_does_not_name_the_speaker(service: StoryService) -> None:
    answer = ConsoleSession(service).execute("!who said because she wants political victories")
    assert answer.startswith("1. “**because she wants political victories**” (the article does not say who said it)")


def test_when_no_quotation_holds_the_words_the_answer_says_so_and_gives_the_best_passages(
    service: StoryService,
) -> None:
    # Biden administration officials "maintained" this in the article's own words: there is no quotation.
    result = who(service, "who said Harris focused on long-term fixes")
    assert result.quote_found is False
    assert (result.hits[0].article.id, result.hits[0].paragraph.number) == (OFFENSIVE, 15)
    assert all(hit.quote is None for hit in result.hits)
    answer = ConsoleSession(service).execute("!who said Harris focused on long-term fixes")
    lines = answer.replace("\xa0", " ").splitlines()  # snippets glue short words with no-break spaces
    assert lines[0] == NO_QUOTE_SENTENCE
    assert lines[1].startswith("1. Biden administration officials have repeatedly maintained that **Harris focused**")


def test_a_quotation_holding_one_common_word_of_the_question_does_not_jump_the_queue(service: StoryService) -> None:
    # "Kamala Harris supports …" is quoted, but the question is about long-term fixes, not about that quotation.
    result = who(service, "who said Harris focused on long-term fixes", limit=10)
    assert next(hit.paragraph.number for hit in result.hits if hit.article.id == OFFENSIVE) == 15


def test_ask_is_unchanged_by_quotations(service: StoryService) -> None:
    result = service.ask(Question("say it to my face"), 3)
    assert result.quote_found is None
    assert all(hit.quote is None for hit in result.hits)


def test_more_pages_continue_the_same_order(service: StoryService) -> None:
    whole = [(h.article.id, h.paragraph.number) for h in who(service, "border czar", limit=6).hits]
    pages = who(service, "border czar", limit=3).hits + who(service, "border czar", limit=3, offset=3).hits
    assert [(h.article.id, h.paragraph.number) for h in pages] == whole
    quoted = [hit.quote is not None for hit in who(service, "border", limit=10).hits]
    assert quoted == sorted(quoted, reverse=True), "every quoted passage before the first unquoted one"


def test_ask_who_json_carries_the_speaker_and_the_quotation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = str(tmp_path / "state")
    assert main(["ask", "--who", "--json", "who said help is on the way", "--state", state]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["query"] == "help is on the way"
    assert document["quote_found"] is True
    first = document["hits"][0]
    assert (first["article_id"], first["paragraph"]) == (PANICKED, 21)
    assert first["speaker"] == "Kamala Harris"
    assert first["quote"] == "We have to give people some sense of hope that if they stay, that help is on the way,"

    assert main(["ask", "--who", "--json", "who said Harris focused on long-term fixes", "--state", state]) == 0
    fallback = json.loads(capsys.readouterr().out)
    assert fallback["quote_found"] is False
    assert fallback["message"] == NO_QUOTE_SENTENCE
    assert fallback["hits"] and not any("speaker" in hit for hit in fallback["hits"])

    assert main(["ask", "--json", "help is on the way", "--state", state]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert "quote_found" not in plain and not any("speaker" in hit for hit in plain["hits"])


def test_a_surname_speaker_gets_the_full_name_from_another_article(tmp_path: Path) -> None:
    # The second article calls him only "President Biden"; the first names "President Joe Biden".
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(BUNDLED_CORPUS / f"{PANICKED}.txt", alone)
    service = StoryService.open(Settings(corpus_dir=alone, state_dir=tmp_path / "state"))
    assert who(service, "most qualified person").hits[0].quote.speaker == "Biden"


def test_searches_in_several_threads_see_the_same_quotations(tmp_path: Path) -> None:
    service = StoryService.open(Settings(state_dir=tmp_path / "state"))
    with ThreadPoolExecutor(4) as pool:
        found = list(pool.map(lambda _: service.engine.quotes.quotes(1), range(8)))
    assert all(quotes is found[0] for quotes in found)
    assert [q.speaker for q in found[0] if q.paragraph == 24] == ["Cris Ramon"]
