"""The hostile moderator against StoryService's removals and uploads: files with CRLF and byte-order marks, ids that
would collide after a naive rewrite, files changed or deleted behind the bot's back, two changes at once, a trash
on a full disk, an undo that cannot write. Nothing is ever lost and every other article keeps its id."""

from __future__ import annotations

import asyncio
import codecs
import errno
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import corpus.edits
import corpus.files
import index.store
import storage.durable_files
from bot.core.changes import CorpusRefused, NeedsConfirmation
from bot.core.service import StoryService
from bot.core.settings import BUNDLED_CORPUS, Settings
from corpus import Corpus, load_corpus
from corpus.loaders import parse_file
from corpus.removal import RemovalRefused, plan_removal
from tests.corpus_faults import full_state_disk, snapshot, two_volumes


def line(title: str, **extra: object) -> str:
    return json.dumps({**extra, "title": title, "text": f"{title} is about the tides of the bay."})


def open_service(tmp_path: Path, files: dict[str, bytes]) -> StoryService:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for story in BUNDLED_CORPUS.iterdir():
        (folder / story.name).write_bytes(story.read_bytes())
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return StoryService.open(Settings(corpus_dir=folder, state_dir=tmp_path / "state"))


def on_disk(service: StoryService) -> dict[str, str]:
    loaded = load_corpus(service.settings.corpus_dir, max_bytes=1_000_000)
    assert not loaded.errors
    return {article.id: article.content_hash() for article in loaded.articles}


def without(hashes: dict[str, str], *ids: str) -> dict[str, str]:
    return {key: value for key, value in hashes.items() if key not in ids}


def test_a_crlf_jsonl_with_a_byte_order_mark_keeps_its_form_and_its_other_lines(tmp_path: Path) -> None:
    lines = [line("One"), line("Two"), "", line("Three", id="own"), line("Four")]
    data = codecs.BOM_UTF8 + ("\r\n".join(lines) + "\r\n").encode()
    service = open_service(tmp_path, {"feed.jsonl": data})
    before = on_disk(service)
    asyncio.run(service.remove_article("feed-2"))
    assert on_disk(service) == without(before, "feed-2")
    after = (service.settings.corpus_dir / "feed.jsonl").read_bytes()
    assert after.startswith(codecs.BOM_UTF8) and after.count(b"\r\n") == 4 and b"\n" not in after.replace(b"\r\n", b"")
    kept = after.removeprefix(codecs.BOM_UTF8).decode().split("\r\n")
    assert kept[:3] == [lines[0], "", lines[3]], "the lines before it and the ones with their own id are untouched"
    assert json.loads(kept[3])["id"] == "feed-4", "the record after it keeps its id (blank lines do not count)"


def test_an_id_that_a_naive_renumbering_would_collide_with_is_kept_apart(tmp_path: Path) -> None:
    # feed-1, then "feed-3" by its own id, then "gamma", then the 4th record: feed-4. Renumbering after removing
    # feed-1 would make the 4th record feed-3, the id the second record already has.
    lines = [line("One"), line("Own three", id="feed-3"), line("Gamma", id="gamma"), line("Four"), line("Five")]
    service = open_service(tmp_path, {"feed.jsonl": ("\n".join(lines) + "\n").encode()})
    before = on_disk(service)
    assert {"feed-1", "feed-3", "gamma", "feed-4", "feed-5"} <= before.keys()
    asyncio.run(service.remove_article("feed-1"))
    assert on_disk(service) == without(before, "feed-1")
    asyncio.run(service.remove_article("gamma"))
    assert on_disk(service) == without(before, "feed-1", "gamma")


def test_a_json_list_keeps_every_other_item_and_id_including_a_null_id(tmp_path: Path) -> None:
    items = [{"title": f"Item {n}", "text": f"Item {n} text."} for n in range(1, 6)]
    items[3]["id"] = None
    items[4]["id"] = "five"
    service = open_service(tmp_path, {"batch.json": json.dumps(items, indent=1).encode()})
    before = on_disk(service)
    report, kept = asyncio.run(service.remove_article("batch-2"))
    assert "1 removed (batch-2)" in report.summary and "0 changed" in report.summary
    assert on_disk(service) == without(before, "batch-2")
    assert json.loads(kept.read_bytes()) == items, "the trash keeps the old version"


def test_the_last_article_of_a_file_takes_the_file_and_a_file_name_takes_a_bad_file(tmp_path: Path) -> None:
    service = open_service(tmp_path, {"solo.jsonl": (line("Solo") + "\n").encode(), "broken.json": b"{"})
    assert len(service.load_errors) == 1
    with pytest.raises(CorpusRefused, match=r"broken\.json"):  # a reload is refused while a bad file is there
        asyncio.run(service.remove_article("solo-1"))
    assert (service.settings.corpus_dir / "solo.jsonl").exists(), "and the removal was undone"
    report, kept = asyncio.run(service.remove_article("broken.json"))  # no article of it is served: nothing to confirm
    assert kept.read_bytes() == b"{" and "0 removed" in report.summary
    asyncio.run(service.remove_article("solo-1"))
    assert not (service.settings.corpus_dir / "solo.jsonl").exists()


