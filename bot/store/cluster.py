"""Several processes, one corpus: corpus changes coordinated through PostgreSQL (LISTEN/NOTIFY of a generation).

Every process of a cluster reads the same corpus folder (a shared volume) and builds or loads its own index.
A moderator's reload, upload or removal in one process runs under a cluster-wide exclusive lock; when it
succeeds, the process bumps the corpus generation in the database (`corpus_state`: generation and a fingerprint
of the articles served) and NOTIFYs it. Every other process wakes, takes the same lock shared (so it never reads
the folder in the middle of someone's change) and reloads from the folder, unless it already serves that
fingerprint. Following never announces anything, so processes can't make each other reload in a loop.

A missed notification (the LISTEN connection dropped, the process was busy) is caught up: after every
reconnection and every CATCH_UP_SECONDS the process compares the database's generation with the last one it
handled. With SQLite there is one process and nothing to coordinate.

IDENTIFY is coordinated too: Discord lets a bot start one session per 5 seconds (per `max_concurrency` bucket),
across all its processes, so shards identify one after another under a cluster lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import logging
from collections.abc import Sequence
from typing import Any

import asyncpg

from bot.core.changes import CorpusRefused
from bot.core.service import StoryService
from bot.store.base import StoreUnavailable, stop_task
from bot.store.postgres import PostgresGuildStore
from corpus.models import Article

log = logging.getLogger(__name__)

CORPUS_CHANNEL = "storybot_corpus"
CHANGE_LOCK = 2
IDENTIFY_LOCK = 3
CATCH_UP_SECONDS = 30.0
# How long a moderator's change waits for another process's change (a big rebuild) before it is refused.
CHANGE_WAIT_SECONDS = 300.0
FOLLOW_WAIT_SECONDS = 900.0
# Discord: one IDENTIFY per 5 s per bucket; a bot under 150,000 guilds has one bucket (max_concurrency 1).
IDENTIFY_SPACING_SECONDS = 5.0
IDENTIFY_WAIT_SECONDS = 600.0

_following: contextvars.ContextVar[bool] = contextvars.ContextVar("storybot_following_corpus", default=False)


def corpus_fingerprint(articles: Sequence[Article]) -> str:
    """A hash of the articles served (ids and contents), equal in every process that loaded the same folder."""
    digest = hashlib.sha256()
    for article in sorted(articles, key=lambda a: a.id):
        digest.update(f"{article.id}\0{article.content_hash()}\n".encode())
    return digest.hexdigest()


class ClusterChangeLock:
    """The service's change lock, extended to the cluster: the process's own lock, then the cluster lock.

    A moderator's change takes the cluster lock exclusively and announces the new corpus when it succeeds; a
    follow (see CorpusCoordinator) takes it shared and announces nothing. Both take the local lock first, so
    the order of the two locks is the same everywhere.
    """

    def __init__(self, coordinator: CorpusCoordinator, local: asyncio.Lock) -> None:
        self._coordinator = coordinator
        self._local = local
        self._held: contextlib.AbstractAsyncContextManager[None] | None = None

    async def __aenter__(self) -> None:
        await self._local.acquire()
        following = _following.get()
        held = self._coordinator.store.cluster_lock(
            CHANGE_LOCK, shared=following, wait_seconds=FOLLOW_WAIT_SECONDS if following else CHANGE_WAIT_SECONDS
        )
        try:
            await held.__aenter__()
        except TimeoutError:
            self._local.release()
            raise CorpusRefused(
                f"Nothing changed: another process's corpus change is still running after {CHANGE_WAIT_SECONDS:.0f} "
                "s; try again later."
            ) from None
        except StoreUnavailable as error:
            self._local.release()
            log.warning("a corpus change was refused: %s", error)
            raise CorpusRefused(
                "Nothing changed: the database can't be reached, so the bot's other processes could not be told; "
                "try again in a moment."
            ) from None
        except BaseException:
            self._local.release()
            raise
        self._held = held

    async def __aexit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        held, self._held = self._held, None
        try:
            if exc_type is None and not _following.get():
                await self._coordinator.announce()
        finally:
            try:
                if held is not None:
                    await held.__aexit__(exc_type, exc, traceback)
            finally:
                self._local.release()


class CorpusCoordinator:
    """Keeps this process's corpus in step with the cluster's (see the module's docstring)."""

    def __init__(
        self, store: PostgresGuildStore, service: StoryService, *, catch_up_seconds: float = CATCH_UP_SECONDS
    ) -> None:
        self.store = store
        self.service = service
        self.catch_up_seconds = catch_up_seconds
        self.handled_generation: int | None = None
        self.follows = 0  # reloads made to follow another process (for logs and tests)
        self._wake = asyncio.Event()
        self._unannounced = False
        self._task: asyncio.Task[None] | None = None
        self._fingerprint: tuple[object, str] | None = None
        self._outage_logged = False

    async def start(self) -> None:
        """Listen for corpus generations, guard the service's changes, and catch up once now."""
        await self.store.listen(CORPUS_CHANNEL, lambda payload: self._wake.set())
        self.store.on_reconnect(self._wake.set)
        self.service.coordinate_changes(lambda local: ClusterChangeLock(self, local))
        self._wake.set()
        self._task = asyncio.create_task(self._run(), name="storybot corpus follower")

    async def stop(self) -> None:
        """Stop following (a change in progress finishes on its own)."""
        await stop_task(self._task)
        self._task = None

    async def fingerprint(self) -> str:
        """The fingerprint of the corpus this process serves (computed off the event loop, once per index)."""
        engine = self.service.engine
        if self._fingerprint is None or self._fingerprint[0] is not engine:
            self._fingerprint = (engine, await asyncio.to_thread(corpus_fingerprint, engine.articles))
        return self._fingerprint[1]

    async def announce(self) -> None:
        """Publish this process's corpus as the cluster's newest generation (nothing when it already is).

        When the database is unreachable the change stays done here, and the announcement is retried.
        """
        fingerprint = await self.fingerprint()

        async def publish(connection: asyncpg.Connection) -> int | None:
            async with connection.transaction():
                generation = await connection.fetchval(
                    "UPDATE corpus_state SET generation = generation + 1, fingerprint = $1, changed_at = now() "
                    "WHERE fingerprint <> $1 RETURNING generation",
                    fingerprint,
                )
                if generation is not None:
                    await connection.execute("SELECT pg_notify($1, $2)", CORPUS_CHANNEL, str(generation))
                return generation

        try:
            generation = await self.store.run("announcing a corpus change", publish)
        except StoreUnavailable as error:
            log.warning("the other processes could not be told of this corpus change yet (retrying): %s", error)
            self._unannounced = True
            self._wake.set()
            return
        self._unannounced = False
        if generation is not None:
            self.handled_generation = generation
            log.info("announced corpus generation %d to the other processes", generation)

    async def catch_up(self) -> None:
        """Follow the cluster's newest corpus generation if it is one this process has not handled yet."""
        row = await self.store.run(
            "reading the corpus generation",
            lambda connection: connection.fetchrow("SELECT generation, fingerprint FROM corpus_state"),
        )
        generation, fingerprint = int(row["generation"]), str(row["fingerprint"])
        if generation == self.handled_generation:
            return
        if fingerprint and fingerprint != await self.fingerprint():
            await self._follow(generation)
        self.handled_generation = generation

    async def _follow(self, generation: int) -> None:
        token = _following.set(True)
        try:
            # The moderator who made the change confirmed it where it was made: every removal is accepted here.
            everything = frozenset(article.id for article in self.service.corpus.articles)
            report = await self.service.reload(confirmed=everything)
        except CorpusRefused as refused:
            log.warning(
                "could not follow corpus generation %d from another process (the previous index keeps serving): %s",
                generation,
                refused,
            )
        else:
            self.follows += 1
            log.info("followed corpus generation %d from another process: %s", generation, report.summary)
        finally:
            _following.reset(token)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.catch_up_seconds)
            self._wake.clear()
            try:
                if self._unannounced:
                    await self.announce()
                await self.catch_up()
                self._outage_logged = False
            except StoreUnavailable as error:
                if not self._outage_logged:
                    log.warning("corpus generation: %s; trying again every %.0f s", error, self.catch_up_seconds)
                    self._outage_logged = True
            except Exception:
                log.exception("following the cluster's corpus failed; trying again later")


