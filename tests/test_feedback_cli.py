"""`python -m bot report` and `--export`, and the console's `report`: the same rows the bot recorded, read through
the store (SQLite, and PostgreSQL with `[database] url`); bad arguments and bad export paths are one clear line and
change nothing."""

from __future__ import annotations

import asyncio
import errno
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.feedback import Passage, ShownAnswer, Unanswered, VoteChoice, now
from bot.core.settings import load_settings
from bot.store import DATABASE_FILE, GuildSettings, open_store
from bot.terminal.cli import main
from bot.terminal.console import ConsoleSession
from tests.fault_injection import failing_disk

GUILD, OTHER = 700_000_000_000_000_001, 700_000_000_000_000_002
HOSTILE = "**bold** `code` [link](https://evil.example) " + "zzyzx " * 40


async def fill(settings_overrides: dict[str, object]) -> None:
    """What a bot would have recorded: two servers' questions, answers and votes."""
    settings = load_settings(None, **settings_overrides)
    store = await open_store(settings, GuildSettings())
    try:
        passages = (Passage("harris-2024", 3, "0" * 16),)
        for number in range(3):
            await store.record_unanswered(Unanswered(number + 1, GUILD, "ask", "capitalists", "unknown_words", now()))
        await store.record_unanswered(Unanswered(10, GUILD, "who", "say it to my", "weak_match", now()))
        await store.record_unanswered(Unanswered(11, GUILD, "ask", HOSTILE.strip(), "weak_match", now()))
        await store.record_unanswered(
            Unanswered(12, GUILD, "ask", "long ago", "weak_match", now() - timedelta(days=20))
        )
        await store.record_unanswered(Unanswered(13, OTHER, "ask", "elsewhere", "no_passage", now()))
        settings_json = '{"k1":0.9,"results":3}'
        for answer_id in (20, 21):
            shown = ShownAnswer(GUILD, answer_id, 1, "ask", "capitalists", passages, settings_json, now())
            await store.record_answer(shown)
        for voter, choice in ((1, VoteChoice.DOWN), (2, VoteChoice.DOWN), (3, VoteChoice.UP)):
            await store.vote(GUILD, 20 + voter % 2, 1, voter, choice, at=now(), not_before=now() - timedelta(days=1))
    finally:
        await store.close()


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """A state folder whose SQLite database holds feedback."""
    folder = tmp_path / "state"
    asyncio.run(fill({"state_dir": folder}))
    return folder


def test_the_report_lists_each_server_most_frequent_first(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--state", str(state), "--days", "7"]) == 0
    out = capsys.readouterr().out
    assert f"Server {GUILD} · last 7 days (kept 90 days)" in out and f"Server {OTHER}" in out
    mine = out.split(f"Server {OTHER}")[0] if out.index(f"Server {GUILD}") < out.index(f"Server {OTHER}") else out
    lines = [line.strip() for line in mine.splitlines()]
    found = lines.index("Questions that found nothing, most frequent first:")
    assert lines[found + 1] == "3×  “capitalists” — unknown words 3"
    assert "long ago" not in out, "20 days ago is outside the last 7"
    assert "2 👎   1 👍  shown 2×  “capitalists”: harris-2024 ¶3" in out

    assert main(["report", "--state", str(state), "--days", "30", "--guild", str(OTHER)]) == 0
    out = capsys.readouterr().out
    assert "elsewhere" in out and "capitalists" not in out and "long ago" not in out


def test_the_export_is_one_json_line_per_question_written_atomically(tmp_path: Path, state: Path) -> None:
    target = tmp_path / "feedback.jsonl"
    assert main(["report", "--state", str(state), "--export", str(target), "--guild", str(GUILD)]) == 0
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    by_question = {record["question"]: record for record in records}
    capitalists = by_question["capitalists"]
    assert records[0] is not None and records[0]["question"] == "capitalists", "most asked first"
    assert (capitalists["asked"], capitalists["answered"], capitalists["unanswered"]) == (5, 2, 3)
    assert capitalists["reasons"] == {"unknown_words": 3} and (capitalists["up"], capitalists["down"]) == (1, 2)
    (answer,) = capitalists["answers"]
    assert answer["passages"] == [{"article": "harris-2024", "paragraph": 3, "text_sha256": "0" * 16}]
    assert answer["settings"] == {"k1": 0.9, "results": 3} and answer["shown"] == 2
    assert by_question["long ago"]["guild_id"] == str(GUILD), "ids as strings: JSON readers lose 64-bit numbers"
    assert by_question[HOSTILE.strip()]["reasons"] == {"weak_match": 1}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "no temporary file left"


def test_a_bad_export_path_or_a_full_disk_is_one_line_and_keeps_the_old_file(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    assert main(["report", "--state", str(state), "--export", str(folder)]) == 2
    assert "is a folder; give a file name" in capsys.readouterr().err
    assert main(["report", "--state", str(state), "--export", str(tmp_path / "no" / "x.jsonl")]) == 2
    assert "does not exist" in capsys.readouterr().err

    target = folder / "feedback.jsonl"
    target.write_text("the previous export\n")
    failing_disk(monkeypatch, folder, errno.ENOSPC)
    assert main(["report", "--state", str(state), "--export", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --export") and "No space left on device" in err and len(err.splitlines()) == 1
    assert target.read_text() == "the previous export\n" and sorted(os.listdir(folder)) == ["feedback.jsonl"]


@pytest.mark.parametrize("days", ["0", "-1", "100000", "ten", "366"])
def test_days_out_of_range_are_refused_naming_the_argument(
    state: Path, days: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["report", "--state", str(state), f"--days={days}"])
    assert exited.value.code == 2
    assert "argument --days:" in capsys.readouterr().err


def test_a_state_folder_without_a_database_is_named_and_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    assert main(["report", "--state", str(empty)]) == 2
    assert f"the database {empty / DATABASE_FILE} does not exist" in capsys.readouterr().err
    assert list(empty.iterdir()) == []


def test_the_console_reports_every_server(state: Path) -> None:
    from bot.core.service import StoryService

    session = ConsoleSession(StoryService.open(load_settings(None, state_dir=state)))
    text = session.execute("!report 7")
    assert "“capitalists” — unknown words 3" in text and "elsewhere" in text
    assert "from 1 to 365" in session.execute("!report 0")
    assert "from 1 to 365" in session.execute("!report lots")


def test_the_report_reads_postgresql_when_configured(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(fill({"state_dir": tmp_path / "state", "database": {"url": postgres_url}}))
    monkeypatch.setenv("STORYBOT_DATABASE__URL", postgres_url)
    assert main(["report", "--state", str(tmp_path / "state"), "--guild", str(GUILD)]) == 0
    assert "3×  “capitalists” — unknown words 3" in capsys.readouterr().out
    target = tmp_path / "pg.jsonl"
    assert main(["report", "--state", str(tmp_path / "state"), "--export", str(target)]) == 0
    questions = [json.loads(line)["question"] for line in target.read_text().splitlines()]
    assert "capitalists" in questions and "elsewhere" in questions
    assert not (tmp_path / "state" / DATABASE_FILE).exists(), "PostgreSQL only: no SQLite file made"
