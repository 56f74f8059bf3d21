"""Reports of what members could not find, read through any store: what `report` shows on Discord and in the
terminal, and the records `python -m bot report --export` writes."""

from __future__ import annotations

from bot.core.feedback import report_since
from bot.core.feedback_report import FeedbackReport, QuestionRecord, question_records
from bot.store.base import GuildStore


async def feedback_report(
    store: GuildStore, guild_id: int, days: int, retention_days: int, shown: int | None
) -> FeedbackReport:
    """One server's report over the last `days` days (never past the retention), the first `shown` of each list
    (None: all of them)."""
    since = report_since(days, retention_days)
    wanted = None if shown is None else shown + 1  # one more than shown: whether there are more
    unanswered = await store.unanswered_report(guild_id, since, wanted)
    disliked = await store.answers_report(guild_id, since, wanted, disliked_only=True)
    return FeedbackReport(
        guild_id,
        days,
        since,
        tuple(unanswered[:shown]),
        tuple(disliked[:shown]),
        more_unanswered=shown is not None and len(unanswered) > shown,
        more_disliked=shown is not None and len(disliked) > shown,
    )


async def export_records(
    store: GuildStore, days: int, retention_days: int, guild_id: int | None = None
) -> list[QuestionRecord]:
    """Every question of the last `days` days (of one server, or of every server with feedback), one record each:
    its counts, reasons, the answers shown and their votes; by server, most asked first."""
    since = report_since(days, retention_days)
    guilds = [guild_id] if guild_id is not None else await store.feedback_guilds(since)
    records: list[QuestionRecord] = []
    for guild in guilds:
        unanswered = await store.unanswered_report(guild, since, None)
        answers = await store.answers_report(guild, since, None, disliked_only=False)
        records += question_records(guild, unanswered, answers)
    return records
