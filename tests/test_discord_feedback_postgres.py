"""Votes with the database stopped: PostgreSQL is shut down under a running bot. The member who votes is told in a
sentence that the vote could not be recorded, answers keep coming, the report says the database is away, nothing
crashes; once PostgreSQL is back, votes are kept again."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.feedback import now
from testing.bot_harness import stage
from testing.postgres_server import PostgresServer
from tests.test_discord_feedback import DOWN, UP, press, reply


@pytest.mark.asyncio
async def test_a_vote_while_postgresql_is_stopped_is_refused_in_a_sentence(
    tmp_path: Path, postgres_url: str, postgres_server: PostgresServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with stage(tmp_path, database={"url": postgres_url}) as s:
        w = s.world
        answer = await s.say(w.member, "!ask Harris")
        assert reply(await press(s, answer, UP, w.member)).content.startswith("Your vote on this answer: 👍")
        with caplog.at_level(logging.WARNING):
            postgres_server.stop()
            try:
                refused = reply(await press(s, answer, DOWN, w.member))
                assert refused.content.startswith("I couldn't record your vote right now")
                assert (await s.say(w.member, "!ask Trump")).embeds, "answers keep coming from cached settings"
                report = await s.say(w.admin, "!report")
                assert "can't reach my database" in report.content
            finally:
                postgres_server.start()
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "one warning line each, no traceback"
        assert any("could not record a vote" in r.getMessage() for r in caplog.records)
        assert reply(await press(s, answer, DOWN, w.member)).content.startswith("Your vote on this answer: 👎")
        day_ago = now() - timedelta(days=1)
        votes = await s.bot.guild_store.answers_report(w.guild.id, day_ago, None, disliked_only=True)
        assert [(group.up, group.down) for group in votes] == [(0, 1)], "the vote changed once the database was back"
