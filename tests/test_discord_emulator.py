"""Self-test of the Discord emulator: a real discord.py AutoShardedBot against it, end to end over 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from testing.discord_emulator import DiscordEmulator, StandardGuild
from testing.discord_emulator.fixtures import running_bot, running_emulator
from testing.discord_emulator.limits import embed_problems, mention_problem

QUIET = discord.AllowedMentions.none()


@commands.hybrid_command(name="ping", description="Answers pong.")
async def ping(ctx: commands.Context) -> None:
    """Reply "pong", pinging nobody."""
    await ctx.send("pong", allowed_mentions=QUIET)


@commands.hybrid_command(name="slow", description="Answers too late.")
async def slow(ctx: commands.Context) -> None:
    """Sleep past the (shortened) interaction deadline, then answer."""
    await asyncio.sleep(0.4)
    await ctx.send("finally", allowed_mentions=QUIET)


@app_commands.command(name="pick", description="Pick a thing.")
@app_commands.describe(thing="the thing")
async def pick(interaction: discord.Interaction, thing: str) -> None:
    """Echo the choice."""
    await interaction.response.send_message(thing, allowed_mentions=QUIET)


@pick.autocomplete("thing")
async def pick_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """26 choices: one too many for Discord."""
    return [app_commands.Choice(name=f"{current}{i}", value=str(i)) for i in range(26)]


class EmulatedBot(commands.AutoShardedBot):
    """A minimal bot: quick ready, no 5-second pause before re-identifying, commands synced to one guild."""

    def __init__(self, guild_id: int) -> None:
        intents = discord.Intents.none()
        intents.guilds = intents.guild_messages = intents.dm_messages = intents.message_content = True
        super().__init__(
            command_prefix="!", intents=intents, allowed_mentions=QUIET, help_command=None, guild_ready_timeout=0.05
        )
        self.guild_id = guild_id
        self.command_errors: list[BaseException] = []

    async def setup_hook(self) -> None:
        """Register and sync the test commands to the guild."""
        self.add_command(ping)
        self.add_command(slow)
        self.tree.add_command(pick)
        guild = discord.Object(id=self.guild_id)
        self.tree.copy_global_to(guild=guild)
        await self.tree.sync(guild=guild)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No pause: the emulator has no identify rate limit."""

    async def on_command_error(self, ctx: commands.Context, error: commands.CommandError) -> None:
        """Keep errors for assertions instead of printing them."""
        self.command_errors.append(error)


@contextlib.asynccontextmanager
async def emulated(**options: object) -> AsyncIterator[tuple[DiscordEmulator, StandardGuild, EmulatedBot]]:
    """An emulator with the standard guild and a connected bot; checks nothing is left running afterwards."""
    before = asyncio.all_tasks()
    async with running_emulator(**options) as emu:
        world = emu.add_standard_guild()
        async with running_bot(EmulatedBot(world.guild.id), emu) as bot:
            yield emu, world, bot
    await asyncio.sleep(0)
    leftover = [t for t in asyncio.all_tasks() - before if not t.done()]
    assert not leftover, f"tasks left running: {leftover}"


@pytest.mark.asyncio
async def test_prefix_and_slash_ping() -> None:
    async with emulated() as (emu, world, bot):
        synced = {command["name"] for command in await emu.wait_for_commands(world.guild)}
        assert synced == {"ping", "slow", "pick"}
        assert bot.get_guild(world.guild.id).me is not None

        await emu.send_message(world.general, world.member, "!ping")
        answer = await emu.wait_for_message(world.general)
        assert answer.content == "pong" and answer.via == "channel"
        assert answer.payload["allowed_mentions"] == {"parse": []}

        interaction = await emu.send_interaction(world.general, world.member, "ping")
        record = await emu.wait_for_interaction_response(interaction)
        assert record.response_type == 4
        assert record.original is not None and record.original.content == "pong"
        emu.assert_no_violations()


@pytest.mark.asyncio
async def test_limits_and_mentions_are_recorded() -> None:
    async with emulated() as (emu, world, bot):
        channel = bot.get_channel(world.general.id)
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send("x" * 2001)
        assert refused.value.status == 400 and refused.value.code == 50035
        assert [v.kind for v in emu.take_violations()] == ["limits"]

        bot.allowed_mentions = None
        await channel.send("hello @everyone")
        (violation,) = emu.take_violations()
        assert violation.kind == "mentions" and "no allowed_mentions" in violation.reason

        interaction = await emu.send_interaction(world.general, world.member, "pick", {"thing": "a"}, type=4)
        await emu.wait_until(lambda: interaction.failures, timeout=5, describe=interaction.describe)
        assert not interaction.acknowledged
        assert {v.kind for v in emu.take_violations()} == {"limits"}
        emu.assert_no_violations()


