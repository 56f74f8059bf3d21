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
from bot.core.questions import Question
from bot.core.service import StoryService
from bot.core.settings import BUNDLED_CORPUS, load_settings

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


def test_a_big_reload_builds_in_a_child_process_with_the_same_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = open_service(tmp_path)
    (tmp_path / "corpus" / "harbour.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    monkeypatch.setattr(bot.core.service, "CHILD_BUILD_MIN_PARAGRAPHS", 1)
    children = []
    real_build = bot.core.service.build_in_child
    monkeypatch.setattr(bot.core.service, "build_in_child", lambda *a: children.append(real_build(*a)) or children[-1])
    report = asyncio.run(service.reload())
    assert children == [True] and "1 added (harbour)" in report.summary
    assert service.ask(Question("harbour master"), 1).hits[0].article.id == "harbour"
    assert service.ask(Question("border czar"), 3).hits == service.engine.search("border czar", 3).hits


def test_a_failed_child_build_falls_back_to_building_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    service = open_service(tmp_path)
    (tmp_path / "corpus" / "harbour.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    monkeypatch.setattr(bot.core.service, "CHILD_BUILD_MIN_PARAGRAPHS", 1)
    monkeypatch.setattr("index.build_process.sys.executable", str(tmp_path / "no-such-python"))
    with caplog.at_level(logging.WARNING):
        report = asyncio.run(service.reload())
    assert "child process failed" in caplog.text
    assert "1 added (harbour)" in report.summary
    assert service.ask(Question("harbour master"), 1).hits[0].article.id == "harbour"
