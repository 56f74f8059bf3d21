"""Reloads that keep the event loop free: big builds in a child process, and collections paused then settled —
without keeping old indexes alive."""

from __future__ import annotations

import asyncio
import gc
import logging
import shutil
import weakref
from pathlib import Path

import pytest

import bot.core.service
import index.build_process
from bot.core.changes import CorpusRefused, NeedsConfirmation
from bot.core.questions import Question
from bot.core.service import StoryService
from bot.core.settings import BUNDLED_CORPUS, load_settings
from index.build_process import BuildOutcome, corpus_is_large

NEW_ARTICLE = "Harbour news\n\nThe harbour master spoke of the lighthouse keeper.\n"


def open_service(tmp_path: Path) -> StoryService:
    shutil.copytree(BUNDLED_CORPUS, tmp_path / "corpus")
    return StoryService.open(load_settings(None, corpus_dir=tmp_path / "corpus", state_dir=tmp_path / "state"))


def test_a_reload_frees_the_engine_it_replaced(tmp_path: Path) -> None:
    service = open_service(tmp_path)
    for question, who in (("border czar", True), ("say it to my face", True), ("Biden assignment", False)):
        assert service.ask(Question(question, who=who), 3).hits
    old = weakref.ref(service.engine)
    old_article = weakref.ref(service.engine.articles[0])
    (tmp_path / "corpus" / "harbour.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    asyncio.run(service.reload())
    assert old() is None and old_article() is None, "freed by reference counting, frozen or not"
    assert gc.isenabled()


def big_corpus_threshold(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Treat every corpus as large, and record what each child build returned."""
    monkeypatch.setattr(index.build_process, "CHILD_BUILD_MIN_PARAGRAPHS", 1)
    outcomes: list[object] = []
    real_build = bot.core.service.build_in_child
    monkeypatch.setattr(bot.core.service, "build_in_child", lambda *a: outcomes.append(real_build(*a)) or outcomes[-1])
    return outcomes


def parse_nothing_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the serving process reads the corpus files itself."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the serving process parsed the corpus")

    monkeypatch.setattr(bot.core.service, "load_corpus", refuse)


def test_a_big_reload_is_read_and_built_in_a_child_process_with_the_same_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = open_service(tmp_path)
    (tmp_path / "corpus" / "harbour.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    outcomes = big_corpus_threshold(monkeypatch)
    parse_nothing_here(monkeypatch)
    report = asyncio.run(service.reload())
    assert len(outcomes) == 1 and isinstance(outcomes[0], BuildOutcome)
    assert "1 added (harbour)" in report.summary and report.paragraphs == service.engine.paragraph_count
    assert service.ask(Question("harbour master"), 1).hits[0].article.id == "harbour"
    assert service.ask(Question("border czar"), 3).hits == service.engine.search("border czar", 3).hits
    assert service.find_articles("harbour")[0].title == "Harbour news"


def test_a_big_reload_with_a_bad_file_is_refused_with_the_file_named_and_the_old_index_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = open_service(tmp_path)
    serving = service.engine
    (tmp_path / "corpus" / "broken.json").write_text('{"title": "Broken", "paragraphs": [', encoding="utf-8")
    big_corpus_threshold(monkeypatch)
    parse_nothing_here(monkeypatch)
    with pytest.raises(CorpusRefused) as refused:
        asyncio.run(service.reload())
    assert [error.path.name for error in refused.value.errors] == ["broken.json"]
    assert "broken.json" in str(refused.value) and service.engine is serving
    assert service.ask(Question("border czar", who=True), 3).hits


def test_a_big_reload_that_removes_several_articles_asks_first_then_does_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = open_service(tmp_path)
    serving = service.engine
    gone = {article.id for article in service.corpus.articles}
    for path in (tmp_path / "corpus").iterdir():
        path.unlink()
    (tmp_path / "corpus" / "harbour.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    big_corpus_threshold(monkeypatch)
    parse_nothing_here(monkeypatch)
    with pytest.raises(NeedsConfirmation) as asked:
        asyncio.run(service.reload())
    assert asked.value.plan.going == gone and service.engine is serving
    report = asyncio.run(service.reload(confirmed=asked.value.plan.going))
    assert f"{len(gone)} removed" in report.summary and [a.id for a in service.corpus.articles] == ["harbour"]


def test_a_failed_child_build_falls_back_to_building_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    service = open_service(tmp_path)
    (tmp_path / "corpus" / "harbour.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    monkeypatch.setattr(index.build_process, "CHILD_BUILD_MIN_PARAGRAPHS", 1)
    monkeypatch.setattr("index.build_process.sys.executable", str(tmp_path / "no-such-python"))
    with caplog.at_level(logging.WARNING):
        report = asyncio.run(service.reload())
    assert "child process failed" in caplog.text
    assert "1 added (harbour)" in report.summary
    assert service.ask(Question("harbour master"), 1).hits[0].article.id == "harbour"


def test_a_folder_grown_past_the_size_of_a_large_corpus_is_built_in_a_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = open_service(tmp_path)
    assert not corpus_is_large(tmp_path / "corpus", service.engine.paragraph_count)
    monkeypatch.setattr(index.build_process, "CHILD_BUILD_MIN_BYTES", 4_000)
    (tmp_path / "corpus" / "harbour.txt").write_text(NEW_ARTICLE + "\nThe lighthouse.\n" * 300, encoding="utf-8")
    assert corpus_is_large(tmp_path / "corpus", service.engine.paragraph_count)
    parse_nothing_here(monkeypatch)
    assert "1 added (harbour)" in asyncio.run(service.reload()).summary
