"""Corpus changes across a cluster, without Discord: two story services (two processes' worth: each its own state
folder, one shared corpus folder, one PostgreSQL) kept in step by bot/store/cluster.py.

A change in one is followed by the other; a notification lost with a dropped LISTEN connection, or never sent,
is caught up; two reloads at once end with both serving the folder; a change while the database is unreachable
is refused with nothing changed.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from bot.core.changes import CorpusRefused
from bot.core.questions import Question
from bot.core.service import StoryService
from bot.core.settings import BUNDLED_CORPUS, Settings
from bot.store import GuildSettings
from bot.store.cluster import CorpusCoordinator, corpus_fingerprint
from bot.store.postgres import PostgresGuildStore
from testing.postgres_server import PostgresServer
from tests.test_store_postgres import terminate_connections

EXTRA = "Harbour news\n\n---\n\nThe zanzibarian ferries sail again on Monday.\n\n---\n"


@dataclass
class Member:
    """One process's worth of the cluster: its service, store and coordinator."""

    service: StoryService
    store: PostgresGuildStore
    coordinator: CorpusCoordinator

    def serves(self, article_id: str) -> bool:
        """Whether the article is in the corpus this member serves."""
        return self.service.corpus.get(article_id) is not None


async def eventually(check: Callable[[], bool], what: str, seconds: float = 5.0) -> float:
    """Wait (bounded) until `check()`; the seconds it took."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, f"{what} within {seconds} s"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


@asynccontextmanager
async def member(corpus: Path, state: Path, url: str, catch_up_seconds: float = 30.0) -> AsyncIterator[Member]:
    """A service on the shared corpus folder with its own state folder, following the cluster."""
    service = await asyncio.to_thread(StoryService.open, Settings(corpus_dir=corpus, state_dir=state))
    store = await PostgresGuildStore.open(url, GuildSettings())
    coordinator = CorpusCoordinator(store, service, catch_up_seconds=catch_up_seconds)
    await coordinator.start()
    try:
        await asyncio.wait_for(store.listening.wait(), timeout=5)
        yield Member(service, store, coordinator)
    finally:
        await coordinator.stop()
        await store.close()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the bundled story: the cluster's shared corpus folder."""
    folder = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, folder)
    return folder


async def database_row(url: str) -> asyncpg.Record:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchrow("SELECT generation, fingerprint FROM corpus_state")
    finally:
        await connection.close()


@pytest.mark.asyncio
async def test_an_upload_in_one_process_is_served_by_the_other(tmp_path: Path, corpus: Path, postgres_url: str) -> None:
    async with (
        member(corpus, tmp_path / "a", postgres_url) as a,
        member(corpus, tmp_path / "b", postgres_url) as b,
    ):
        await a.service.add_article("harbour.txt", EXTRA.encode())
        await eventually(lambda: b.serves("harbour"), "b serving a's upload")
        row = await database_row(postgres_url)
        assert row["generation"] == 1 and row["fingerprint"] == corpus_fingerprint(b.service.corpus.articles)
        assert (tmp_path / "b" / "index").is_dir(), "b built its own index in its own state folder"
        assert b.coordinator.follows == 1 and a.coordinator.follows == 0, "a change is followed, never echoed"


@pytest.mark.asyncio
async def test_a_notification_lost_with_the_listen_connection_is_caught_up(
    tmp_path: Path, corpus: Path, postgres_url: str, postgres_server: PostgresServer
) -> None:
    async with (
        member(corpus, tmp_path / "a", postgres_url) as a,
        member(corpus, tmp_path / "b", postgres_url) as b,
    ):
        database = postgres_url.rsplit("/", 1)[1]
        postgres_server.psql(f"ALTER DATABASE {database} ALLOW_CONNECTIONS false")
        try:
            await terminate_connections(postgres_server.url(), database)  # b's LISTEN is gone, and stays gone
            await asyncio.sleep(0.2)
            assert not b.store.listening.is_set()
        finally:
            postgres_server.psql(f"ALTER DATABASE {database} ALLOW_CONNECTIONS true")
        (corpus / "harbour.txt").write_text(EXTRA, encoding="utf-8")
        await a.service.reload()  # NOTIFY goes out while b may not listen yet
        await eventually(lambda: b.serves("harbour"), "b catching up after reconnecting", seconds=15)


@pytest.mark.asyncio
async def test_a_generation_never_notified_is_caught_up_by_the_periodic_check(
    tmp_path: Path, corpus: Path, postgres_url: str
) -> None:
    async with member(corpus, tmp_path / "b", postgres_url, catch_up_seconds=0.3) as b:
        (corpus / "harbour.txt").write_text(EXTRA, encoding="utf-8")
        # Another process's announcement whose NOTIFY never arrived: only the row says so.
        ahead = await asyncio.to_thread(StoryService.open, Settings(corpus_dir=corpus, state_dir=tmp_path / "c"))
        connection = await asyncpg.connect(postgres_url)
        try:
            await connection.execute(
                "UPDATE corpus_state SET generation = generation + 1, fingerprint = $1",
                corpus_fingerprint(ahead.corpus.articles),
            )
        finally:
            await connection.close()
        await eventually(lambda: b.serves("harbour"), "b following the generation it was never told about")


@pytest.mark.asyncio
async def test_two_processes_reloading_at_once_both_serve_the_folder(
    tmp_path: Path, corpus: Path, postgres_url: str
) -> None:
    async with (
        member(corpus, tmp_path / "a", postgres_url) as a,
        member(corpus, tmp_path / "b", postgres_url) as b,
    ):
        for round_ in range(3):
            (corpus / f"extra-{round_}.txt").write_text(EXTRA.replace("Harbour", f"Harbour {round_}"), "utf-8")
            await asyncio.gather(a.service.reload(), b.service.reload())
            wanted = corpus_fingerprint(a.service.corpus.articles)
            assert corpus_fingerprint(b.service.corpus.articles) == wanted
            assert a.serves(f"extra-{round_}") and b.serves(f"extra-{round_}")
            assert (await database_row(postgres_url))["fingerprint"] == wanted
        for one in (a, b):
            assert one.service.ask(Question("zanzibarian ferries"), 3).hits, "each index answers"


@pytest.mark.asyncio
async def test_a_change_while_the_database_is_unreachable_is_refused_and_changes_nothing(
    tmp_path: Path, corpus: Path, postgres_url: str, postgres_server: PostgresServer
) -> None:
    async with member(corpus, tmp_path / "a", postgres_url) as a:
        database = postgres_url.rsplit("/", 1)[1]
        postgres_server.psql(f"ALTER DATABASE {database} ALLOW_CONNECTIONS false")
        try:
            await terminate_connections(postgres_server.url(), database)
            with pytest.raises(CorpusRefused, match="database can't be reached"):
                await a.service.add_article("harbour.txt", EXTRA.encode())
        finally:
            postgres_server.psql(f"ALTER DATABASE {database} ALLOW_CONNECTIONS true")
        assert not (corpus / "harbour.txt").exists() and not a.serves("harbour"), "nothing changed"
        await retry_until_up(lambda: a.service.add_article("harbour.txt", EXTRA.encode()))
        assert a.serves("harbour")
        assert (await database_row(postgres_url))["generation"] == 1


async def retry_until_up(change: Callable[[], Awaitable[object]], seconds: float = 10.0) -> None:
    """Make the change once the database takes connections again (the pool reconnects on its own)."""
    started = time.monotonic()
    while True:
        try:
            await change()
            return
        except CorpusRefused:
            assert time.monotonic() - started < seconds, "the database back within the bound"
            await asyncio.sleep(0.2)
