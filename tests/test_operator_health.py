"""`python -m bot health` (the image's HEALTHCHECK) on every state of the heartbeat file: a first line saying
healthy or unhealthy and why, exit 0 or 1; then the shards and the database (tests/test_discord_shards.py)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from bot.store import GuildSettings, GuildSettingsStore
from bot.terminal.cli import main


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("STORYBOT_"):
            monkeypatch.delenv(name)


def health(capsys: pytest.CaptureFixture[str], state: Path) -> tuple[int, str]:
    status = main(["health", "--state", str(state)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = captured.out.strip().splitlines()
    assert lines[-1].startswith("database: SQLite "), "the last line is the database's"
    return status, lines[0]


def create_database(state: Path) -> None:
    """The settings database, as the bot leaves it once it has started."""

    async def open_and_close() -> None:
        await (await GuildSettingsStore.open(state, GuildSettings())).close()

    asyncio.run(open_and_close())


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (lambda path: path.write_text("garbage", encoding="utf-8"), "is damaged (holds 'garbage', not a time)"),
        (lambda path: path.write_bytes(b"\xff\xfe\x00\x01"), "is damaged"),
        (lambda path: path.write_text("nan", encoding="utf-8"), "is damaged (holds 'nan', not a time)"),
        (lambda path: path.write_text("inf", encoding="utf-8"), "is damaged (holds 'inf', not a time)"),
        (lambda path: path.mkdir(), "is not a file"),
        (lambda path: path.write_text(str(time.time() - 3600), encoding="utf-8"), "heartbeat 3600 s old"),
        (lambda path: path.write_text(str(time.time() + 3600), encoding="utf-8"), "s in the future"),
        (lambda path: None, "heartbeat missing"),
    ],
    ids=["garbage", "binary", "nan", "inf", "a-folder", "old", "future", "missing"],
)
def test_a_bad_heartbeat_is_unhealthy_with_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], write, expected: str
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    write(state / "heartbeat")
    status, line = health(capsys, state)
    assert status == 1
    assert line.startswith("unhealthy:") and expected in line


def test_a_fresh_heartbeat_is_healthy_and_an_empty_one_counts_by_its_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    create_database(state)
    (state / "heartbeat").write_text(str(time.time()), encoding="utf-8")
    assert health(capsys, state) == (0, "healthy")
    (state / "heartbeat").write_text("", encoding="utf-8")  # read between the bot's truncate and its write
    assert health(capsys, state) == (0, "healthy")
    old = time.time() - 3600
    os.utime(state / "heartbeat", (old, old))
    assert health(capsys, state)[0] == 1
