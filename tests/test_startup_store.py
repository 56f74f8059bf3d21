"""Start-up from the saved index and text store: no article file read while the corpus folder is provably the same,
and a full load whenever it is not (an edit hidden behind `touch -d`, a file swapped for a symlink, a damaged record
or text store, other settings)."""

from __future__ import annotations

import errno
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import corpus.directory
import corpus.folder_state
import index.store
from bot.core.operations import StateDirectoryError
from bot.core.questions import Question
from bot.core.service import StoryService
from bot.core.settings import BUNDLED_CORPUS, Settings, load_settings
from corpus.loaders import FileContents
from index.postings_io import current_generation
from index.store import CORPUS_STATE_FILE, index_directory

UNCHANGED = "the corpus folder is unchanged"
STORY = "harris-goes-on-offensive-on-immigration.txt"


def settings(tmp_path: Path, **overrides: object) -> Settings:
    return load_settings(None, corpus_dir=tmp_path / "corpus", state_dir=tmp_path / "state", **overrides)


def first_open(tmp_path: Path) -> StoryService:
    shutil.copytree(BUNDLED_CORPUS, tmp_path / "corpus")
    return StoryService.open(settings(tmp_path))


def answer(service: StoryService, question: str) -> list[tuple[str, int, str]]:
    return [(h.article.id, h.paragraph.number, h.paragraph.text) for h in service.ask(Question(question), 3).hits]


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Records every article file the loader parses (a start-up from the store parses none)."""
    parsed: list[str] = []
    real = corpus.directory.parse_file

    def parse_file(name: str, *args: Any, **kwargs: Any) -> FileContents:
        parsed.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(corpus.directory, "parse_file", parse_file)
    yield parsed


def test_an_unchanged_folder_is_served_from_the_store_without_parsing_a_file(
    tmp_path: Path, no_parsing: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    service = first_open(tmp_path)
    expected = answer(service, "border czar")
    no_parsing.clear()
    with caplog.at_level(logging.INFO):
        again = StoryService.open(settings(tmp_path))
    assert no_parsing == [] and UNCHANGED in caplog.text
    assert answer(again, "border czar") == expected
    assert [a.id for a in again.corpus.articles] == [a.id for a in service.corpus.articles]
    assert [a.content_hash() for a in again.corpus.articles] == [a.content_hash() for a in service.corpus.articles]
    article = again.corpus.articles[0]
    assert article.paragraph(1).text == service.corpus.articles[0].paragraph(1).text
    assert len(article.paragraphs) == len(service.corpus.articles[0].paragraphs)


@pytest.mark.parametrize("racy_seconds", [0, 2], ids=["by its ctime", "as a racy file"])
def test_an_edit_hidden_by_setting_the_time_back_is_still_seen(
    tmp_path: Path, no_parsing: list[str], monkeypatch: pytest.MonkeyPatch, racy_seconds: int
) -> None:
    monkeypatch.setattr(corpus.folder_state, "RACY_SECONDS", racy_seconds)  # 0: caught by the status-change time
    first_open(tmp_path)
    path = tmp_path / "corpus" / STORY
    before = path.stat()
    data = path.read_bytes()
    edited = data.replace(b"border czar", b"border tsar")
    assert len(edited) == len(data) and edited != data
    path.write_bytes(edited)  # in place: same inode, same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # `touch -d`: the old modification time
    assert path.stat().st_mtime_ns == before.st_mtime_ns and path.stat().st_size == before.st_size
    no_parsing.clear()
    service = StoryService.open(settings(tmp_path))
    assert STORY in no_parsing, "the file was read again"
    assert any("border tsar" in text for _, _, text in answer(service, "border tsar"))


def test_a_touched_file_with_the_same_bytes_is_hashed_not_parsed(tmp_path: Path, no_parsing: list[str]) -> None:
    first_open(tmp_path)
    os.utime(tmp_path / "corpus" / STORY)  # `touch`: new times, same bytes
    no_parsing.clear()
    StoryService.open(settings(tmp_path))
    assert no_parsing == []


@pytest.mark.parametrize("change", ["symlink", "added", "removed", "directory"])
def test_a_changed_folder_is_loaded_again(tmp_path: Path, change: str, no_parsing: list[str]) -> None:
    first_open(tmp_path)
    folder = tmp_path / "corpus"
    path = folder / STORY
    if change == "symlink":  # the same bytes, but the loader skips symlinks: the article goes
        target = tmp_path / "elsewhere.txt"
        target.write_bytes(path.read_bytes())
        path.unlink()
        path.symlink_to(target)
    elif change == "added":
        (folder / "harbour.txt").write_text("Harbour news\n\nThe harbour master spoke.\n", encoding="utf-8")
    elif change == "removed":
        path.unlink()
    else:
        path.unlink()
        path.mkdir()
    no_parsing.clear()
    service = StoryService.open(settings(tmp_path))
    assert no_parsing, "the folder was loaded again"
    ids = {article.id for article in service.corpus.articles}
    assert ("harris-goes-on-offensive-on-immigration" in ids) == (change == "added")
    assert ("harbour" in ids) == (change == "added")


def test_bad_files_are_reported_again_from_the_record(tmp_path: Path, no_parsing: list[str]) -> None:
    shutil.copytree(BUNDLED_CORPUS, tmp_path / "corpus")
    (tmp_path / "corpus" / "broken.json").write_text('{"title": "x"', encoding="utf-8")
    first = StoryService.open(settings(tmp_path))
    no_parsing.clear()
    again = StoryService.open(settings(tmp_path))
    assert no_parsing == []
    assert [str(error) for error in again.load_errors] == [str(error) for error in first.load_errors]
    assert again.load_errors and "broken.json" in str(again.load_errors[0])


def test_a_damaged_record_or_text_store_is_never_trusted(tmp_path: Path, no_parsing: list[str]) -> None:
    expected = answer(first_open(tmp_path), "border czar")
    record = index_directory(tmp_path / "state") / CORPUS_STATE_FILE
    record.write_bytes(record.read_bytes().replace(b'"max_bytes": ', b'"max_bytes": 1'))
    no_parsing.clear()
    assert answer(StoryService.open(settings(tmp_path)), "border czar") == expected
    assert no_parsing, "a record failing its checksum is not trusted"

    text = current_generation(index_directory(tmp_path / "state")) / "text_0.npy"
    data = bytearray(text.read_bytes())
    data[-5] ^= 0x20  # one letter's case in the last paragraph
    text.write_bytes(bytes(data))
    no_parsing.clear()
    service = StoryService.open(settings(tmp_path))
    assert no_parsing, "a text store failing its crc32 is rebuilt from the folder"
    assert answer(service, "border czar") == expected


def test_other_settings_or_size_cap_load_the_folder_again(tmp_path: Path, no_parsing: list[str]) -> None:
    first_open(tmp_path)
    no_parsing.clear()
    StoryService.open(settings(tmp_path, search={"k1": 1.2}))
    assert no_parsing, "other BM25 settings"
    capped = StoryService.open(settings(tmp_path, max_file_bytes=2_000))  # the files are over it: loaded, refused
    assert capped.load_errors and "over the 2,000-byte limit" in str(capped.load_errors[0])
    assert not capped.corpus.articles


def test_a_full_disk_while_the_text_store_is_written_keeps_the_previous_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = answer(first_open(tmp_path), "border czar")
    index_dir = index_directory(tmp_path / "state")
    before = current_generation(index_dir)
    (tmp_path / "corpus" / "harbour.txt").write_text("Harbour news\n\nThe harbour master spoke.\n", encoding="utf-8")
    real = index.store.text_arrays

    def full_after_the_first_part(articles: object) -> Iterator[tuple[str, np.ndarray]]:
        parts = real(articles)
        yield next(parts)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(index.store, "text_arrays", full_after_the_first_part)
    with pytest.raises(StateDirectoryError, match="No space left on device"):
        StoryService.open(settings(tmp_path))
    assert current_generation(index_dir) == before
    assert [p.name for p in index_dir.glob("gen-*")] == [before.name], "the half-written generation is removed"
    monkeypatch.undo()
    (tmp_path / "corpus" / "harbour.txt").unlink()
    assert answer(StoryService.open(settings(tmp_path)), "border czar") == expected


def test_a_read_only_corpus_folder_starts_from_the_store(tmp_path: Path, no_parsing: list[str]) -> None:
    first_open(tmp_path)
    folder = tmp_path / "corpus"
    for path in folder.iterdir():
        path.chmod(0o444)
    folder.chmod(0o555)
    try:
        no_parsing.clear()
        service = StoryService.open(settings(tmp_path))
        assert no_parsing == [] and answer(service, "border czar")
    finally:
        folder.chmod(0o755)
