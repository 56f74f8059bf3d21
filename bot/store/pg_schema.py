"""The PostgreSQL store's schema: numbered migrations, applied forward at start-up by one process at a time."""

from __future__ import annotations

import logging

import asyncpg

from bot.store.base import check_schema_version

log = logging.getLogger(__name__)

# Advisory locks of the cluster use the two-key form (namespace, lock); guild locks use the one-key form (the guild
# id), a separate key space in PostgreSQL.
LOCK_NAMESPACE = 0x53_42  # "SB"
MIGRATION_LOCK = 1

MIGRATIONS = (
    # 1: the tables the SQLite store has always had.
    """
    CREATE TABLE guild_settings (
        guild_id bigint NOT NULL,
        key text NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (guild_id, key)
    );
    CREATE TABLE moderation_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        guild_id bigint,
        user_id bigint NOT NULL,
        user_name text NOT NULL,
        action text NOT NULL,
        detail text NOT NULL
    );
    """,
    # 2: one guild's latest actions without a scan; the corpus generation the cluster's processes follow.
    """
    CREATE INDEX moderation_log_guild ON moderation_log (guild_id, id);
    CREATE TABLE corpus_state (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        generation bigint NOT NULL,
        fingerprint text NOT NULL,
        changed_at timestamptz NOT NULL
    );
    INSERT INTO corpus_state (generation, fingerprint, changed_at) VALUES (0, '', now());
    """,
    # 3: what members could not find (bot/core/feedback.py): answers shown, votes, questions that found nothing.
    """
    CREATE TABLE feedback_answers (
        answer_id bigint NOT NULL,
        page integer NOT NULL,
        guild_id bigint NOT NULL,
        asked_at timestamptz NOT NULL,
        command text NOT NULL,
        question text NOT NULL,
        passages text NOT NULL,
        settings text NOT NULL,
        PRIMARY KEY (answer_id, page)
    );
    CREATE INDEX feedback_answers_guild ON feedback_answers (guild_id, asked_at);
    CREATE INDEX feedback_answers_age ON feedback_answers (asked_at);
    CREATE TABLE feedback_votes (
        answer_id bigint NOT NULL,
        page integer NOT NULL,
        voter_id bigint NOT NULL,
        vote smallint NOT NULL CHECK (vote IN (-1, 1)),
        voted_at timestamptz NOT NULL,
        PRIMARY KEY (answer_id, page, voter_id),
        FOREIGN KEY (answer_id, page) REFERENCES feedback_answers ON DELETE CASCADE
    );
    CREATE TABLE feedback_unanswered (
        question_id bigint PRIMARY KEY,
        guild_id bigint NOT NULL,
        asked_at timestamptz NOT NULL,
        command text NOT NULL,
        question text NOT NULL,
        reason text NOT NULL
    );
    CREATE INDEX feedback_unanswered_guild ON feedback_unanswered (guild_id, asked_at);
    CREATE INDEX feedback_unanswered_age ON feedback_unanswered (asked_at);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


async def migrate(connection: asyncpg.Connection, where: str) -> int:
    """Bring the schema to SCHEMA_VERSION in one transaction (one process at a time); returns the old version."""
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1, $2)", LOCK_NAMESPACE, MIGRATION_LOCK)
        await connection.execute("CREATE TABLE IF NOT EXISTS storybot_schema (version integer NOT NULL)")
        version = await connection.fetchval("SELECT coalesce(max(version), 0) FROM storybot_schema")
        check_schema_version(version, SCHEMA_VERSION, where)
        for number in range(version + 1, SCHEMA_VERSION + 1):
            await connection.execute(MIGRATIONS[number - 1])
            log.info("settings database %s: migrated to schema version %d", where, number)
        if version < SCHEMA_VERSION:
            await connection.execute("DELETE FROM storybot_schema")
            await connection.execute("INSERT INTO storybot_schema (version) VALUES ($1)", SCHEMA_VERSION)
        return version
