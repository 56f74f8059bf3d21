"""What every settings store shares: the per-guild settings model, the store interface, and reading stored rows.

Two stores implement `GuildStore`: SQLite in the state folder (`bot/store/sqlite.py`, the embedded default, one
process) and PostgreSQL (`bot/store/postgres.py`, any number of processes). Both keep the same rows: one
(guild id, key, JSON value) row per changed setting, and a moderation log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, PositiveInt, ValidationError, field_validator

from bot.core.feedback import ShownAnswer, Unanswered, VoteChoice, VoteOutcome
from bot.core.feedback_report import AnswerGroup, UnansweredGroup
from bot.core.operations import EXIT_FIX_SETTINGS, EXIT_TRY_AGAIN, OperatorError
from bot.core.prefix_rules import Prefix
from bot.core.settings import PassagesPerAnswer

log = logging.getLogger(__name__)

# (when, who, action, detail), newest first: what `recent_actions` returns on every backend.
Action = tuple[str, str, str, str]


class GuildSettings(BaseModel):
    """One guild's choices; anything unset falls back to the bot's configured defaults."""

    model_config = ConfigDict(frozen=True)

    channels: tuple[PositiveInt, ...] = ()
    moderator_roles: tuple[PositiveInt, ...] = ()
    results: PassagesPerAnswer = 3
    prefix: Prefix = "!"

    @field_validator("channels", "moderator_roles")
    @classmethod
    def _unique(cls, ids: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(dict.fromkeys(ids))


class SettingRefused(Exception):
    """A change the guild's current settings rule out; the message is the reply for the admin."""


async def stop_task(task: asyncio.Task[Any] | None) -> None:
    """Cancel a background task of the store (a listener, a follower, a claim's watch) and wait until it ends."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class StoreUnavailable(OperatorError):
    """The settings database cannot be reached or used; the message is one line naming it and saying why.

    At start-up `python -m bot` prints it as `error: …` and exits 1 (try again: the database may come back).
    """

    exit_status = EXIT_TRY_AGAIN


class SchemaTooNew(StoreUnavailable):
    """The database was written by a newer storybot (a schema version this one does not know)."""

    exit_status = EXIT_FIX_SETTINGS


Change = Callable[[GuildSettings], Mapping[str, Any]]


def check_schema_version(found: int, known: int, where: object) -> None:
    """Refuse a database written by a newer storybot (SchemaTooNew, one line naming it and both versions)."""
    if found > known:
        raise SchemaTooNew(
            f"the settings database {where} has schema version {found}, written by a newer storybot (this one "
            f"knows versions up to {known}): run the newer storybot, or restore a backup"
        )


class GuildStore(Protocol):
    """Per-guild settings and the moderation log, whatever keeps them.

    Every change of a guild's settings is a read-modify-write that no other change of that guild can interleave
    with, in this process or another one writing to the same database (`update`).
    """

    defaults: GuildSettings

    @property
    def description(self) -> str:
        """Where the rows live, for log lines and `health` (never a password)."""
        ...

    async def get(self, guild_id: int | None) -> GuildSettings:
        """The guild's settings (the defaults for DMs)."""
        ...

    async def update(self, guild_id: int, change: Change) -> GuildSettings:
        """Apply `change(current settings) -> {key: new value}` atomically and return the result.

        `change` may raise SettingRefused (nothing is written) or return {} (nothing to do).
        """
        ...

    async def set(self, guild_id: int, **changes: Any) -> GuildSettings:
        """Validate and store changed keys in one transaction (see `update`)."""
        ...

    async def reset(self, guild_id: int, key: str) -> GuildSettings:
        """Forget one key of a guild's settings, so it falls back to the default."""
        ...

    def forget_cached(self, guild_id: int) -> None:
        """Drop a guild's cached settings (the bot left it); the stored rows stay for when it comes back."""
        ...

    async def log_action(self, guild_id: int | None, user_id: int, user_name: str, action: str, detail: str) -> None:
        """Record a moderation action: who, when, what."""
        ...

    async def recent_actions(self, guild_id: int, limit: int = 10) -> list[Action]:
        """The guild's latest moderation actions, newest first."""
        ...

    # -- what members could not find (bot/core/feedback.py): no method reads or writes an asker's id --------------

    async def record_answer(self, answer: ShownAnswer) -> None:
        """Keep one page of an answer as it was shown, keyed by (answer id, page); again: nothing happens."""
        ...

    async def record_unanswered(self, question: Unanswered) -> None:
        """Keep a question that found nothing, with the reason, keyed by the id of what asked."""
        ...

    async def vote(
        self,
        guild_id: int,
        answer_id: int,
        page: int,
        voter_id: int,
        choice: VoteChoice | None,
        *,
        at: datetime,
        not_before: datetime,
    ) -> VoteOutcome:
        """Keep one member's 👍 or 👎 on one page of an answer (replacing their earlier one), or withdraw it
        (`choice` None). One atomic statement: an upsert that keeps the vote only if the answer is kept, is the
        guild's and was shown at or after `not_before` (else UNKNOWN_ANSWER)."""
        ...

    async def unanswered_report(self, guild_id: int, since: datetime, limit: int | None) -> list[UnansweredGroup]:
        """The guild's questions that found nothing since `since`, most frequent first (the first `limit`; None:
        all), each with its reasons."""
        ...

    async def answers_report(
        self, guild_id: int, since: datetime, limit: int | None, *, disliked_only: bool
    ) -> list[AnswerGroup]:
        """The guild's answers shown since `since`, grouped by what was shown, with their votes: most 👎 first (those
        with at least one 👎 only, when `disliked_only`)."""
        ...

    async def feedback_guilds(self, since: datetime) -> list[int]:
        """The guilds with questions or answers kept since `since`."""
        ...

    async def purge_feedback(self, before: datetime) -> int:
        """Delete questions, answers and their votes older than `before`; how many questions and answers went."""
        ...

    async def close(self) -> None:
        """Close the connections."""
        ...


