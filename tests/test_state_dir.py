"""Start-up and the state directory: missing (created), unusable (a clear error naming it), or left over from an
older or damaged index (rebuilt, with a log line saying why)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from bot.core.operations import StateDirectoryError
from bot.core.questions import Question
from bot.core.service import StoryService
from bot.core.settings import BUNDLED_CORPUS, Settings
from bot.store import DATABASE_FILE, GuildSettings, GuildSettingsStore
from index.postings_io import CURRENT_FILE, MANIFEST_FILE, current_generation
from index.store import index_directory


def open_service(state: Path) -> StoryService:
    return StoryService.open(Settings(corpus_dir=BUNDLED_CORPUS, state_dir=state))


def border_czar_answer(service: StoryService) -> list[tuple[str, int]]:
    return [(hit.article.id, hit.paragraph.number) for hit in service.ask(Question("border czar"), 3).hits]


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, int]]:
    answer = border_czar_answer(open_service(tmp_path_factory.mktemp("reference") / "state"))
    assert answer, "the bundled story answers `border czar`"
    return answer


def test_a_missing_state_directory_is_created_with_its_index(tmp_path: Path, expected: list) -> None:
    state = tmp_path / "not" / "there" / "yet"
    service = open_service(state)
    assert border_czar_answer(service) == expected
    assert (index_directory(state) / CURRENT_FILE).is_file()
    assert not [entry for entry in state.iterdir() if entry.name.startswith(".write-test")]


@pytest.mark.asyncio
async def test_the_settings_database_is_created_in_a_missing_state_directory(tmp_path: Path) -> None:
    state = tmp_path / "fresh" / "state"
    store = await GuildSettingsStore.open(state, GuildSettings())
    try:
        await store.set(7, results=5)
    finally:
        await store.close()
    assert (state / DATABASE_FILE).is_file()


def test_a_state_directory_under_a_regular_file_stops_with_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    state = blocker / "state"
    with pytest.raises(StateDirectoryError) as raised:
        open_service(state)
    assert str(state) in str(raised.value)
    assert "cannot be created or written" in str(raised.value)


def test_a_state_path_that_is_a_regular_file_stops_with_a_clear_error(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.write_text("someone put a file here")
    with pytest.raises(StateDirectoryError, match=r"state directory .*state cannot be created or written"):
        open_service(state)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories: permissions are not enforced")
def test_a_read_only_state_directory_stops_with_a_clear_error(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    state.chmod(0o500)
    try:
        with pytest.raises(StateDirectoryError, match="Permission denied"):
            open_service(state)
    finally:
        state.chmod(0o700)


def rewrite_manifest(state: Path, change: dict) -> None:
    manifest_path = current_generation(index_directory(state)) / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_bytes())
    manifest.update(change)
    manifest_path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda state: rewrite_manifest(state, {"format_version": 0}), "index format version 0"),
        (lambda state: rewrite_manifest(state, {"magic": "something-else"}), "wrong magic"),
        (
            lambda state: (current_generation(index_directory(state)) / MANIFEST_FILE).write_bytes(b"\x00garbage{"),
            "not a readable JSON manifest",
        ),
        (lambda state: (index_directory(state) / CURRENT_FILE).write_bytes(b"\xff\xfe garbage"), "CURRENT"),
        (lambda state: (index_directory(state) / CURRENT_FILE).unlink(), "no saved index"),
        (
            lambda state: next(current_generation(index_directory(state)).glob("*.npy")).write_bytes(b"\x93NUMPY"),
            "bytes, the manifest says",
        ),
    ],
    ids=["older-format", "foreign", "garbage-manifest", "garbage-current", "old-layout", "truncated-array"],
)
def test_a_left_over_index_is_rebuilt_with_a_log_line_saying_why(
    tmp_path: Path, expected: list, caplog: pytest.LogCaptureFixture, damage, reason: str
) -> None:
    state = tmp_path / "state"
    open_service(state)
    damage(state)
    with caplog.at_level(logging.INFO):
        service = open_service(state)
    assert border_czar_answer(service) == expected
    rebuilt = [record.getMessage() for record in caplog.records if "rebuilding the index" in record.getMessage()]
    assert rebuilt and reason in rebuilt[0], [record.getMessage() for record in caplog.records]
    with caplog.at_level(logging.INFO):
        caplog.clear()
        open_service(state)
    assert not [record for record in caplog.records if "rebuilding" in record.getMessage()], "rebuilt once, then kept"
