"""The terminal's operator manages articles as Discord's moderators do: `article add PATH|URL`, `article replace
PATH`, `article remove ID`, each reindexing, a wide change waiting for `confirm`. Through the console as
`python -m bot console` runs it (and, for a web address, that very process, against a local page server)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from bot.core.service import StoryService
from bot.core.settings import BUNDLED_CORPUS, load_settings
from bot.terminal.console import run_console
from tests.page_server import serving_pages

REPO = Path(__file__).resolve().parent.parent
LIGHTHOUSE = "Lighthouse keepers return\n\nThe lighthouse keeper from Maine was back on duty, aides said.\n"


def console(tmp_path: Path, lines: list[str]) -> str:
    """What the console printed for these lines, on a copy of the story plus a three-article wire file."""
    corpus = tmp_path / "corpus"
    if not corpus.exists():
        shutil.copytree(BUNDLED_CORPUS, corpus)
        wire = [json.dumps({"title": f"Wire {n}", "text": f"Wire story {n} about tides."}) for n in range(1, 4)]
        (corpus / "wire.jsonl").write_text("\n".join(wire) + "\n", encoding="utf-8")
    service = StoryService.open(load_settings(None, corpus_dir=corpus, state_dir=tmp_path / "state"))
    out = io.StringIO()
    run_console(service, lines, out)
    return out.getvalue()


def test_the_operator_adds_replaces_and_removes_articles_from_files(tmp_path: Path) -> None:
    upload = tmp_path / "lighthouse.txt"
    upload.write_text(LIGHTHOUSE, encoding="utf-8")
    out = console(tmp_path, [f"!article add {upload}", "!ask lighthouse keeper", "!article remove lighthouse"])
    assert "Added in" in out and "1 added (lighthouse)" in out
    assert "Lighthouse keepers return" in out, "the new article answers"
    assert "Removed in" in out and "1 removed (lighthouse)" in out
    assert not (tmp_path / "corpus" / "lighthouse.txt").exists()
    assert [path.name.endswith("-lighthouse.txt") for path in (tmp_path / "state" / "trash").iterdir()] == [True]

    out = console(tmp_path, [f"!article add {upload}", f"!article add {upload}"])
    assert out.count("Added in") == 1 and "already exists" in out, "adding never overwrites: replace does"
    upload.write_text(LIGHTHOUSE.replace("Maine", "Oregon"), encoding="utf-8")
    out = console(tmp_path, [f"!article replace {upload}", "!ask lighthouse keeper Oregon"])
    assert "Replaced in" in out and "1 changed (lighthouse)" in out and "**Oregon**" in out
    assert [path.name.endswith("-lighthouse.txt") for path in (tmp_path / "state" / "replaced").iterdir()] == [True]


def test_a_whole_file_of_several_articles_waits_for_confirm(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        ["!article remove wire.jsonl", "!ask tides", "!article remove wire.jsonl confirm", "!ask tides"],
    )
    plan, _, rest = out.partition("Nothing changed yet; type `!article remove wire.jsonl confirm` to go ahead.")
    assert "would remove 3 articles" in plan
    still, _, after = rest.partition("Removed in")
    assert "Wire story" in still, "nothing changed before the confirmation"
    assert "3 removed" in after and "None of those words" in after


def test_refusals_name_the_file_and_change_nothing(tmp_path: Path) -> None:
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x00\x01\x02 not text")
    out = console(
        tmp_path,
        [f"!article add {tmp_path / 'missing.md'}", f"!article add {binary}", "!article add", "!article remove nope"],
    )
    assert "missing.md: cannot be read" in out
    assert "photo.txt" in out and "binary" in out
    assert "Add what?" in out
    assert "There is no article" in out or "no article" in out.lower()
    assert sorted(path.name for path in (tmp_path / "corpus").iterdir()) == sorted(
        [*(path.name for path in BUNDLED_CORPUS.iterdir()), "wire.jsonl"]
    )


@pytest.mark.asyncio
async def test_the_operator_adds_an_article_by_its_address(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    environment = {
        **os.environ,
        "STORYBOT_CORPUS_DIR": str(corpus),
        "STORYBOT_STATE_DIR": str(tmp_path / "state"),
        "STORYBOT_ARTICLES__ALLOW_PRIVATE_HOSTS": "true",
        "PYTHONPATH": str(REPO),
    }
    environment.pop("DISCORD_TOKEN", None)
    async with serving_pages() as server:
        page = server.url("/pages/wire-port-strike")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "console",
            cwd=tmp_path,
            env=environment,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        commands = f"!article add {page}\n!who said no money for the people who actually move the boxes\n"
        out, err = await asyncio.wait_for(process.communicate(commands.encode()), timeout=60)
    text = out.decode()
    assert process.returncode == 0, err.decode()
    assert "Added in" in text and "Dockworkers walk out" in text
    assert "Niek Stam" in text and page in text, "the answer cites the article's address"
