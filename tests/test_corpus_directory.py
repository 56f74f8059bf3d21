"""Scanning a corpus directory, the Corpus collection, fingerprints and diffs between two scans."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from corpus import Corpus, CorpusFileError, diff_corpora, load_corpus

STORY = Path(__file__).resolve().parent.parent / "corpus" / "story"
LIMIT = 1_000_000


def write(directory: Path, name: str, content: str | bytes) -> Path:
    """Write a file of the corpus directory."""
    path = directory / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def story_copy(tmp_path: Path) -> Path:
    """A copy of the bundled story that a test may change."""
    directory = tmp_path / "corpus"
    shutil.copytree(STORY, directory)
    for path in directory.iterdir():
        path.chmod(0o644)
    return directory


def test_bundled_story_loads_without_errors() -> None:
    loaded = load_corpus(STORY, max_bytes=LIMIT)
    assert loaded.errors == ()
    assert loaded.skipped == ()
    assert [article.id for article in loaded.articles] == [
        "harris-goes-on-offensive-on-immigration",
        "harris-team-panicked-over-border-assignment",
    ]
    assert len(loaded.corpus) == 2
    assert loaded.corpus.paragraph_count == 16 + 25


def test_bad_files_are_collected_and_good_files_still_load(tmp_path: Path) -> None:
    write(tmp_path, "a-good.txt", "Good\n\nText.\n")
    write(tmp_path, "b-empty.txt", "")
    write(tmp_path, "c-latin1.md", b"# T\n\n\xe9\n")
    write(tmp_path, "d-broken.json", '{"title": "T",\n "text": }')
    write(tmp_path, "e-good.jsonl", '{"title": "E", "text": "e"}\n')
    loaded = load_corpus(tmp_path, max_bytes=LIMIT)
    assert [article.id for article in loaded.articles] == ["a-good", "e-good-1"]
    assert [str(error).split(": ")[0] for error in loaded.errors] == ["b-empty.txt", "c-latin1.md:3", "d-broken.json:2"]


def test_duplicate_article_id_is_an_error_on_the_second_file(tmp_path: Path) -> None:
    write(tmp_path, "Report.md", "# From markdown\n\nText.\n")
    write(tmp_path, "report.txt", "From text\n\nOther text.\n")
    loaded = load_corpus(tmp_path, max_bytes=LIMIT)
    assert [(article.id, article.title) for article in loaded.articles] == [("report", "From markdown")]
    [error] = loaded.errors
    assert str(error) == "report.txt: the article id 'report' is already used by Report.md; rename one of the files"


def test_unsupported_hidden_and_non_regular_entries_are_not_loaded(tmp_path: Path) -> None:
    write(tmp_path, "story.txt", "Story\n\nText.\n")
    notes = write(tmp_path, "notes.pdf", b"%PDF-1.4\x00")
    write(tmp_path, ".hidden.txt", "")
    write(tmp_path, ".story.txt.123.tmp", "half written")
    (tmp_path / "trash").mkdir()
    write(tmp_path / "trash", "old.txt", "Old\n\nText.\n")
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "story.txt")
    loaded = load_corpus(tmp_path, max_bytes=LIMIT)
    assert [article.id for article in loaded.articles] == ["story"]
    assert loaded.errors == ()
    assert loaded.skipped == (link, notes)


def test_missing_directory_raises_naming_it(tmp_path: Path) -> None:
    with pytest.raises(CorpusFileError, match=r"^nowhere: the corpus directory .*nowhere does not exist"):
        load_corpus(tmp_path / "nowhere", max_bytes=LIMIT)


def test_fingerprint_depends_on_content_not_on_file_times(tmp_path: Path) -> None:
    directory = story_copy(tmp_path)
    first = load_corpus(directory, max_bytes=LIMIT).corpus.fingerprint()
    for path in directory.iterdir():
        os.utime(path, (1_000_000_000, 1_000_000_000))
    assert load_corpus(directory, max_bytes=LIMIT).corpus.fingerprint() == first
    assert load_corpus(STORY, max_bytes=LIMIT).corpus.fingerprint() == first

    path = directory / "harris-goes-on-offensive-on-immigration.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("Atlanta", "Savannah"), encoding="utf-8")
    assert load_corpus(directory, max_bytes=LIMIT).corpus.fingerprint() != first


def test_diff_summary_names_added_removed_and_changed_articles(tmp_path: Path) -> None:
    directory = story_copy(tmp_path)
    before = load_corpus(directory, max_bytes=LIMIT).corpus
    write(directory, "harris-x.md", "# New\n\nOne.\n\nTwo.\n")
    changed = directory / "harris-team-panicked-over-border-assignment.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nA new closing paragraph.\n", encoding="utf-8")
    (directory / "harris-goes-on-offensive-on-immigration.txt").unlink()
    after = load_corpus(directory, max_bytes=LIMIT).corpus

    diff = diff_corpora(before, after)
    assert diff.added == ("harris-x",)
    assert diff.removed == ("harris-goes-on-offensive-on-immigration",)
    assert diff.changed == ("harris-team-panicked-over-border-assignment",)
    assert diff.summary() == (
        "1 added (harris-x), 1 removed (harris-goes-on-offensive-on-immigration), "
        "1 changed (harris-team-panicked-over-border-assignment); 41 → 28 paragraphs"
    )
    assert diff_corpora(after, after).summary() == "0 added, 0 removed, 0 changed; 28 → 28 paragraphs"


def test_paragraph_numbers_of_an_article_do_not_shift_when_another_file_changes(tmp_path: Path) -> None:
    directory = story_copy(tmp_path)
    panicked = "harris-team-panicked-over-border-assignment"
    before = load_corpus(directory, max_bytes=LIMIT).corpus.get(panicked)
    write(directory, "aaa-first.txt", "Sorted first\n\nOne.\n\nTwo.\n\nThree.\n")
    other = directory / "harris-goes-on-offensive-on-immigration.txt"
    other.write_text("Shorter\n\nOnly one paragraph now.\n", encoding="utf-8")
    after = load_corpus(directory, max_bytes=LIMIT).corpus.get(panicked)
    assert before is not None and after is not None
    assert after.paragraphs == before.paragraphs


def test_corpus_get_and_find(tmp_path: Path) -> None:
    write(tmp_path, "border.txt", "Border report\n\nText.\n")
    write(tmp_path, "harris-border.txt", "Harris on the border\n\nText.\n")
    write(tmp_path, "other.txt", "Something else: border talk\n\nText.\n")
    corpus = load_corpus(tmp_path, max_bytes=LIMIT).corpus
    harris = corpus.get("harris-border")
    assert harris is not None and harris.title == "Harris on the border"
    assert corpus.get("Harris-Border") is None
    assert [article.id for article in corpus.find("harris-border")] == ["harris-border"]
    assert [article.id for article in corpus.find("`Harris Border`")] == ["harris-border"]
    assert [article.id for article in corpus.find("BORDER")] == ["border"]
    assert [article.id for article in corpus.find("bord")] == ["border", "harris-border", "other"]
    assert [article.id for article in corpus.find("on the")] == ["harris-border"]
    assert corpus.find("nothing like it") == []
    assert corpus.find("  ") == []


def test_corpus_refuses_two_articles_with_one_id(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", "A\n\nText.\n")
    [article] = load_corpus(tmp_path, max_bytes=LIMIT).articles
    with pytest.raises(ValueError):
        Corpus((article, article))
