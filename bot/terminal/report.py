"""`python -m bot report [--days N] [--guild ID] [--export FILE]` and the console's `report [days]`: what members
could not find, read from the bot's database through the store (SQLite in the state folder, or PostgreSQL with
`[database] url`), as text or as JSON Lines for evaluation (format: README, What members could not find)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.core.feedback import MAX_REPORT_DAYS, REPORT_DAYS, days_problem, reason_words, report_since
from bot.core.feedback_report import FeedbackReport, jsonl, shown_question
from bot.core.operations import OperatorError, os_reason
from bot.core.safe_text import visible
from bot.core.settings import Settings
from bot.store import DATABASE_FILE, GuildStore, open_store
from bot.store.reports import export_records, feedback_report
from storage.durable_files import atomic_write

SHOWN = 50  # lines of each list in the terminal; the export has them all


class NoDatabase(OperatorError):
    """The SQLite database does not exist: nothing was ever recorded here (or the state folder is the wrong one)."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"no feedback here: the database {path} does not exist (the bot creates it when it starts; check --state "
            "or STORYBOT_STATE_DIR)",
            setting="state_dir",
        )


def days_argument(text: str) -> int:
    """`--days`: a whole number of days from 1 to MAX_REPORT_DAYS."""
    try:
        days = int(text)
    except ValueError:
        wanted = f"must be a whole number of days from 1 to {MAX_REPORT_DAYS}"
        raise argparse.ArgumentTypeError(f"{wanted} (got {text!r})") from None
    problem = days_problem(days)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return days


def guild_argument(text: str) -> int:
    """`--guild`: a server's id (a Discord snowflake)."""
    if not text.strip().isdecimal() or not 0 < int(text) < 2**63:
        raise argparse.ArgumentTypeError(
            f"must be a server's id, a whole number like 123456789012345678 (got {text!r})"
        )
    return int(text)


def add_report_parser(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """The `report` subcommand's arguments."""
    report = commands.add_parser(
        "report", parents=[common], help="questions that found nothing and answers with the most 👎 (or --export)"
    )
    report.add_argument(
        "--days", type=days_argument, default=REPORT_DAYS, help=f"1–{MAX_REPORT_DAYS} (default {REPORT_DAYS})"
    )
    report.add_argument("--guild", type=guild_argument, metavar="ID", help="one server (default: every server)")
    report.add_argument("--export", type=Path, metavar="FILE", help="write every question as JSON Lines instead")


async def _opened(settings: Settings) -> GuildStore:
    """The bot's store, for reading: a missing SQLite database is reported, never created."""
    path = settings.state_dir / DATABASE_FILE
    if settings.database.url is None and not path.is_file():
        raise NoDatabase(path)
    return await open_store(settings)


async def read_reports(settings: Settings, days: int, guild_id: int | None) -> list[FeedbackReport]:
    """The report of one server, or of every server with feedback in those days."""
    store = await _opened(settings)
    try:
        retention = settings.feedback.retention_days
        since = report_since(days, retention)
        guilds = [guild_id] if guild_id is not None else await store.feedback_guilds(since)
        return [await feedback_report(store, guild, days, retention, SHOWN) for guild in guilds]
    finally:
        await store.close()


def report_text(reports: list[FeedbackReport], settings: Settings, days: int) -> str:
    """The reports as text: per server, the questions that found nothing and the answers with the most 👎."""
    feedback = settings.feedback
    lines = [] if feedback.enabled else ["Feedback collection is off ([feedback] enabled = false)."]
    if not reports:
        lines.append(f"No feedback in the last {days} days (questions and votes are kept {feedback.retention_days}).")
    for report in reports:
        lines.append(f"Server {report.guild_id} · last {days} days (kept {feedback.retention_days} days)")
        lines.append("Questions that found nothing, most frequent first:")
        for group in report.unanswered:
            reasons = ", ".join(f"{reason_words(reason)} {times}" for reason, times in group.reasons)
            lines.append(f"  {group.times:>4}×  “{shown_question(group.command, group.question)}” — {reasons}")
        lines += ["  (none)"] if not report.unanswered else []
        lines.append("Answers with the most 👎:")
        for answer in report.disliked:
            page = f" (page {answer.page})" if answer.page > 1 else ""
            counts = f"{answer.down:>4} 👎 {answer.up:>3} 👍  shown {answer.shown}×"
            question = shown_question(answer.command, answer.question)
            lines.append(f"  {counts}  “{question}”{page}: {visible(answer.cited)}")
        lines += ["  (none)"] if not report.disliked else []
        if report.more_unanswered or report.more_disliked:
            lines.append(f"  … the first {SHOWN} of each; --export FILE writes them all")
    return "\n".join(lines)


def write_export(settings: Settings, days: int, guild_id: int | None, target: Path) -> int:
    """Write every question of those days as JSON Lines to `target`, atomically; how many records."""
    if target.is_dir():
        raise OperatorError(f"--export {target}: is a folder; give a file name, e.g. {target / 'feedback.jsonl'}")
    if not target.parent.is_dir():
        raise OperatorError(f"--export {target}: the folder {target.parent} does not exist")

    async def read() -> list:
        store = await _opened(settings)
        try:
            return await export_records(store, days, settings.feedback.retention_days, guild_id)
        finally:
            await store.close()

    records = asyncio.run(read())
    try:
        atomic_write(target, jsonl(records))
    except OSError as error:
        raise OperatorError(
            f"--export {target}: cannot be written ({os_reason(error)}); nothing was written, a file already "
            "there is unchanged"
        ) from None
    return len(records)


def run_report(settings: Settings, days: int, guild_id: int | None, export: Path | None) -> int:
    """`python -m bot report`: print the report, or write the export; the exit status."""
    if export is not None:
        count = write_export(settings, days, guild_id, export)
        print(f"Wrote {count} question{'s' if count != 1 else ''} of the last {days} days to {export}.")
        return 0
    print(report_text(asyncio.run(read_reports(settings, days, guild_id)), settings, days))
    return 0


def console_report(settings: Settings, rest: str) -> str:
    """The console's `report [days]`: every server's report, as `python -m bot report` prints it."""
    text = rest.strip() or str(REPORT_DAYS)
    if not text.isdecimal() or days_problem(int(text)):
        wanted = f"`report` takes a number of days from 1 to {MAX_REPORT_DAYS} (default {REPORT_DAYS})"
        return f"{wanted}; got `{visible(text)}`."
    try:
        return report_text(asyncio.run(read_reports(settings, int(text), None)), settings, int(text))
    except OperatorError as error:
        return f"No report: {error}"
