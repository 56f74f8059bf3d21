"""The terminal's `context N` and `findsource <message>`, through the console as `python -m bot console` runs it."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from bot.core.service import StoryService
from bot.core.settings import BUNDLED_CORPUS, load_settings
from bot.terminal.console import run_console


def console(tmp_path: Path, lines: list[str]) -> str:
    """What the console printed for these lines, on a copy of the bundled story."""
    corpus = tmp_path / "corpus"
    if not corpus.exists():
        shutil.copytree(BUNDLED_CORPUS, corpus)
    service = StoryService.open(load_settings(None, corpus_dir=corpus, state_dir=tmp_path / "state"))
    out = io.StringIO()
    run_console(service, lines, out)
    return out.getvalue()


def test_context_shows_the_paragraphs_around_a_passage_of_the_last_answer(tmp_path: Path) -> None:
    out = console(tmp_path, ["!who said say it to my face", "!context 1"])
    assert "(`context N` shows the paragraphs around passage N)" in out
    assert "· 31 Jul 2024 · paragraphs 2–6 of 16\nAround passage 1: paragraph 4." in out
    assert "\n  [3] “Donald Trump does not care" in out
    assert "\n→ [4] “In this campaign" in out


def test_context_counts_passages_across_pages_and_refuses_what_was_not_shown(tmp_path: Path) -> None:
    out = console(tmp_path, ["!context 1", "!ask Harris", "!more", "!context 5", "!context 12", "!context two"])
    assert "Ask something first" in out
    assert "Around passage 5:" in out, "passage 5 was on the second page"
    assert "The last answer has no passage 12: it showed passages 1–6." in out
    assert "`two` is not a passage number" in out


def test_context_at_the_first_paragraph_says_nothing_comes_before(tmp_path: Path) -> None:
    out = console(
        tmp_path, ["!ask Vice President Kamala Harris went on the offensive at her rally in Atlanta", "!context 1"]
    )
    assert "Around passage 1: paragraph 1." in out
    assert "It is the article's first paragraph: nothing comes before it." in out
    assert "[4]" not in out.split("Around passage 1")[1], "two paragraphs after it, not more"


def test_findsource_in_the_terminal_then_context(tmp_path: Path) -> None:
    pasted = '"Donald Trump does not care about border security" — Donald Trump'
    out = console(tmp_path, [f"!findsource {pasted}", "!context 1", "!source? https://example.com 😂", "!findsource"])
    assert "Found in the story — “Donald Trump does not care about border security”" in out
    assert "The message says Donald Trump said it; in the story, Kamala Harris says it." in out
    assert "1. **Kamala Harris**: “" in out and "paragraph 3" in out
    assert "→ [3] “Donald Trump does not care" in out
    assert out.count("That message has no words to look for") == 2


def test_findsource_says_honestly_when_the_story_does_not_have_it(tmp_path: Path) -> None:
    out = console(tmp_path, ["!findsource The Eiffel Tower is in Paris", "!context 1"])
    assert "I can't find this in the story.\nLooked for: “The Eiffel Tower is in Paris”" in out
    assert "No passage of the story comes near it." in out
    assert "Ask something first" in out, "nothing shown, so no passage to give the context of"
