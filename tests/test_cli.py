"""The command line as a user runs it: ask, --json, console, run without a token, index build/info, bad config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.terminal.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


def run_bot(
    *args: str, stdin: str = "", cwd: Path = REPO, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN" and not k.startswith("STORYBOT_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**environment, "PYTHONPATH": str(REPO)},
        timeout=120,
        check=False,
    )


def test_run_without_a_token_answers_piped_commands_in_the_terminal(state: Path) -> None:
    done = run_bot("run", "--state", str(state), stdin="!who said border czar\n")
    assert done.returncode == 0, done.stderr
    first_line, _, answer = done.stdout.partition("\n")
    assert "DISCORD_TOKEN" in first_line
    assert "**border czar**" in answer
    assert "Harris goes on offensive on immigration" in answer
    assert "paragraph" in answer


def test_ask_json_carries_each_hit_with_its_citation(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "border czar", "--json", "--state", str(state)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["query"] == "border czar"
    assert document["hits"], "border czar is in the story"
    first = document["hits"][0]
    assert set(first) >= {"article_id", "title", "published", "url", "paragraph", "score", "text", "snippet"}
    assert "border czar" in first["text"].lower()
    scores = [hit["score"] for hit in document["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_for_words_not_in_the_story_says_so(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "xylophone zeppelin", "--json", "--state", str(state)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["hits"] == []
    assert "None of those words" in document["message"]


def test_console_pages_lists_sources_and_explains_unknown_commands(state: Path) -> None:
    commands = "!ask border\nmore\n!sources\n!source panicked\n!dance\n!help\n"
    done = run_bot("console", "--state", str(state), stdin=commands)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "1. " in out and "4. " in out, "`more` continues the numbering on the next page"
    assert "The story has 2 articles" in out
    assert "Kamala Harris’ team ‘panicked’" in out
    assert "Unknown command `dance`" in out
    assert "who said <words>" in out


def test_index_build_then_info_then_a_stale_index_is_rebuilt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for story in (REPO / "corpus" / "story").iterdir():
        (corpus / story.name).write_bytes(story.read_bytes())
    args = ["--corpus", str(corpus), "--state", str(tmp_path / "state")]
    assert main(["index", "build", *args]) == 0
    assert "index built" in capsys.readouterr().out
    assert main(["index", "build", *args]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["index", "info", *args]) == 0
    info = capsys.readouterr().out
    assert "2 articles, 41 paragraphs" in info and "matches the corpus" in info

    (corpus / "extra.md").write_text("# Extra\n\nA new paragraph about the border.\n", encoding="utf-8")
    assert main(["index", "info", *args]) == 1
    assert "not usable" in capsys.readouterr().out
    assert main(["index", "build", *args]) == 0
    assert "index built" in capsys.readouterr().out


def test_a_wrong_config_key_stops_with_one_clear_message(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[search]\nresults = 99\n", encoding="utf-8")
    done = run_bot("ask", "border", "--config", str(config))
    assert done.returncode == 2
    assert "search.results" in done.stderr and str(config) in done.stderr
    assert "Traceback" not in done.stderr


def test_health_is_unhealthy_without_a_running_bot(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["health", "--state", str(state)]) == 1
    assert "heartbeat missing" in capsys.readouterr().out


def test_an_unusable_state_folder_is_one_clear_error_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    done = run_bot("ask", "border czar", "--state", str(blocker / "state"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(f"error: the state directory {blocker / 'state'}")
    assert "Traceback" not in done.stderr
