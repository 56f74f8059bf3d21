"""👍 / 👎 under answers, end to end through the emulator: any member votes once per answer page and may change or
withdraw it; quick presses and two members at once lose nothing; a vote outlives More passages and the slash
answer's token, and an old answer refuses votes; questions that found nothing are recorded without who asked;
the moderators' report shows them escaped, never pinging."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import bot.discord.answer_controls
from bot.core.feedback import now
from bot.store import DATABASE_FILE
from testing.bot_harness import Stage, stage
from testing.discord_emulator import SentMessage

UP, DOWN = "👍", "👎"


def buttons(message: SentMessage) -> list[dict[str, Any]]:
    """Every button under a message, as members see it now (not the Context menu, a select)."""
    return [component for row in message.components for component in row["components"] if component["type"] == 2]


def labelled(message: SentMessage, label: str) -> list[dict[str, Any]]:
    """The buttons with this emoji or label."""
    return [b for b in buttons(message) if (b.get("emoji") or {}).get("name") == label or b.get("label") == label]


def button(message: SentMessage, label: str) -> dict[str, Any]:
    """The button with this emoji or label."""
    (found,) = labelled(message, label)
    return found


async def press(s: Stage, message: SentMessage, label: str, who: Any) -> Any:
    """Press a button as `who` and wait for the bot's answer; the interaction record."""
    record = await s.emu.send_interaction(
        s.world.general, who, type=3, custom_id=button(message, label)["custom_id"], message=message
    )
    await s.emu.wait_until(record.answered, timeout=10, describe=record.describe)
    return record


def reply(record: Any) -> SentMessage:
    """The one private message a press got."""
    (message,) = record.messages
    assert message.ephemeral, "a vote's acknowledgement is for the member who pressed only"
    return message


@contextlib.contextmanager
def database(s: Stage) -> Iterator[sqlite3.Connection]:
    """The bot's SQLite database, as an operator would open it."""
    with contextlib.closing(sqlite3.connect(s.state_dir / DATABASE_FILE)) as connection, connection:
        yield connection


def votes(s: Stage) -> list[tuple[int, int, int]]:
    """(page, voter, vote) of every vote kept."""
    with database(s) as connection:
        return connection.execute("SELECT page, voter_id, vote FROM feedback_votes ORDER BY page, voter_id").fetchall()


async def settled(s: Stage, table: str, rows: int) -> None:
    """Wait until the records written after the answers are in: `rows` rows in `table`."""

    def count() -> int:
        with database(s) as connection:
            return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    await s.emu.wait_until(lambda: count() >= rows, timeout=10, describe=lambda: f"{count()} rows in {table}")


