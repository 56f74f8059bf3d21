"""Small and imperfect corpora through the command line: a one- or two-paragraph story answers, a bad line costs
only itself, an empty story says so, and the console's `reload` asks before dropping several articles and survives
a full state disk."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.service import StoryService
from bot.core.settings import BUNDLED_CORPUS, load_settings
from bot.terminal.cli import main
from bot.terminal.console import run_console
from tests.corpus_faults import full_state_disk

FIRST_ARTICLE = "# The bridge\n\nThe mayor said the new bridge will open in May.\n"


def ask(corpus: Path, state: Path, question: str, capsys: pytest.CaptureFixture[str]) -> dict:
    """`python -m bot ask --json` on that corpus; returns its document."""
    assert main(["ask", question, "--json", "--corpus", str(corpus), "--state", str(state)]) == 0
    return json.loads(capsys.readouterr().out)


def folder(tmp_path: Path, files: dict[str, str]) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus


def test_a_one_paragraph_story_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = folder(tmp_path, {"bridge.md": FIRST_ARTICLE})
    document = ask(corpus, tmp_path / "state", "when will the bridge open", capsys)
    assert [hit["article_id"] for hit in document["hits"]] == ["bridge"]
    assert ask(corpus, tmp_path / "state", "mayor zebra", capsys)["hits"], "one known word of two still answers"
    assert "None of those words" in ask(corpus, tmp_path / "state", "zebra quantum", capsys)["message"]


def test_a_two_paragraph_story_finds_a_word_in_both_and_a_word_in_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "# Council\n\nThe mayor opened the bridge.\n\nThe mayor lost the council vote.\n"
    corpus = folder(tmp_path, {"council.md": text})
    state = tmp_path / "state"
    assert [hit["paragraph"] for hit in ask(corpus, state, "mayor", capsys)["hits"]] == [1, 2]
    assert ask(corpus, state, "mayor council vote", capsys)["hits"][0]["paragraph"] == 2


def test_a_word_in_every_paragraph_of_three_is_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "# Ferries\n\nFerries ran late.\n\nFerries ran early.\n\nFerries stopped.\n"
    corpus = folder(tmp_path, {"ferries.md": text})
    assert len(ask(corpus, tmp_path / "state", "ferries", capsys)["hits"]) == 3


def test_a_bad_line_is_reported_at_start_up_and_the_rest_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    lines = [json.dumps({"title": f"Ferry {n}", "text": f"Ferry {n} sails to island {n}."}) for n in range(1, 6)]
    lines[2] = '{"title": "Ferry 3", "text": '
    corpus = folder(tmp_path, {"ferries.jsonl": "\n".join(lines) + "\n"})
    assert main(["ask", "island 4", "--corpus", str(corpus), "--state", str(tmp_path / "state")]) == 0
    assert "Ferry 4" in capsys.readouterr().out
    assert any(r.getMessage().startswith("skipped ferries.jsonl:3: malformed JSON") for r in caplog.records)


@pytest.mark.parametrize("files", [{}, {"broken.json": "{", "empty.txt": ""}])
def test_an_empty_story_says_so_at_start_up_and_in_answers(
    tmp_path: Path, files: dict[str, str], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    corpus = folder(tmp_path, files)
    document = ask(corpus, tmp_path / "state", "border czar", capsys)
    assert document["hits"] == []
    assert document["message"].startswith("The story has no articles yet; a moderator can add some")
    assert main(["ask", "the", "--corpus", str(corpus), "--state", str(tmp_path / "state")]) == 0
    assert "The story has no articles yet" in capsys.readouterr().out
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(f"the corpus folder {corpus} holds no articles" in message for message in warnings)

    service = StoryService.open(load_settings(None, corpus_dir=corpus, state_dir=tmp_path / "state"))
    banner = io.StringIO()
    run_console(service, [], banner, prompt=True)
    assert f"WARNING: the corpus folder {corpus} holds no articles yet." in banner.getvalue()


class Terminal:
    """Console input that runs an action on the disk just before handing over a given line."""

    def __init__(self, lines: list[str], before: dict[int, object]) -> None:
        self.lines, self.before = lines, before

    def __iter__(self) -> Iterator[str]:
        for number, line in enumerate(self.lines):
            action = self.before.get(number)
            if callable(action):
                action()
            yield line + "\n"


def console(tmp_path: Path, terminal: Terminal, corpus: Path) -> str:
    """The console, as `python -m bot console` runs it, reading `terminal`; returns what it printed."""
    service = StoryService.open(load_settings(None, corpus_dir=corpus, state_dir=tmp_path / "state"))
    out = io.StringIO()
    run_console(service, terminal, out)
    return out.getvalue()


def wire_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    lines = [json.dumps({"title": f"Wire {n}", "text": f"Wire story {n} about tides."}) for n in range(1, 4)]
    (corpus / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return corpus


def test_console_reload_shows_what_would_go_and_waits_for_confirm(tmp_path: Path) -> None:
    corpus = wire_corpus(tmp_path)
    lines = ["!reload", "!ask tides", "!reload confirm", "!ask tides", "!reload confirm"]
    out = console(tmp_path, Terminal(lines, {0: (corpus / "wire.jsonl").unlink}), corpus)
    plan, _, rest = out.partition("Nothing changed yet; type `!reload confirm` to go ahead.")
    assert "This reload would remove 3 articles (`wire-1`, `wire-2`, `wire-3`)" in plan
    still, _, rest = rest.partition("Reloaded in")
    assert "Wire story 1" in still, "nothing changed before the confirmation"
    assert "3 removed" in rest and "None of those words" in rest
    assert rest.rstrip().endswith(
        "Nothing to confirm: `!reload` asks first when it would remove or change several articles."
    )


def test_console_reload_on_a_full_state_disk_says_why_and_keeps_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = wire_corpus(tmp_path)

    def add_and_fill() -> None:
        (corpus / "bridge.md").write_text(FIRST_ARTICLE, encoding="utf-8")
        full_state_disk(monkeypatch)

    out = console(tmp_path, Terminal(["!reload", "!ask bridge mayor", "!ask tides"], {0: add_and_fill}), corpus)
    assert "Nothing changed: the new index could not be saved in the state folder (No space left on device)." in out
    assert "The previous index keeps serving." in out
    assert "None of those words" in out and "Wire story" in out, "the console answers on, with the old index"
