"""The bot on a rough network and across restarts: resumes, refused resumes, rate limits, server errors, command
sync only when the commands changed, and a token that never reaches the log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.discord.command_sync import sync_if_changed
from testing.bot_harness import make_bot, make_settings, stage
from testing.discord_emulator.fixtures import running_bot, running_emulator


@pytest.mark.asyncio
async def test_answers_after_a_resume_and_after_a_refused_resume(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        await s.emu.gateway.disconnect(code=4000)
        await s.emu.wait_for_resumed()
        assert (await s.say(s.world.member, "!who said border czar")).embeds

        s.emu.gateway.refuse_resumes = True
        await s.emu.gateway.disconnect(code=4000)
        await s.emu.wait_for_ready(count=2)
        assert (await s.say(s.world.member, "!who said border czar", channel=s.world.thread)).embeds


@pytest.mark.asyncio
async def test_rate_limits_and_a_server_error_delay_the_answer_but_do_not_lose_it(tmp_path: Path) -> None:
    async with stage(tmp_path) as s:
        limited = s.emu.fail_next("POST /channels/*/messages", status=429, retry_after=0.2)
        assert (await s.say(s.world.member, "!ask border czar")).embeds
        assert len(limited.served) == 1

        failed = s.emu.fail_next("POST /channels/*/messages", status=500)
        assert (await s.say(s.world.member, "!ask border czar")).embeds
        assert len(failed.served) == 1

        callback = s.emu.fail_next("POST /interactions/*/*/callback", status=429, retry_after=0.2)
        record = await s.slash(s.world.member, "ask", {"question": "border czar"})
        assert record.messages[0].embeds and len(callback.served) == 1


@pytest.mark.asyncio
async def test_an_outage_while_answering_is_logged_and_the_bot_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with stage(tmp_path) as s:
        outage = s.emu.fail_next("POST /channels/*/messages", status=503, count=2)
        with caplog.at_level(logging.WARNING):
            await s.emu.send_message(s.world.general, s.world.member, "!ask border czar")
            await s.emu.wait_until(lambda: outage.remaining == 0, timeout=10, describe=lambda: str(outage.served))
            await s.quiet(0.2)
        assert any("border czar" in record.getMessage() for record in caplog.records), "the failure has its context"
        assert (await s.say(s.world.member, "!ask border czar")).embeds, "answers again once Discord is back"


@pytest.mark.asyncio
async def test_commands_sync_once_then_only_when_changed(tmp_path: Path) -> None:
    async with running_emulator() as emu:
        world = emu.add_standard_guild()
        settings = make_settings(tmp_path, world.guild.id, discord={"dev_guild_id": None})
        async with running_bot(await make_bot(settings), emu):
            synced = await emu.wait_for_commands()
            assert {"who", "ask", "sources", "source", "help", "reload", "article", "config"} <= {
                c["name"] for c in synced
            }
            assert all(command.get("contexts") == [0] for command in synced), "offered in servers only"
        puts = [r for r in emu.requests if r.startswith("PUT ") and r.endswith("/commands")]
        async with running_bot(await make_bot(settings), emu) as again:
            assert [r for r in emu.requests if r.startswith("PUT ") and r.endswith("/commands")] == puts
            assert await sync_if_changed(again, settings, force=True), "`python -m bot sync` forces it"
        assert len([r for r in emu.requests if r.startswith("PUT ") and r.endswith("/commands")]) == len(puts) + 1
        emu.assert_no_violations()


@pytest.mark.asyncio
async def test_the_token_never_reaches_the_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        async with stage(tmp_path) as s:
            await s.say(s.world.member, "!who said border czar")
            token = s.emu.token
    logged = "\n".join(record.getMessage() + str(record.args) for record in caplog.records)
    assert logged and token not in logged