class IdentifyGate:
    """A `before_identify_hook` that spaces IDENTIFYs IDENTIFY_SPACING_SECONDS apart across the whole cluster.

    Each IDENTIFY takes the cluster's identify lock and holds it for the spacing after it; when the database is
    unreachable, discord.py's own pause (5 s between this process's shards) applies.
    """

    def __init__(self, store: PostgresGuildStore) -> None:
        self._store = store
        self._turns: set[asyncio.Task[None]] = set()

    async def __call__(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for the cluster's turn to IDENTIFY, and keep it for the spacing after."""
        held = self._store.cluster_lock(IDENTIFY_LOCK, shared=False, wait_seconds=IDENTIFY_WAIT_SECONDS)
        try:
            await held.__aenter__()
        except (StoreUnavailable, TimeoutError) as error:
            log.warning("shard %s: identifying without the cluster's turn (%s)", shard_id, error)
            if not initial:
                await asyncio.sleep(IDENTIFY_SPACING_SECONDS)
            return

        async def release_later() -> None:
            try:
                await asyncio.sleep(IDENTIFY_SPACING_SECONDS)
            finally:
                await held.__aexit__(None, None, None)

        task = asyncio.create_task(release_later(), name=f"identify turn of shard {shard_id}")
        self._turns.add(task)
        task.add_done_callback(self._turns.discard)

    async def close(self) -> None:
        """Give back a turn still held (the bot is closing)."""
        for task in list(self._turns):
            task.cancel()
        await asyncio.gather(*self._turns, return_exceptions=True)