def test_files_changed_or_deleted_behind_the_bots_back_are_refused_clearly(tmp_path: Path) -> None:
    feed = "\n".join(line(t) for t in ("One", "Two", "Three")) + "\n"
    service = open_service(tmp_path, {"feed.jsonl": feed.encode(), "note.md": b"# Note\n\nA note.\n"})
    folder = service.settings.corpus_dir
    (folder / "note.md").unlink()
    with pytest.raises(CorpusRefused, match=r"`note.md`, the file of `note`, is no longer in the corpus folder"):
        asyncio.run(service.remove_article("note"))
    (folder / "feed.jsonl").write_text(line("One") + "\n", encoding="utf-8")
    with pytest.raises(CorpusRefused, match=r"`feed-3` is no longer in `feed.jsonl` on disk; reload first"):
        asyncio.run(service.remove_article("feed-3"))
    with pytest.raises(CorpusRefused, match="no file of that name"):
        asyncio.run(service.remove_article("gone.jsonl"))
    with pytest.raises(CorpusRefused, match="not a path"):
        asyncio.run(service.remove_article("../../etc/passwd"))
    with pytest.raises(NeedsConfirmation) as needed:  # feed-2, feed-3 and note are gone from disk: 3 would go
        asyncio.run(service.reload())
    assert needed.value.plan.going == {"feed-2", "feed-3", "note"}
    assert len(service.corpus) == 6


def test_a_removal_that_would_also_drop_an_article_deleted_behind_its_back_asks_first(tmp_path: Path) -> None:
    service = open_service(tmp_path, {"a.md": b"# A\n\nAlpha.\n", "b.md": b"# B\n\nBeta.\n"})
    (service.settings.corpus_dir / "b.md").unlink()
    before = snapshot(service.settings.corpus_dir)
    with pytest.raises(NeedsConfirmation) as needed:
        asyncio.run(service.remove_article("a"))
    assert needed.value.plan.going == {"a", "b"} and snapshot(service.settings.corpus_dir) == before
    asyncio.run(service.remove_article("a", confirmed=needed.value.plan.going))
    assert {"a", "b"}.isdisjoint(article.id for article in service.corpus.articles)


