"""Killing storybot (SIGKILL, at random moments) while it changes its state loses nothing.

A worker process (tests/crash_worker.py) repeats one operation: an index build and save, a reload, an upload, an
article removal, or a per-guild settings write. The test kills it after a random delay (seeded), looks at what was
left on disk to tell where the kill landed, then restarts: `StoryService.open` must succeed and answer exactly as an
index built afresh from the corpus on disk does, the corpus must hold only whole files that load, and every setting
whose `set()` had returned must still be there. Run with `-s` to see how many kills landed where.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from answers.engine import SearchEngine
from bot.core.questions import Question
from bot.core.service import StoryService
from bot.store import DATABASE_FILE, GuildSettings, GuildSettingsStore
from corpus import load_corpus
from corpus.files import BACKUP_DIRECTORY, TRASH_DIRECTORY
from index.postings_io import CURRENT_FILE, MANIFEST_FILE, load_arrays
from index.store import CORPUS_STATE_FILE, index_directory, index_key, load_or_build
from tests import crash_worker
from tests.crash_worker import (
    ENGINE_SETTINGS,
    EXTRA_FILE,
    UPLOAD_FILE,
    answers,
    extra_article,
    fresh_answers,
    guild_value,
    prepare_corpus,
    removable,
    settings_for,
    upload_version,
)

KILLS_PER_PHASE = 12
KILL_POINTS: dict[str, Counter[str]] = {}


class Worker:
    """The forking worker process; each `kill_during` runs one phase in a fresh child and SIGKILLs it."""

    def __init__(self) -> None:
        environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        environment["OPENBLAS_NUM_THREADS"] = "1"  # no helper threads in a process that forks
        self.process = subprocess.Popen(
            [sys.executable, crash_worker.__file__, "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )

    def kill_during(self, phase: str, corpus: Path, state: Path, marks: Path, base: int, delay: float) -> list[str]:
        """Start the phase, kill it after `delay` seconds, and return the marks it wrote."""
        command = {"phase": phase, "corpus": str(corpus), "state": str(state), "marks": str(marks), "base": base}
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(__import__("json").dumps(command) + "\n")
        self.process.stdin.flush()
        pid = int(self.process.stdout.readline().split()[1])
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        _, child, status = self.process.stdout.readline().split()
        lines = marks.read_text().splitlines() if marks.exists() else []
        assert int(child) == pid
        assert os.WIFSIGNALED(int(status)), f"the {phase} worker stopped by itself: {lines[-3:]}"
        return lines

    def close(self) -> None:
        """Let the worker end (its stdin closes) and wait for it."""
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    started = Worker()
    yield started
    started.close()
    for phase, points in KILL_POINTS.items():
        print(f"\n{phase}: {sum(points.values())} kills: " + ", ".join(f"{n} {p}" for p, n in points.most_common()))


def where_killed(lines: list[str], corpus: Path, state: Path) -> str:
    """Where the kill landed, from the last mark and what was left half-done on disk."""
    last = lines[-1].split()[0] if lines else "start"
    step = {"start": "starting up", "opened": "between operations", "done": "between operations"}.get(last, "")
    step = step or ("removing" if last == "added" else "inside the operation")
    evidence = []
    index = index_directory(state)
    if (index / f"{CURRENT_FILE}.tmp").exists():
        evidence.append("switching CURRENT")
    if index.is_dir() and any(index.glob(f"{CORPUS_STATE_FILE}.*.tmp")):
        evidence.append("recording the corpus folder")
    current = (index / CURRENT_FILE).read_text().strip() if (index / CURRENT_FILE).exists() else ""
    for generation in sorted(index.glob("gen-*")) if index.is_dir() else []:
        if generation.name == current:
            continue
        if not (generation / MANIFEST_FILE).exists():
            texts = any(generation.glob("text_*.npy")) or any(generation.glob("article_*.npy"))
            evidence.append("writing the text store" if texts else "writing index arrays")
        elif generation.name > current:
            evidence.append("index written, not yet current")
        else:
            evidence.append("deleting old generations")
    for folder, what in ((corpus, "writing a corpus file"), (state / BACKUP_DIRECTORY, "writing a backup")):
        if folder.is_dir() and any(folder.glob(".*.tmp")):
            evidence.append(what)
    return step + (f" ({', '.join(sorted(set(evidence)))})" if evidence else "")


def restart_answers_like_a_fresh_build(corpus: Path, state: Path) -> None:
    """Start-up succeeds; the corpus holds only whole files; the served answers equal a fresh build's."""
    on_disk = load_corpus(corpus, max_bytes=1_000_000)
    assert not on_disk.errors, f"a damaged corpus file: {on_disk.errors}"
    assert not [entry for entry in on_disk.skipped if entry.suffix == ".tmp"]
    service = StoryService.open(settings_for(corpus, state))
    assert service.load_errors == ()
    assert answers(lambda query, limit: service.ask(Question(query), limit)) == fresh_answers(on_disk.articles)