@pytest.mark.asyncio
async def test_members_vote_change_and_withdraw_and_each_has_one_vote(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        answer = await s.say(w.member, "!who said border czar")
        assert [b.get("emoji", {}).get("name") for b in buttons(answer)][-2:] == [UP, DOWN]
        first = reply(await press(s, answer, UP, w.member))
        assert UP in first.content and "change it" in first.content
        assert reply(await press(s, answer, DOWN, w.admin)).content.startswith(f"Your vote on this answer: {DOWN}")
        await press(s, answer, UP, w.member)  # the same again: still one vote
        assert "Your vote on this answer: 👎" in reply(await press(s, answer, DOWN, w.member)).content
        assert votes(s) == sorted([(1, w.member.user.id, -1), (1, w.admin.user.id, -1)])

        withdrawn = await s.emu.send_interaction(
            w.general, w.admin, type=3, custom_id=button(first, "Withdraw my vote")["custom_id"], message=first
        )
        await s.emu.wait_until(withdrawn.answered, timeout=10, describe=withdrawn.describe)
        assert withdrawn.response_type == 7, "the acknowledgement is replaced in place"
        assert "withdrawn" in withdrawn.response["data"]["content"] and not withdrawn.response["data"]["components"]
        assert votes(s) == [(1, w.member.user.id, -1)], "the admin's vote went; the member's stays"
        with database(s) as connection:
            (row,) = connection.execute("SELECT guild_id, command, question, passages, settings FROM feedback_answers")
        assert row[:3] == (w.guild.id, "who", "border czar")
        assert '"article":' in row[3] and '"k1":0.9' in row[4] and '"results":3' in row[4]


@pytest.mark.asyncio
async def test_fifty_quick_presses_are_one_vote_and_two_members_at_once_are_two(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        answer = await s.say(w.member, "!ask Harris")
        up_id = button(answer, UP)["custom_id"]
        presses = [
            s.emu.send_interaction(w.general, w.member, type=3, custom_id=up_id, message=answer) for _ in range(50)
        ]
        presses.append(s.emu.send_interaction(w.general, w.moderator, type=3, custom_id=up_id, message=answer))
        records = await asyncio.gather(*presses)
        for record in records:
            await s.emu.wait_until(record.answered, timeout=15, describe=record.describe)
        assert all(not record.failures for record in records), "every press answered within Discord's 3 s"
        assert votes(s) == sorted([(1, w.member.user.id, 1), (1, w.moderator.user.id, 1)])


@pytest.mark.asyncio
async def test_votes_outlive_more_passages_and_the_slash_token_and_follow_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.discord.answer_controls, "INTERACTION_TOKEN_SECONDS", 4.0, raising=False)
    monkeypatch.setattr(bot.discord.answer_controls, "TOKEN_MARGIN_SECONDS", 2.0, raising=False)
    async with stage(tmp_path) as s:
        s.emu.token_lifetime = 4.0
        w = s.world
        (answer,) = (await s.slash(w.member, "ask", {"question": "Harris"})).messages
        assert [b.get("label") or b["emoji"]["name"] for b in buttons(answer)] == ["More passages", UP, DOWN]
        reply(await press(s, answer, DOWN, w.admin))  # someone else's vote does not page, nor count as a press
        turned = await press(s, answer, "More passages", w.member)
        assert turned.response_type == 6 and "passages 4–6" in answer.embeds[0]["footer"]["text"]
        reply(await press(s, answer, UP, w.admin))  # on page 2 now
        await s.emu.wait_until(lambda: labelled(answer, "Expired"), timeout=10, describe=lambda: str(answer.components))
        assert button(answer, "Expired").get("disabled")
        await asyncio.sleep(2.5)  # every token of this answer is dead by now
        assert not button(answer, UP).get("disabled"), "the votes stay when More expires"
        reply(await press(s, answer, DOWN, w.member))
        assert votes(s) == sorted([(1, w.admin.user.id, -1), (2, w.admin.user.id, 1), (2, w.member.user.id, -1)])


@pytest.mark.asyncio
async def test_an_old_answer_refuses_votes_and_a_reload_keeps_what_was_voted_on(tmp_path: Path) -> None:
    async with stage(tmp_path, feedback={"retention_days": 30}) as s:
        w = s.world
        old = await s.say(w.member, "!who said border czar")
        recent = await s.say(w.member, "!ask Harris")
        await settled(s, "feedback_answers", 2)
        with database(s) as connection:
            before = connection.execute("SELECT passages FROM feedback_answers WHERE page = 1").fetchall()
            long_ago = (now() - timedelta(days=31)).isoformat(timespec="seconds")
            connection.execute("UPDATE feedback_answers SET asked_at = ? WHERE answer_id = ?", (long_ago, old_id(s)))
        refused = reply(await press(s, old, UP, w.member))
        assert "can't take votes any more" in refused.content and "30 days" in refused.content

        for path in s.corpus_dir.iterdir():  # a reload changes every passage the answer showed
            path.write_text(path.read_text().replace("Harris", "Harriss"))
        assert (await s.say(w.admin, "!reload")).content.startswith("Reloaded")
        assert reply(await press(s, recent, DOWN, w.member)).content.startswith("Your vote on this answer: 👎")
        with database(s) as connection:
            after = connection.execute("SELECT passages FROM feedback_answers WHERE page = 1").fetchall()
        assert after == before, "the vote is on the passages as they were shown"
        assert votes(s) == [(1, w.member.user.id, -1)]


def old_id(s: Stage) -> int:
    """The id of the first answer recorded."""
    with database(s) as connection:
        return int(connection.execute("SELECT min(answer_id) FROM feedback_answers").fetchone()[0])


@pytest.mark.asyncio
async def test_questions_that_found_nothing_are_kept_without_who_asked_and_reported(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        await s.bot.guild_store.set(w.guild.id, moderator_roles=(w.moderator_role.id,))
        for text in ("!ask Capitalists zebras", "!ask  capitalists   ZEBRAS?", "!ask the of", "!who said"):
            await s.say(w.member, text)
        await s.slash(w.member, "ask", {"question": f"<@{w.admin.user.id}> capitalists zebras"})
        await settled(s, "feedback_unanswered", 4)
        with database(s) as connection:
            rows = connection.execute("SELECT * FROM feedback_unanswered ORDER BY question").fetchall()
            columns = [c[1] for c in connection.execute("PRAGMA table_info(feedback_unanswered)")]
        assert [(row[3], row[4], row[5]) for row in rows] == [
            ("ask", "capitalists zebras", "unknown_words"),
            ("ask", "capitalists zebras", "unknown_words"),
            ("ask", "capitalists zebras", "unknown_words"),
            ("ask", "the of", "only_stop_words"),
        ], "who said without words is not a question; the mention is not kept"
        assert not [c for c in columns if "user" in c or "author" in c or "channel" in c]

        report = await s.say(w.moderator, "!report 7")
        nothing, disliked = report.embeds
        assert nothing["title"] == "Questions that found nothing · last 7 days"
        lines = nothing["description"].splitlines()
        assert lines[0] == "**3×** “capitalists zebras” — unknown words 3"
        assert lines[1] == "**1×** “the of” — only stop words 1"
        assert disliked["description"] == "No answer got a 👎."
        slash = await s.slash(w.moderator, "report", {})
        (private,) = slash.messages
        assert private.ephemeral and private.embeds[0]["description"] == nothing["description"]


@pytest.mark.asyncio
async def test_a_long_question_with_markdown_and_mentions_is_escaped_in_the_report(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        hostile = f"**bold** <@{w.admin.user.id}> @everyone `code` ||spoiler|| [link](https://evil.example) " + (
            "zzyzx " * 60
        )
        await s.say(w.member, "!ask " + hostile)
        answer = await s.say(w.member, "!ask Harris")
        reply(await press(s, answer, DOWN, w.member))
        report = await s.say(w.admin, "!report")
        text = report.embeds[0]["description"]
        assert "\\*\\*bold\\*\\*" in text and "\\`code\\`" in text and "\\|\\|spoiler\\|\\|" in text
        assert "\\[link\\](https\\://evil.example)" in text, "no masked link: its brackets and colon are escaped"
        assert "everyone" not in text and str(w.admin.user.id) not in text, "mentions were never kept"
        assert len(text) < 4096 and "…" in text, "a 300-character question is shortened"
        assert report.embeds[1]["description"].startswith("**1** 👎 · 0 👍 · shown 1× — “harris”")
        assert report.payload.get("allowed_mentions") == {"parse": []}, "nobody is pinged"


@pytest.mark.asyncio
async def test_feedback_switched_off_shows_no_buttons_and_keeps_nothing(tmp_path: Path) -> None:
    async with stage(tmp_path, feedback={"enabled": False}) as s:
        w = s.world
        answer = await s.say(w.member, "!who said border czar")
        assert [b["label"] for b in buttons(answer)] == ["More passages"]
        await s.say(w.member, "!ask zebras")
        report = await s.say(w.admin, "!report")
        assert "Feedback collection is off" in report.embeds[0]["description"]
        with database(s) as connection:
            kept = [connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("feedback_answers",)]
            kept += [connection.execute("SELECT count(*) FROM feedback_unanswered").fetchone()[0]]
        assert kept == [0, 0]


@pytest.mark.asyncio
async def test_a_vote_on_a_full_sqlite_disk_is_refused_in_a_sentence_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        answer = await s.say(w.member, "!ask Harris")
        reply(await press(s, answer, UP, w.member))

        async def disk_full() -> None:
            raise sqlite3.OperationalError("database or disk is full")

        store = s.bot.guild_store
        commit = store._connection.commit  # type: ignore[attr-defined]
        monkeypatch.setattr(store._connection, "commit", disk_full)  # type: ignore[attr-defined]
        refused = reply(await press(s, answer, DOWN, w.member))
        assert refused.content.startswith("I couldn't record your vote right now")
        monkeypatch.setattr(store._connection, "commit", commit)  # type: ignore[attr-defined]
        assert votes(s) == [(1, w.member.user.id, 1)], "the failed change was rolled back"
        assert reply(await press(s, answer, DOWN, w.member)).content.startswith("Your vote on this answer: 👎")


@pytest.mark.asyncio
async def test_a_press_after_feedback_was_switched_off_says_so(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        answer = await s.say(s.world.member, "!ask Harris")
        switched_off = s.bot.settings.feedback.model_copy(update={"enabled": False})
        s.bot.feedback.settings = s.bot.settings.model_copy(update={"feedback": switched_off})  # as after a restart
        assert reply(await press(s, answer, UP, s.world.member)).content.startswith("Feedback is switched off")
        assert votes(s) == []


@pytest.mark.asyncio
async def test_feedback_past_its_retention_is_purged_when_the_bot_starts(tmp_path: Path) -> None:
    async with stage(tmp_path, feedback={"retention_days": 10}) as s:
        await s.say(s.world.member, "!ask zebras")
        await settled(s, "feedback_unanswered", 1)
        with database(s) as connection:
            long_ago = (now() - timedelta(days=11)).isoformat(timespec="seconds")
            connection.execute("UPDATE feedback_unanswered SET asked_at = ?", (long_ago,))
    async with stage(tmp_path, feedback={"retention_days": 10}) as s:
        await s.emu.wait_until(
            lambda: not count_rows(s, "feedback_unanswered"), timeout=10, describe=lambda: "the old question kept"
        )


def count_rows(s: Stage, table: str) -> int:
    """How many rows a feedback table holds."""
    with database(s) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@pytest.mark.asyncio
async def test_a_one_page_slash_answer_has_the_votes_alone_and_takes_them(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        w = s.world
        (answer,) = (await s.slash(w.member, "who", {"words": "say it to my face"})).messages
        assert [b["emoji"]["name"] for b in buttons(answer)] == [UP, DOWN], "no More: a single page"
        assert reply(await press(s, answer, DOWN, w.moderator)).content.startswith("Your vote on this answer: 👎")
        with database(s) as connection:
            (command, question, page) = connection.execute(
                "SELECT command, question, page FROM feedback_answers"
            ).fetchone()
        assert (command, question, page) == ("who", "say it to my face", 1)
