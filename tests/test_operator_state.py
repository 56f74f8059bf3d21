"""The state folder at start-up: a damaged, locked or misplaced settings database, a full disk, a read-only folder.

Each stops the CLI with one `error:` line naming the file and the way out, a non-zero exit and no traceback; the
process ends (no database thread left behind), and what was saved before (the database, the index) is unchanged.
"""

from __future__ import annotations

import asyncio
import errno
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from discord.http import Route

import bot.store.sqlite
from bot.store import DATABASE_FILE, GuildSettings, GuildSettingsStore
from bot.terminal.cli import main
from index.postings_io import CURRENT_FILE, GENERATION_PREFIX
from index.store import index_directory
from tests.fault_injection import failing_disk

REPO = Path(__file__).resolve().parent.parent
OFFLINE_BOT = REPO / "tests" / "offline_bot.py"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No STORYBOT_* variable or token from the developer's shell; Discord, if ever reached, is a closed port."""
    for name in list(os.environ):
        if name.upper().startswith("STORYBOT_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    monkeypatch.setattr(Route, "BASE", "http://127.0.0.1:9/api/v10")


def run_offline(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """`python -m bot ARGS` as a process, with a token and Discord a refused local port; a hang fails the test."""
    environment = {k: v for k, v in os.environ.items() if not k.upper().startswith("STORYBOT_")}
    return subprocess.run(
        [sys.executable, str(OFFLINE_BOT), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**environment, "DISCORD_TOKEN": "a.valid-looking.token", "PYTHONPATH": str(REPO)},
        timeout=timeout,
        check=False,
    )


def last_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert lines and lines[-1].startswith("error: "), stderr
    return lines[-1]


def saved_database(state: Path) -> bytes:
    """A real settings database with one guild's settings, closed (its WAL folded into the file); its bytes."""

    async def fill() -> None:
        store = await GuildSettingsStore.open(state, GuildSettings())
        try:
            for guild in range(1, 40):
                await store.set(guild, channels=tuple(range(guild, guild + 30)), results=5)
        finally:
            await store.close()

    asyncio.run(fill())
    return (state / DATABASE_FILE).read_bytes()


def truncated_to(size: Callable[[int], int]) -> Callable[[Path], None]:
    def damage(state: Path) -> None:
        data = saved_database(state)
        (state / DATABASE_FILE).write_bytes(data[: size(len(data))])

    return damage


def garbage(state: Path) -> None:
    state.mkdir(parents=True)
    (state / DATABASE_FILE).write_bytes(b"this is not a database, it is a shopping list: eggs, milk, bread\n" * 20)


def overwritten_page(state: Path) -> None:
    data = bytearray(saved_database(state))
    data[2 * 4096 : 3 * 4096] = (
        b"\xa5" * 4096
    )  # one b-tree page (the settings' index) scribbled over, the header intact
    (state / DATABASE_FILE).write_bytes(bytes(data))


@pytest.mark.parametrize(
    "damage",
    [
        garbage,
        truncated_to(lambda size: 100),
        truncated_to(lambda size: 4096),
        truncated_to(lambda size: size // 2),
        overwritten_page,
    ],
    ids=["garbage", "truncated-to-100-bytes", "truncated-to-one-page", "truncated-to-half", "overwritten-page"],
)
def test_a_damaged_database_is_one_line_with_the_way_out_and_the_process_ends(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    state = tmp_path / "state"
    damage(state)
    before = (state / DATABASE_FILE).read_bytes()

    done = run_offline("run", "--state", str(state))

    assert done.returncode == 2
    line = last_error_line(done.stderr)
    assert f"the settings database {state / DATABASE_FILE} is damaged" in line
    assert "restore it from a backup" in line and "move it and its -wal and -shm files aside" in line
    assert (state / DATABASE_FILE).read_bytes() == before, "the damaged file is left for the operator to rescue"


def test_a_database_that_is_a_folder_is_one_line(tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / DATABASE_FILE).mkdir(parents=True)
    done = run_offline("run", "--state", str(state))
    assert done.returncode == 2
    assert f"the settings database {state / DATABASE_FILE} is a folder" in last_error_line(done.stderr)


def test_a_database_locked_by_another_process_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    saved_database(state)
    monkeypatch.setattr(bot.store.sqlite, "BUSY_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setenv("DISCORD_TOKEN", "a.valid-looking.token")
    other = sqlite3.connect(state / DATABASE_FILE, isolation_level=None)
    try:
        other.execute("PRAGMA locking_mode = EXCLUSIVE")  # another process holding the database for itself
        other.execute("BEGIN EXCLUSIVE")
        assert main(["run", "--state", str(state)]) == 2
    finally:
        other.close()
    line = last_error_line(capsys.readouterr().err)
    assert f"the settings database {state / DATABASE_FILE} is locked by another process" in line
    assert "another storybot" in line


def test_a_database_that_cannot_grow_says_the_disk_is_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_connect = sqlite3.connect

    def connect_to_a_full_disk(*args: object, **kwargs: object) -> sqlite3.Connection:
        connection = real_connect(*args, **kwargs)
        connection.execute("PRAGMA max_page_count = 1")  # SQLite then fails exactly as on a full disk (SQLITE_FULL)
        return connection

    monkeypatch.setattr(sqlite3, "connect", connect_to_a_full_disk)
    monkeypatch.setenv("DISCORD_TOKEN", "a.valid-looking.token")
    assert main(["run", "--state", str(tmp_path / "state")]) == 2
    line = last_error_line(capsys.readouterr().err)
    assert "the settings database" in line and "the disk is full" in line


@pytest.mark.parametrize(
    ("error_number", "reason"),
    [(errno.ENOSPC, "No space left on device"), (errno.EROFS, "Read-only file system")],
)
@pytest.mark.parametrize("command", [["ask", "border czar"], ["index", "build"], ["run"]], ids=" ".join)
def test_a_state_folder_that_cannot_be_written_at_start_up_is_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error_number: int,
    reason: str,
    command: list[str],
) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("DISCORD_TOKEN", "a.valid-looking.token")
    failing_disk(monkeypatch, state, error_number)
    assert main([*command, "--state", str(state)]) == 2
    line = last_error_line(capsys.readouterr().err)
    assert f"the state directory {state} cannot be created or written: {reason}" in line


@pytest.mark.parametrize("command", [["ask", "border czar"], ["index", "build"], ["run"]], ids=" ".join)
def test_a_disk_that_fills_up_while_the_index_is_saved_is_one_line_and_leaves_no_half_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("DISCORD_TOKEN", "a.valid-looking.token")
    refused = failing_disk(monkeypatch, state, errno.ENOSPC, only=lambda path: path.suffix == ".npy")
    assert main([*command, "--state", str(state)]) == 2
    line = last_error_line(capsys.readouterr().err)
    assert refused, "the write test passed; the index's own files met the full disk"
    assert f"cannot write the index in the state folder {state}" in line
    assert "No space left on device); free some space on that disk" in line
    directory = index_directory(state)
    assert not (directory / CURRENT_FILE).exists()
    assert not [child for child in directory.iterdir() if child.name.startswith(GENERATION_PREFIX)]


@pytest.mark.parametrize(
    ("error_number", "only", "reason"),
    [
        (errno.EROFS, None, "Read-only file system"),
        (errno.EACCES, None, "Permission denied"),
        (errno.ENOSPC, ".npy", "No space left on device"),
    ],
    ids=["read-only", "no-permission", "full-while-writing"],
)
def test_index_build_force_on_a_state_folder_that_cannot_be_written_keeps_the_previous_index(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error_number: int,
    only: str | None,
    reason: str,
) -> None:
    state = tmp_path / "state"
    assert main(["index", "build", "--state", str(state)]) == 0
    current = (index_directory(state) / CURRENT_FILE).read_text(encoding="ascii")
    capsys.readouterr()

    with monkeypatch.context() as patch:
        failing_disk(patch, state, error_number, only=(lambda path: path.suffix == only) if only else lambda path: True)
        assert main(["index", "build", "--force", "--state", str(state)]) == 2
    line = last_error_line(capsys.readouterr().err)
    assert str(state) in line and reason in line

    assert (index_directory(state) / CURRENT_FILE).read_text(encoding="ascii") == current
    generations = [child.name for child in index_directory(state).iterdir() if child.name.startswith("gen-")]
    assert generations == [current], "no half-written generation is left beside the previous one"
    assert main(["index", "info", "--state", str(state)]) == 0
    assert "matches the corpus" in capsys.readouterr().out


def test_a_state_path_that_is_a_file_is_one_line_for_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    state.write_text("someone put a file here", encoding="utf-8")
    monkeypatch.setenv("DISCORD_TOKEN", "a.valid-looking.token")
    for command in (["ask", "border"], ["index", "build"], ["index", "info"], ["run"], ["console"]):
        assert main([*command, "--state", str(state)]) == 2, command
        line = last_error_line(capsys.readouterr().err)
        assert f"the state directory {state}" in line and "is a file, not a folder" in line, command