def marks_of(lines: list[str], word: str) -> list[int]:
    """The operation numbers of the marks starting with `word`."""
    return [int(line.split()[1]) for line in lines if line.split()[0] == word]


def rounds(phase: str, seed: int, max_delay: float) -> Iterator[tuple[int, float]]:
    """(round, delay) for each kill of a phase, from a seeded generator."""
    rng = random.Random(seed)
    KILL_POINTS[phase] = Counter()
    for number in range(KILLS_PER_PHASE):
        yield number, rng.uniform(0.0, max_delay)


def test_killed_index_saves_leave_the_old_or_the_new_index(worker: Worker, tmp_path: Path) -> None:
    corpus, state = tmp_path / "corpus", tmp_path / "state"
    prepare_corpus(corpus, extra=True)
    loaded = load_corpus(corpus, max_bytes=1_000_000).articles
    variants = {
        index_key(v, ENGINE_SETTINGS.index): v for v in (tuple(a for a in loaded if a.file.name != EXTRA_FILE), loaded)
    }
    committed: str | None = None
    for number, delay in rounds("build", 61, 0.45):
        lines = worker.kill_during("build", corpus, state, tmp_path / f"marks-{number}", number * 10_000, delay)
        KILL_POINTS["build"][where_killed(lines, corpus, state)] += 1
        done = [line.split()[2] for line in lines if line.startswith("done")]
        started = [line.split()[2] for line in lines if line.startswith("begin")]
        possible = {done[-1] if done else committed, started[-1] if started else None} - {None}
        if not possible:
            continue
        manifest, _ = load_arrays(index_directory(state), expected_key=None)
        assert manifest["key"] in possible, "the saved index is the last one saved or the one being saved"
        articles = variants[manifest["key"]]
        reloaded = load_or_build(articles, ENGINE_SETTINGS.index, state)
        assert not reloaded.built, f"the surviving index must load as it is: {reloaded.reason}"
        assert answers(SearchEngine(reloaded.paragraphs, ENGINE_SETTINGS).search) == fresh_answers(articles)
        restart_answers_like_a_fresh_build(corpus, state)
        committed = index_key(loaded, ENGINE_SETTINGS.index)  # the restart rebuilt for the whole corpus if needed
    mid_save = ("writing index arrays", "writing the text store", "not yet current", "switching CURRENT")
    assert any(any(step in point for step in mid_save) for point in KILL_POINTS["build"]), "no kill landed mid-save"


def test_killed_reloads_restart_on_the_corpus_as_it_is(worker: Worker, tmp_path: Path) -> None:
    corpus, state = tmp_path / "corpus", tmp_path / "state"
    prepare_corpus(corpus, extra=False)
    for number, delay in rounds("reload", 62, 0.5):
        lines = worker.kill_during("reload", corpus, state, tmp_path / f"marks-{number}", number * 10_000, delay)
        KILL_POINTS["reload"][where_killed(lines, corpus, state)] += 1
        extra = corpus / EXTRA_FILE
        assert not extra.exists() or extra.read_bytes() == extra_article(), "the article file is whole"
        if lines and lines[-1].startswith("done"):
            assert extra.exists() == bool(int(lines[-1].split()[1]) % 2)
        restart_answers_like_a_fresh_build(corpus, state)