@pytest.mark.asyncio
async def test_rate_limit_then_success_is_retried() -> None:
    async with emulated() as (emu, world, bot):
        fault = emu.fail_next("POST /channels/*/messages", status=429, retry_after=0.1)
        message = await bot.get_channel(world.news.id).send("after a 429")
        assert message.content == "after a 429"
        assert len(fault.served) == 1
        assert emu.requests.count(f"POST /channels/{world.news.id}/messages") == 2
        emu.assert_no_violations()


@pytest.mark.asyncio
async def test_a_send_repeated_with_its_nonce_answers_the_message_already_made() -> None:
    async with emulated() as (emu, world, bot):
        news, general = bot.get_channel(world.news.id), bot.get_channel(world.general.id)
        first = await news.send("once", nonce=4242)
        again = await news.send("once", nonce=4242)
        elsewhere = await general.send("once", nonce=4242)
        assert again.id == first.id and elsewhere.id != first.id
        assert [sent.id for sent in emu.sent] == [first.id, elsewhere.id]
        await first.delete()
        assert (await news.send("once", nonce=4242)).id != first.id, "a deleted message is not answered again"
        emu.assert_no_violations()


@pytest.mark.asyncio
async def test_gateway_resume_and_refused_resume() -> None:
    async with emulated(heartbeat_interval=0.5) as (emu, world, bot):
        await emu.gateway.disconnect(code=4000)
        await emu.wait_for_resumed()
        await emu.send_message(world.general, world.member, "!ping")
        assert (await emu.wait_for_message(world.general)).content == "pong"

        emu.gateway.refuse_resumes = True
        ready_again = asyncio.ensure_future(bot.wait_for("ready", timeout=5))
        await emu.gateway.disconnect(code=4000)
        await emu.wait_for_ready(count=2)
        await ready_again
        await emu.send_message(world.thread, world.member, "!ping")
        assert (await emu.wait_for_message(world.thread)).content == "pong"
        assert emu.gateway.refused_resumes == 1
        emu.assert_no_violations()


@pytest.mark.asyncio
async def test_late_interaction_is_refused() -> None:
    async with emulated(interaction_deadline=0.3) as (emu, world, _bot):
        interaction = await emu.send_interaction(world.general, world.member, "slow")
        await emu.wait_until(lambda: interaction.failures, timeout=5, describe=interaction.describe)
        (violation,) = emu.take_violations()
        assert violation.kind == "interaction" and "after creation" in violation.reason
        assert not interaction.acknowledged


@pytest.mark.asyncio
async def test_rest_contract_without_a_bot() -> None:
    async with running_emulator() as emu, aiohttp.ClientSession() as session:
        emu.add_guild()
        auth = {"Authorization": f"Bot {emu.token}"}
        async with session.get(f"{emu.api_base}/users/@me", headers=auth) as response:
            assert response.headers["Content-Type"] == "application/json"
            assert (await response.json())["id"] == str(emu.bot.id)
        async with session.get(f"{emu.api_base}/users/@me", headers={"Authorization": "Bot nope"}) as response:
            assert response.status == 401
        async with session.get(f"{emu.api_base}/no/such/route", headers=auth) as response:
            assert response.status == 404
        bad = [{"name": "Bad Name", "description": ""}]
        url = f"{emu.api_base}/applications/{emu.application_id}/commands"
        async with session.put(url, json=bad, headers=auth) as response:
            assert response.status == 400 and (await response.json())["code"] == 50035
        assert [v.kind for v in emu.take_violations()] == ["auth", "unknown_endpoint", "commands", "commands"]


def test_limit_rules() -> None:
    embeds = [{"title": "t" * 256, "description": "d" * 4096}, {"description": "d" * 2000}]
    assert [p.message for p in embed_problems(embeds)] == ["Embed size exceeds maximum size of 6000 (6352)."]
    assert mention_problem({"allowed_mentions": {"parse": []}}) is None
    assert mention_problem({"allowed_mentions": {"parse": ["users"]}})
    assert mention_problem({"content": "hi"})
