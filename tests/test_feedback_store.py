"""Feedback in the settings store, on SQLite and on PostgreSQL alike: one vote per member per answer page, changed
or withdrawn, never lost under concurrent presses; questions that found nothing counted most frequent first; the
retention purge; and the migration from the previous schema version keeping every row."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.feedback import Passage, ShownAnswer, Unanswered, VoteChoice, VoteOutcome, now
from bot.store import GuildStore
from bot.store.pg_schema import SCHEMA_VERSION as POSTGRES_VERSION
from bot.store.sqlite import SCHEMA_VERSION as SQLITE_VERSION
from tests.store_backends import Backend, PostgresBackend, SqliteBackend

GUILD = 1_111_222_333_444_555_666
OTHER_GUILD = GUILD + 1
UP, DOWN = VoteChoice.UP, VoteChoice.DOWN
PASSAGES = (Passage("harris-2024", 3, "ab" * 8), Passage("trump-rally", 12, "cd" * 8))


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Backend:
    """Each test runs once per backend (PostgreSQL: a fresh database on the session's server)."""
    if request.param == "sqlite":
        return SqliteBackend(tmp_path / "state", monkeypatch)
    return PostgresBackend(request.getfixturevalue("postgres_url"))


def shown(
    answer_id: int, question: str = "border czar", *, page: int = 1, days_ago: float = 0, **changes
) -> ShownAnswer:
    """An answer page as the bot records it."""
    values = dict(
        guild_id=GUILD,
        answer_id=answer_id,
        page=page,
        command="who",
        question=question,
        passages=PASSAGES,
        settings='{"k1":0.9,"results":3}',
        at=now() - timedelta(days=days_ago),
    )
    return ShownAnswer(**{**values, **changes})


async def vote(store: GuildStore, answer_id: int, voter: int, choice: VoteChoice | None, **options) -> VoteOutcome:
    """A member's press, with votes accepted on answers of the last 90 days."""
    guild = options.pop("guild", GUILD)
    page = options.pop("page", 1)
    return await store.vote(guild, answer_id, page, voter, choice, at=now(), not_before=now() - timedelta(days=90))


@pytest.mark.asyncio
async def test_one_vote_per_member_changed_withdrawn_and_counted(backend: Backend) -> None:
    store = await backend.open()
    try:
        await store.record_answer(shown(1))
        await store.record_answer(shown(1))  # the same page recorded again: still one answer
        assert await vote(store, 1, 501, UP) is VoteOutcome.RECORDED
        assert await vote(store, 1, 501, DOWN) is VoteOutcome.RECORDED, "the other button switches the vote"
        assert await vote(store, 1, 502, DOWN) is VoteOutcome.RECORDED
        assert await vote(store, 1, 503, UP) is VoteOutcome.RECORDED
        assert await vote(store, 1, 503, None) is VoteOutcome.WITHDRAWN
        assert await vote(store, 1, 503, None) is VoteOutcome.NOT_VOTED
        (group,) = await store.answers_report(GUILD, now() - timedelta(days=30), 10, disliked_only=True)
        assert (group.shown, group.up, group.down) == (1, 0, 2)
        assert group.cited == "harris-2024 ¶3, trump-rally ¶12" and group.settings["k1"] == 0.9
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_fifty_quick_presses_and_two_members_at_once_lose_nothing(backend: Backend) -> None:
    store = await backend.open()
    try:
        await store.record_answer(shown(7))
        presses = [vote(store, 7, 601, UP) for _ in range(50)]
        presses += [vote(store, 7, 602, DOWN) for _ in range(50)]
        presses += [vote(store, 7, 603, DOWN)]
        outcomes = await asyncio.gather(*presses)
        assert set(outcomes) == {VoteOutcome.RECORDED}
        (group,) = await store.answers_report(GUILD, now() - timedelta(days=1), None, disliked_only=False)
        assert (group.up + group.down, group.up) == (3, 1), "three members, three votes: 601 up, 602 and 603 down"
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_a_vote_needs_a_kept_answer_of_the_same_server(backend: Backend) -> None:
    store = await backend.open()
    try:
        await store.record_answer(shown(1))
        await store.record_answer(shown(2, days_ago=100))
        assert await vote(store, 999, 501, UP) is VoteOutcome.UNKNOWN_ANSWER, "never recorded"
        assert await vote(store, 2, 501, UP) is VoteOutcome.UNKNOWN_ANSWER, "older than the 90 days votes are kept"
        assert await vote(store, 1, 501, UP, guild=OTHER_GUILD) is VoteOutcome.UNKNOWN_ANSWER, "another server's"
        assert await vote(store, 1, 501, UP, page=2) is VoteOutcome.UNKNOWN_ANSWER, "a page never shown"
        assert await store.answers_report(GUILD, now() - timedelta(days=365), None, disliked_only=True) == []
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_questions_that_found_nothing_are_counted_most_frequent_first(backend: Backend) -> None:
    store = await backend.open()
    try:
        asked = [("capitalists", "unknown_words")] * 3 + [("capitalists", "weak_match")] * 2
        asked += [("the of", "only_stop_words")] * 4 + [("zebra", "unknown_words")] + [("old", "weak_match")]
        for number, (question, reason) in enumerate(asked):
            days_ago = 40 if question == "old" else 0
            await store.record_unanswered(
                Unanswered(number + 1, GUILD, "ask", question, reason, now() - timedelta(days=days_ago))
            )
        await store.record_unanswered(Unanswered(1, GUILD, "ask", "capitalists", "unknown_words", now()))  # again
        await store.record_unanswered(Unanswered(100, OTHER_GUILD, "ask", "elsewhere", "weak_match", now()))
        groups = await store.unanswered_report(GUILD, now() - timedelta(days=30), None)
        assert [(g.question, g.times) for g in groups] == [("capitalists", 5), ("the of", 4), ("zebra", 1)]
        assert groups[0].reasons == (("unknown_words", 3), ("weak_match", 2))
        top = await store.unanswered_report(GUILD, now() - timedelta(days=30), 2)
        assert [g.question for g in top] == ["capitalists", "the of"], "the first two questions, all their reasons"
        assert len(top[0].reasons) == 2
        assert await store.feedback_guilds(now() - timedelta(days=30)) == [GUILD, OTHER_GUILD]
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_the_answers_with_the_most_thumbs_down_come_first(backend: Backend) -> None:
    store = await backend.open()
    try:
        for answer_id, question in ((1, "a"), (2, "a"), (3, "b"), (4, "c")):
            await store.record_answer(shown(answer_id, question))
        await store.record_answer(shown(5, "b", page=2, passages=PASSAGES[1:]))
        for answer_id, voter, choice in ((1, 1, DOWN), (2, 2, DOWN), (2, 3, UP), (3, 1, DOWN), (4, 1, UP)):
            await vote(store, answer_id, voter, choice)
        await vote(store, 5, 9, DOWN, page=2)
        disliked = await store.answers_report(GUILD, now() - timedelta(days=30), 10, disliked_only=True)
        assert [(g.question, g.page, g.shown, g.down, g.up) for g in disliked] == [
            ("a", 1, 2, 2, 1),
            ("b", 1, 1, 1, 0),
            ("b", 2, 1, 1, 0),
        ]
        everything = await store.answers_report(GUILD, now() - timedelta(days=30), None, disliked_only=False)
        assert {g.question for g in everything} == {"a", "b", "c"}
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_old_feedback_is_purged_with_its_votes(backend: Backend) -> None:
    store = await backend.open()
    try:
        await store.record_answer(shown(1, days_ago=100))
        await store.record_answer(shown(2))
        await store.vote(GUILD, 1, 1, 7, DOWN, at=now(), not_before=now() - timedelta(days=365))
        await vote(store, 2, 7, DOWN)
        await store.record_unanswered(Unanswered(3, GUILD, "ask", "old", "weak_match", now() - timedelta(days=100)))
        await store.record_unanswered(Unanswered(4, GUILD, "ask", "new", "weak_match", now()))
        assert await store.purge_feedback(now() - timedelta(days=90)) == 2
        year = now() - timedelta(days=365)
        assert [g.question for g in await store.unanswered_report(GUILD, year, None)] == ["new"]
        (left,) = await store.answers_report(GUILD, year, None, disliked_only=False)
        assert left.down == 1
        assert await store.purge_feedback(now() - timedelta(days=90)) == 0
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_a_database_of_the_previous_schema_keeps_its_rows_and_gains_feedback(backend: Backend) -> None:
    newest = SQLITE_VERSION if backend.name == "sqlite" else POSTGRES_VERSION
    log = [("2024-07-31T03:36:51+00:00", GUILD, 42, "mod#1", "reload", "1 added")]
    await backend.make_database_at(newest - 1, GUILD, {"results": "7", "prefix": '"?"'}, log)
    store = await backend.open()
    try:
        settings = await store.get(GUILD)
        assert (settings.results, settings.prefix) == (7, "?")
        assert [(who, action, detail) for _, who, action, detail in await store.recent_actions(GUILD)] == [
            ("mod#1", "reload", "1 added")
        ]
        await store.record_answer(shown(1))
        assert await vote(store, 1, 5, UP) is VoteOutcome.RECORDED
    finally:
        await store.close()
    assert await backend.schema_version() == newest


@pytest.mark.asyncio
async def test_a_burst_of_answers_is_committed_in_groups_and_a_setting_waits_for_one_group_at_most(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await SqliteBackend(tmp_path / "state", monkeypatch).open()
    commits: list[str] = []
    connection = store._connection
    real_commit = connection.commit

    async def counted_commit() -> None:
        commits.append("commit")
        await real_commit()

    monkeypatch.setattr(connection, "commit", counted_commit)
    try:
        first = [asyncio.ensure_future(store.record_answer(shown(number))) for number in range(1, 301)]
        await asyncio.sleep(0)  # the first group takes the write lock with all 300 in it
        later = [asyncio.ensure_future(store.record_answer(shown(number))) for number in range(301, 601)]
        changed = asyncio.ensure_future(store.set(GUILD, results=5))
        await asyncio.gather(*first, *later, changed)
        assert (await store.get(GUILD)).results == 5
        assert len(commits) <= 4, f"{len(commits)} commits for 600 answers and one setting"
        assert await vote(store, 1, 501, UP) is VoteOutcome.RECORDED
        assert await vote(store, 600, 501, DOWN) is VoteOutcome.RECORDED
        groups = await store.answers_report(GUILD, now() - timedelta(days=1), None, disliked_only=False)
        assert sum(group.shown for group in groups) == 600
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_a_group_that_cannot_be_committed_fails_every_answer_in_it_and_keeps_the_earlier_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await SqliteBackend(tmp_path / "state", monkeypatch).open()
    try:
        await store.record_answer(shown(1))
        connection = store._connection
        real_commit = connection.commit

        async def disk_full() -> None:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(connection, "commit", disk_full)
        results = await asyncio.gather(*(store.record_answer(shown(n)) for n in range(2, 12)), return_exceptions=True)
        assert all(isinstance(result, sqlite3.OperationalError) for result in results)
        monkeypatch.setattr(connection, "commit", real_commit)
        await store.record_answer(shown(12))
        groups = await store.answers_report(GUILD, now() - timedelta(days=1), None, disliked_only=False)
        assert sum(group.shown for group in groups) == 2, "the first answer and the one after the failure"
    finally:
        await store.close()
