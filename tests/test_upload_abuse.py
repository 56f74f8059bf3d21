"""Hostile uploads through `StoryService.add_article`: each is refused with a reason a member can read, and the
corpus folder is left byte for byte as it was (nothing written, nothing replaced, no symlink followed)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from bot.core.questions import Question
from bot.core.service import StoryService
from bot.core.settings import BUNDLED_CORPUS, Settings
from corpus.files import UploadRefused

MAX_BYTES = 5_000
GOOD = b"# A fine article\n\nA paragraph about the border.\n"


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("story.txt", "Title\n\nA paragraph.\n")
    return buffer.getvalue()


def outside_bytes(path: Path) -> bytes:
    """The symlink target's content."""
    return path.read_bytes()


def snapshot(directory: Path) -> dict[str, tuple[str, bytes]]:
    """Every entry with its kind and content (a symlink by its target, never followed)."""
    entries: dict[str, tuple[str, bytes]] = {}
    for entry in sorted(directory.iterdir()):
        if entry.is_symlink():
            entries[entry.name] = ("symlink", os.readlink(entry).encode())
        elif entry.is_file():
            entries[entry.name] = ("file", entry.read_bytes())
        else:
            entries[entry.name] = ("other", b"")
    return entries


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    target = tmp_path / "outside.txt"
    target.write_text("Outside\n\nA file outside the corpus folder that must never change.\n")
    return target


@pytest.fixture
def service(tmp_path: Path, outside: Path) -> StoryService:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for story in BUNDLED_CORPUS.iterdir():
        (corpus / story.name).write_bytes(story.read_bytes())
    (corpus / "linked.txt").symlink_to(outside)
    settings = Settings(corpus_dir=corpus, state_dir=tmp_path / "state", max_file_bytes=MAX_BYTES)
    service = StoryService.open(settings)
    assert service.load_errors == () and len(service.corpus) == 2
    return service


CASES = [
    ("big.txt", b"Big\n\n" + b"word " * 1_200, False, "over the 5,000-byte limit"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", False, "binary file"),
    ("notes.md", b"# Notes\n\n\xff\xfe not UTF-8\n", False, "not UTF-8"),
    ("story.zip", zip_bytes(), False, "unsupported file type `.zip`"),
    ("story.txt", zip_bytes(), False, "binary file"),
    ("linked.txt", GOOD, False, "outside the corpus directory"),
    ("linked.txt", GOOD, True, "outside the corpus directory"),
    ("../x.txt", GOOD, False, "not a path"),
    ("..\\x.txt", GOOD, False, "not a path"),
    ("/etc/passwd", GOOD, False, "not a path"),
    ("..", GOOD, False, "not a path"),
    ("CON", GOOD, False, "unsupported file type `(none)`"),
    ("CON.txt", GOOD, False, "reserved device name"),
    ("nul.txt", GOOD, False, "reserved device name"),
    ("com1.md", GOOD, False, "reserved device name"),
    ("a\x07b.txt", GOOD, False, "control characters"),
    ("line\nbreak.txt", GOOD, False, "control characters"),
    ("rtl\u202etxt.md", GOOD, False, "control characters"),
    ("", GOOD, False, "no name"),
    ("   ", GOOD, False, "no name"),
    (".hidden.md", GOOD, False, "hidden file"),
    ("a" * 101 + ".md", GOOD, False, "at most 100 characters"),
    ("spaced name.md", GOOD, False, "use only letters, digits"),
    ("résumé.md", GOOD, False, "use only letters, digits"),
    ("harris-goes-on-offensive-on-immigration.txt", GOOD, False, "already exists"),
    ("Harris_Goes_On_Offensive_On_Immigration.md", GOOD, False, "same article id"),
    ("empty.md", b"", False, "is empty"),
    ("title-only.md", b"# Just a title\n", False, "no paragraphs"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("name", "data", "replace", "reason"), CASES, ids=[repr(case[0])[:40] for case in CASES])
async def test_a_hostile_upload_is_refused_and_changes_nothing(
    service: StoryService, outside: Path, name: str, data: bytes, replace: bool, reason: str
) -> None:
    corpus = service.settings.corpus_dir
    before, outside_before = snapshot(corpus), outside_bytes(outside)
    answer_before = [(hit.article.id, hit.paragraph.number) for hit in service.ask(Question("border czar"), 3).hits]

    with pytest.raises(UploadRefused) as refused:
        await service.add_article(name, data, replace=replace)

    message = str(refused.value)
    assert reason in message, message
    assert "Traceback" not in message and len(message) < 400, "one short sentence a member can read"
    assert snapshot(corpus) == before, "the corpus folder is byte for byte as it was"
    assert outside_bytes(outside) == outside_before, "a symlink target is never written"
    assert not (service.settings.state_dir / "replaced").exists(), "nothing was backed up: nothing was replaced"
    assert [
        (hit.article.id, hit.paragraph.number) for hit in service.ask(Question("border czar"), 3).hits
    ] == answer_before


@pytest.mark.asyncio
async def test_a_good_upload_still_goes_through_after_the_refusals(service: StoryService) -> None:
    for name, data, replace, _ in CASES[:6]:
        with pytest.raises(UploadRefused):
            await service.add_article(name, data, replace=replace)
    report = await service.add_article("fine-article.md", GOOD)
    assert "1 added (fine-article)" in report.summary
    assert (service.settings.corpus_dir / "fine-article.md").read_bytes() == GOOD