def readable_settings(guild_id: int, rows: Iterable[tuple[str, str]], defaults: GuildSettings) -> GuildSettings:
    """A guild's settings from its stored rows; a row an older version wrote that no longer reads (bad JSON, a value
    out of range, an unknown key) falls back to the default with a warning instead of breaking the guild."""
    stored: dict[str, Any] = {}
    for key, raw in rows:
        if key not in GuildSettings.model_fields:
            log.warning("guild %d: ignoring the unknown stored setting %r", guild_id, key)
            continue
        try:
            value = _salvage_ids(guild_id, key, json.loads(raw))
            GuildSettings.model_validate({**defaults.model_dump(), key: value})
        except (ValueError, TypeError) as error:
            log.warning(
                "guild %d: the stored setting %r (%.80r) is unreadable, using the default: %s",
                guild_id,
                key,
                raw,
                error.errors()[0]["msg"] if isinstance(error, ValidationError) else error,
            )
            continue
        stored[key] = value
    if guild_id in stored.get("moderator_roles", ()):
        log.warning(
            "guild %d: dropping @everyone from the moderator roles (it made every member a moderator)", guild_id
        )
        stored["moderator_roles"] = [role for role in stored["moderator_roles"] if role != guild_id]
    return GuildSettings.model_validate({**defaults.model_dump(), **stored})


def changed_settings(current: GuildSettings, changes: Mapping[str, Any]) -> tuple[GuildSettings, dict[str, str]]:
    """The settings after `changes`, validated, and the rows to write: {key: JSON value} for the changed keys."""
    updated = GuildSettings.model_validate({**current.model_dump(), **changes})
    values = updated.model_dump(mode="json")
    return updated, {key: json.dumps(values[key]) for key in changes}


def _salvage_ids(guild_id: int, key: str, value: Any) -> Any:
    """Keep the readable ids of a stored id list (one bad entry must not reopen every channel)."""
    if key not in ("channels", "moderator_roles") or not isinstance(value, list):
        return value
    readable = [item for item in value if _is_snowflake(item)]
    if len(readable) < len(value):
        log.warning(
            "guild %d: dropping %d unreadable entries of the stored %r", guild_id, len(value) - len(readable), key
        )
    return readable


def _is_snowflake(item: Any) -> bool:
    if isinstance(item, bool):
        return False
    if isinstance(item, str) and item.isdecimal() and item.isascii():
        item = int(item)
    return isinstance(item, int) and 0 < item < 2**64