def test_killed_uploads_leave_the_old_or_the_new_file(worker: Worker, tmp_path: Path) -> None:
    corpus, state = tmp_path / "corpus", tmp_path / "state"
    prepare_corpus(corpus, extra=True)
    versions = {upload_version(0), upload_version(1)}
    previous: bytes | None = None
    for number, delay in rounds("upload", 63, 0.5):
        lines = worker.kill_during("upload", corpus, state, tmp_path / f"marks-{number}", number * 10_000, delay)
        KILL_POINTS["upload"][where_killed(lines, corpus, state)] += 1
        upload = corpus / UPLOAD_FILE
        done, started = marks_of(lines, "done"), marks_of(lines, "begin")
        before = {upload_version(done[-1])} if done else {previous}
        allowed = before | {upload_version(n) for n in started[-1:]}
        previous = upload.read_bytes() if upload.exists() else None
        assert previous in allowed, "the upload is the last one made or the one being made, whole"
        for backup in (state / BACKUP_DIRECTORY).glob("*"):
            assert backup.name.startswith(".") or backup.read_bytes() in versions, "a replaced file is kept whole"
        restart_answers_like_a_fresh_build(corpus, state)


def test_killed_removals_keep_each_article_in_exactly_one_place(worker: Worker, tmp_path: Path) -> None:
    corpus, state = tmp_path / "corpus", tmp_path / "state"
    prepare_corpus(corpus, extra=True)
    begun: set[int] = set()
    added: set[int] = set()
    removed: set[int] = set()
    for number, delay in rounds("remove", 64, 0.6):
        lines = worker.kill_during("remove", corpus, state, tmp_path / f"marks-{number}", number * 10_000, delay)
        KILL_POINTS["remove"][where_killed(lines, corpus, state)] += 1
        begun |= set(marks_of(lines, "begin"))
        added |= set(marks_of(lines, "added"))
        removed |= set(marks_of(lines, "done"))
        in_corpus = [p.read_bytes() for p in corpus.iterdir() if p.name.startswith("gone-")]
        in_trash = [p.read_bytes() for p in (state / TRASH_DIRECTORY).glob("*") if not p.name.startswith(".")]
        for article in begun:
            places = in_corpus.count(removable(article)) + in_trash.count(removable(article))
            if article in added:  # written to the corpus: from then on it is in the corpus or the trash, never lost
                assert places == 1, f"article {article} is in {places} places"
            assert places <= 1, f"article {article} is in {places} places"
            if article in removed:
                assert removable(article) in in_trash and removable(article) not in in_corpus
        whole = {removable(article) for article in begun}
        assert all(content in whole for content in in_corpus + in_trash), "only whole files of articles added"
        restart_answers_like_a_fresh_build(corpus, state)


def test_killed_settings_writes_keep_every_committed_setting(worker: Worker, tmp_path: Path) -> None:
    state = tmp_path / "state"
    confirmed: dict[int, int] = {}
    for number, delay in rounds("guild", 65, 0.25):
        lines = worker.kill_during("guild", tmp_path, state, tmp_path / f"marks-{number}", number * 100_000, delay)
        KILL_POINTS["guild"][
            ("with a write in flight" if lines[-1].startswith("begin") else "between writes")
            if lines
            else "starting up"
        ] += 1
        for operation in marks_of(lines, "done"):
            guild, results = guild_value(operation)
            confirmed[guild] = results
        in_flight = marks_of(lines, "begin")[-1:] if lines and lines[-1].startswith("begin") else []

        async def check(in_flight: list[int]) -> None:
            store = await GuildSettingsStore.open(state, GuildSettings())
            try:
                for guild, results in list(confirmed.items()):
                    allowed = {results} | {guild_value(n)[1] for n in in_flight if guild_value(n)[0] == guild}
                    stored = (await store.get(guild)).results
                    assert stored in allowed, f"guild {guild} lost a committed setting"
                    # A write in flight when the worker was killed may have committed: later rounds start from it.
                    confirmed[guild] = stored
            finally:
                await store.close()

        asyncio.run(check(in_flight))
        with sqlite3.connect(state / DATABASE_FILE) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert confirmed, "the worker committed settings before being killed"