def test_two_moderators_removing_and_uploading_at_once_lose_nothing(tmp_path: Path) -> None:
    feed = "\n".join(line(f"Story {n}") for n in range(1, 9)) + "\n"
    service = open_service(tmp_path, {"feed.jsonl": feed.encode()})
    before = on_disk(service)

    async def together() -> list[object]:
        return await asyncio.gather(
            service.remove_article("feed-2"),
            service.remove_article("feed-5"),
            service.add_article("extra.md", b"# Extra\n\nAn extra story.\n"),
            service.reload(),
            service.remove_article("feed-7"),
            return_exceptions=True,
        )

    outcomes = asyncio.run(together())
    assert not [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    expected = without(before, "feed-2", "feed-5", "feed-7")
    assert without(on_disk(service), "extra") == expected
    assert {article.id for article in service.corpus.articles} == set(expected) | {"extra"}


def test_any_failure_of_the_reindex_puts_the_corpus_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    feed = "\n".join(line(f"Story {n}") for n in range(1, 4)) + "\n"
    service = open_service(tmp_path, {"feed.jsonl": feed.encode()})
    before = snapshot(service.settings.corpus_dir)

    def broken_build(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the index build")

    monkeypatch.setattr(index.store.ParagraphIndex, "build", broken_build)
    with pytest.raises(RuntimeError):
        asyncio.run(service.remove_article("feed-2"))
    with pytest.raises(RuntimeError):
        asyncio.run(service.add_article("extra.md", b"# Extra\n\nAn extra story.\n"))
    assert snapshot(service.settings.corpus_dir) == before
    assert not list((service.settings.state_dir / "trash").glob("*")), "an undone removal leaves no copy behind"


def test_the_trash_on_a_full_disk_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = open_service(tmp_path, {"a.md": b"# A\n\nAlpha.\n"})
    before = snapshot(service.settings.corpus_dir)
    two_volumes(monkeypatch)
    state = service.settings.state_dir.resolve()
    real_write = storage.durable_files.write_durably

    def full_state(path: Path, data: bytes) -> None:
        if path.resolve().is_relative_to(state):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(path, data)

    monkeypatch.setattr(storage.durable_files, "write_durably", full_state)
    with pytest.raises(CorpusRefused) as refused:
        asyncio.run(service.remove_article("a"))
    assert str(refused.value) == (
        "Nothing changed: moving the file to the trash in the state folder failed (No space left on device)."
    )
    assert snapshot(service.settings.corpus_dir) == before and service.corpus.get("a") is not None


def test_an_undo_that_cannot_write_says_where_the_old_version_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = open_service(tmp_path, {"a.md": b"# A\n\nAlpha.\n"})
    two_volumes(monkeypatch)
    full_state_disk(monkeypatch)

    def full_corpus(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(corpus.edits, "atomic_write", full_corpus)
    with pytest.raises(CorpusRefused) as refused:
        asyncio.run(service.remove_article("a"))
    (kept,) = (service.settings.state_dir / "trash").iterdir()
    assert kept.read_bytes() == b"# A\n\nAlpha.\n"
    assert str(refused.value).startswith(
        "The change failed (the new index could not be saved in the state folder (No space left on device)) and "
        "`a.md` could not be put back (No space left on device)"
    )
    assert f"its previous version is kept in the state folder as `{kept.name}`" in str(refused.value)
    assert "Move it back into the corpus folder, then reload." in str(refused.value)
    assert service.corpus.get("a") is not None, "the previous index keeps serving"


def test_a_rewrite_that_would_outgrow_the_size_cap_is_refused_clearly(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    records = "\n".join(json.dumps({"title": f"T{n}", "text": f"Tide {n}."}) for n in range(1, 27)) + "\n"
    assert 900 < len(records) <= 1_000
    (folder / "f.jsonl").write_text(records, encoding="utf-8")
    service = StoryService.open(Settings(corpus_dir=folder, state_dir=tmp_path / "state", max_file_bytes=1_000))
    with pytest.raises(CorpusRefused, match=r"write the ids of the 25 records after it into `f.jsonl`.*over the 1,000"):
        asyncio.run(service.remove_article("f-1"))
    assert (folder / "f.jsonl").read_text(encoding="utf-8") == records
    asyncio.run(service.remove_article("f-26"))  # the last one: no id to write
    assert len(service.corpus) == 25


own_ids = st.one_of(st.none(), st.sampled_from(["alpha", "beta", "feed-2", "feed-3", "feed-9", "Feed 4"]))
BAD_LINES = ['{"title": "Cut', "[1, 2]", '{"text": "no title"}', '{"title": "Half \\ud800", "text": "x"}', "\ufeff{}"]
kinds = st.one_of(st.none(), st.sampled_from(BAD_LINES))  # None: a good record


@settings(max_examples=80, deadline=None)
@given(
    records=st.lists(st.tuples(own_ids, st.booleans(), kinds), min_size=2, max_size=12),
    crlf=st.booleans(),
    as_list=st.booleans(),
    pick=st.integers(0, 100),
)
def test_removing_any_article_of_any_multi_article_file_keeps_every_other_one(
    tmp_path_factory: pytest.TempPathFactory,
    records: list[tuple[str | None, bool, str | None]],
    crlf: bool,
    as_list: bool,
    pick: int,
) -> None:
    """Own ids (some equal to another record's position id, which makes that record bad), bad records of every kind,
    blank lines, CRLF, a .json list or a .jsonl: whichever article goes, every other one keeps its id and content and
    the bad records stay bad; the one refusal is where a bad record would come back to life under the removed id."""
    folder = tmp_path_factory.mktemp("corpus")
    items = [
        {"title": f"T{n}", "text": f"Tide {n}."} | ({"id": own} if own else {}) for n, (own, _, _) in enumerate(records)
    ]
    if as_list:
        listed = [
            json.loads(bad) if bad and bad[0] in "[{" and bad != BAD_LINES[0] else item
            for item, (_, _, bad) in zip(items, records, strict=True)
        ]
        name, data = "feed.json", json.dumps(listed).encode()
    else:
        newline = "\r\n" if crlf else "\n"
        lines = [
            (bad or json.dumps(item)) + (newline if blank else "")
            for item, (_, blank, bad) in zip(items, records, strict=True)
        ]
        name, data = "feed.jsonl", newline.join(lines).encode()
    (folder / name).write_bytes(data)
    contents = parse_file(name, data, max_bytes=100_000, path=folder / name)
    if len(contents.articles) < 2:
        return
    target = contents.articles[pick % len(contents.articles)].id
    try:
        plan = plan_removal(Corpus(contents.articles), folder, target, max_bytes=100_000)
    except RemovalRefused:
        # Only where a bad record (an id used twice) would come back to life under the removed article's id.
        assert contents.errors and any(f"'{target}' is used twice" in str(error) for error in contents.errors)
        return
    assert plan.removed == (target,) and plan.edit.after is not None
    after = parse_file(name, plan.edit.after, max_bytes=100_000, path=folder / name)
    expected = {a.id: a.content_hash() for a in contents.articles if a.id != target}
    assert {a.id: a.content_hash() for a in after.articles} == expected
    assert len(after.errors) == len(contents.errors)
