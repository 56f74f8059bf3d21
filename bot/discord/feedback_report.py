"""`report` on Discord: two embeds, the questions that found nothing and the answers with the most 👎, each line
with its counts, within Discord's limits (6,000 characters for both embeds together). What members typed is
escaped: it shows as written and can neither format nor ping."""

from __future__ import annotations

import discord

from bot.core.feedback import reason_words
from bot.core.feedback_report import AnswerGroup, FeedbackReport, UnansweredGroup, shown_question
from bot.discord.embeds import ANSWER_COLOUR, escaped_within

# Each embed's description stays under this, so both (titles and footer included) fit Discord's 6,000 in all.
DESCRIPTION_BUDGET = 2_600
QUESTION_CHARS = 160  # a question is shortened to this in a line (it may be 300 characters)
PASSAGES_CHARS = 200
SHOWN_LINES = 15  # lines per embed at most; the store is asked for one more, to know there are more


def unanswered_line(group: UnansweredGroup) -> str:
    """`**12×** “who said border czar” — unknown words 9, weak match 3`."""
    question = escaped_within(shown_question(group.command, group.question), QUESTION_CHARS)
    reasons = ", ".join(f"{reason_words(reason)} {times}" for reason, times in group.reasons)
    return f"**{group.times}×** “{question}” — {reasons}"


def disliked_line(group: AnswerGroup) -> str:
    """`**5** 👎 · 1 👍 · shown 9× — “who said border czar” (page 2): harris-2024 ¶3, …`."""
    question = escaped_within(shown_question(group.command, group.question), QUESTION_CHARS)
    page = f" (page {group.page})" if group.page > 1 else ""
    cited = escaped_within(group.cited, PASSAGES_CHARS)
    return f"**{group.down}** 👎 · {group.up} 👍 · shown {group.shown}× — “{question}”{page}: {cited}"


def fitted(lines: list[str], more: bool, empty: str) -> str:
    """The lines that fit the budget, then `… and more` when some were left out."""
    if not lines:
        return empty
    kept: list[str] = []
    used = 0
    for line in lines[:SHOWN_LINES]:
        if used + len(line) + 1 > DESCRIPTION_BUDGET - 80:
            more = True
            break
        kept.append(line)
        used += len(line) + 1
    more = more or len(lines) > SHOWN_LINES
    tail = ["… and more: `python -m bot report --export FILE` on the bot's machine has them all."] if more else []
    return "\n".join(kept + tail)


def report_embeds(report: FeedbackReport, *, enabled: bool, retention_days: int) -> list[discord.Embed]:
    """The report as two embeds: what found nothing, then the answers with the most 👎."""
    days = f"last {report.days} day{'s' if report.days != 1 else ''}"
    off = "Feedback collection is off (`[feedback] enabled = false`): nothing new is recorded.\n" if not enabled else ""
    nothing = discord.Embed(title=f"Questions that found nothing · {days}", colour=ANSWER_COLOUR)
    nothing.description = off + fitted(
        [unanswered_line(group) for group in report.unanswered],
        report.more_unanswered,
        "None: every question found passages.",
    )
    disliked = discord.Embed(title=f"Answers with the most 👎 · {days}", colour=ANSWER_COLOUR)
    disliked.description = fitted(
        [disliked_line(group) for group in report.disliked], report.more_disliked, "No answer got a 👎."
    )
    disliked.set_footer(
        text=f"Questions and votes are kept {retention_days} days; who asked is never kept. Most frequent first."
    )
    return [nothing, disliked]
