"""The feedback tables' statements that SQLite and PostgreSQL share (written with `?`; `numbered` turns them into
PostgreSQL's `$1, $2 …`). What differs between the two (the vote's upsert, times) is in each store's own file.

Reports rank in SQL, so a server with many questions never loads them all to show the first few.
"""

from __future__ import annotations

import re

# The questions that found nothing, grouped by (command, question, reason), ranked by how often the question found
# nothing (then most recent), the first `?` questions with all their reasons.
UNANSWERED_RANKED = """
SELECT command, question, reason, times, total, first_asked, last_asked FROM (
    SELECT command, question, reason, times, total, first_asked, last_asked,
           dense_rank() OVER (ORDER BY total DESC, last_asked DESC, command, question) AS place
    FROM (
        SELECT command, question, reason, count(*) AS times,
               CAST(sum(count(*)) OVER (PARTITION BY command, question) AS BIGINT) AS total,
               min(min(asked_at)) OVER (PARTITION BY command, question) AS first_asked,
               max(max(asked_at)) OVER (PARTITION BY command, question) AS last_asked
        FROM feedback_unanswered
        WHERE guild_id = ? AND asked_at >= ?
        GROUP BY command, question, reason
    ) AS grouped
) AS ranked
WHERE place <= ?
ORDER BY place, times DESC, reason
"""

# The answers shown, grouped by what was shown (command, question, page, passages, settings), with their votes.
# The third `?` is 1 for answers with at least one 👎 only, 0 for every answer. Ordered by the columns' positions:
# most 👎, fewest 👍, most shown, most recent, then command, question and page.
ANSWERS_RANKED = """
SELECT a.command, a.question, a.page, a.passages, a.settings,
       count(DISTINCT a.answer_id) AS shown,
       CAST(coalesce(sum(CASE WHEN v.vote = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS up,
       CAST(coalesce(sum(CASE WHEN v.vote = -1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS down,
       min(a.asked_at) AS first_asked, max(a.asked_at) AS last_asked
FROM feedback_answers AS a
LEFT JOIN feedback_votes AS v ON v.answer_id = a.answer_id AND v.page = a.page
WHERE a.guild_id = ? AND a.asked_at >= ?
GROUP BY a.command, a.question, a.page, a.passages, a.settings
HAVING ? = 0 OR coalesce(sum(CASE WHEN v.vote = -1 THEN 1 ELSE 0 END), 0) > 0
ORDER BY 8 DESC, 7, 6 DESC, 10 DESC, 1, 2, 3
LIMIT ?
"""

FEEDBACK_GUILDS = """
SELECT guild_id FROM feedback_answers WHERE asked_at >= ?
UNION
SELECT guild_id FROM feedback_unanswered WHERE asked_at >= ?
ORDER BY guild_id
"""

RECORD_ANSWER = """
INSERT INTO feedback_answers (answer_id, page, guild_id, asked_at, command, question, passages, settings)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (answer_id, page) DO NOTHING
"""

RECORD_UNANSWERED = """
INSERT INTO feedback_unanswered (question_id, guild_id, asked_at, command, question, reason)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (question_id) DO NOTHING
"""

WITHDRAW_VOTE = "DELETE FROM feedback_votes WHERE answer_id = ? AND page = ? AND voter_id = ?"

# Rows older than the retention: votes first (their answers' rows go next), then the answers and the questions.
PURGE = (
    "DELETE FROM feedback_votes WHERE answer_id IN (SELECT answer_id FROM feedback_answers WHERE asked_at < ?)",
    "DELETE FROM feedback_answers WHERE asked_at < ?",
    "DELETE FROM feedback_unanswered WHERE asked_at < ?",
)

EVERYTHING = 2**62  # "no limit" for the ranked statements (the export)


def numbered(statement: str) -> str:
    """The statement with PostgreSQL's numbered placeholders: `?` → `$1`, `$2` … in order."""
    counter = iter(range(1, 1_000))
    return re.sub(r"\?", lambda _: f"${next(counter)}", statement)
