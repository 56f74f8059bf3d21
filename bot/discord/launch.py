"""Starting the Discord bot: the token from the environment, the service, the settings store, then discord.py.

Whatever stops the start (a rejected token, no network, a refused intent) becomes an OperatorError: one line and
an exit status, after the settings database and the Discord connection are closed, so the process never lingers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal

import aiohttp
import discord
from discord.http import Route

from bot.core.operations import EXIT_TRY_AGAIN, OperatorError, only_bot_on, writing_state
from bot.core.service import StoryService
from bot.core.settings import Settings
from bot.discord.app import StoryBot
from bot.discord.command_sync import sync_if_changed
from bot.store import guild_defaults, open_store
from bot.store.postgres import PostgresGuildStore
from bot.store.shard_claims import ShardClaim

log = logging.getLogger(__name__)
__all__ = ["create_bot", "guild_defaults", "run_discord"]

PORTAL = "https://discord.com/developers/applications"
# Gateway close codes that mean the operator must change something (the token, the intents, the sharding).
REFUSED_CLOSE_CODES = {
    4004: f"DISCORD_TOKEN was rejected by Discord's gateway (authentication failed): copy it again from {PORTAL}",
    4010: "Discord refused the shard settings (invalid shard)",
    4011: "Discord requires sharding for this bot (too many servers for one connection)",
    4012: "Discord refused the gateway version",
    4013: "Discord refused the requested intents (invalid intents)",
}


async def create_bot(
    settings: Settings, service: StoryService | None = None, *, claim_shards: bool = False
) -> StoryBot:
    """A bot ready to log in: the story service (built off the event loop if not given) and the settings store.

    `claim_shards` (a bot that will connect, with PostgreSQL): claim this process's shards in the cluster first,
    ShardConflict when another process runs them (bot/store/shard_claims.py).
    """
    if service is None:
        service = await asyncio.to_thread(StoryService.open, settings)
    store = await open_store(settings)
    if claim_shards and isinstance(store, PostgresGuildStore) and settings.database.url is not None:
        try:
            claim = await ShardClaim.acquire(settings.database.url.get_secret_value(), settings)
        except BaseException:
            await store.close()
            raise
        store.on_close(claim.release)
    return StoryBot(settings, service, store)


async def _run(settings: Settings, service: StoryService, token: str, sync_only: bool) -> None:
    bot = await create_bot(settings, service, claim_shards=not sync_only)
    async with bot:
        if sync_only:
            await bot.login(token)
            await sync_if_changed(bot, settings, force=True)
            return
        loop = asyncio.get_running_loop()
        # `docker stop` sends SIGTERM: close cleanly, exit 0 (only the main thread of a POSIX system can listen)
        with contextlib.suppress(NotImplementedError, ValueError, RuntimeError):
            loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(bot.close()))
        await bot.start(token)


def run_discord(settings: Settings, service: StoryService, token: str, *, sync_only: bool = False) -> int:
    """Run the bot until stopped (or just sync its slash commands); the exit status, 0 after a clean stop.

    Raises OperatorError for what stops the start: a rejected token, Discord unreachable, a refused intent, a
    damaged settings database.
    """
    try:
        with contextlib.nullcontext() if sync_only else only_bot_on(settings.state_dir):
            asyncio.run(_run(settings, service, token, sync_only))
    except discord.LoginFailure:
        raise OperatorError(
            f"DISCORD_TOKEN was rejected by Discord (401 Unauthorized): copy the bot's token again from {PORTAL} "
            "(Bot → Reset Token)"
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise OperatorError(
            f"Discord refused the Message Content intent: switch on Bot → Privileged Gateway Intents → Message "
            f"Content Intent at {PORTAL} (README: Setting the bot up in Discord)"
        ) from None
    except discord.ConnectionClosed as error:
        if error.code in REFUSED_CLOSE_CODES:
            raise OperatorError(f"{REFUSED_CLOSE_CODES[error.code]} (close code {error.code})") from None
        raise OperatorError(
            f"Discord closed the connection (close code {error.code}{f': {error.reason}' if error.reason else ''})",
            exit_status=EXIT_TRY_AGAIN,
        ) from None
    except discord.DiscordServerError as error:
        raise OperatorError(
            f"Discord is failing ({error.status} {error.text or 'server error'}): try again later",
            exit_status=EXIT_TRY_AGAIN,
        ) from None
    except (discord.Forbidden, discord.NotFound) as error:
        raise OperatorError(_refusal(settings, error)) from None
    except (aiohttp.ClientConnectionError, discord.GatewayNotFound, TimeoutError, ConnectionError) as error:
        raise OperatorError(
            f"cannot reach Discord at {Route.BASE.split('/api')[0]}: {_connection_reason(error)}; check the network "
            "(the bot stops so that its supervisor restarts it)",
            exit_status=EXIT_TRY_AGAIN,
        ) from None
    except OSError as error:
        if error.filename is None:
            raise  # not a file: unexpected, keep the traceback
        with writing_state(settings.state_dir, "the bot's files"):
            raise
    return 0


def _refusal(settings: Settings, error: discord.HTTPException) -> str:
    """The line for a 403 or 404 at start-up: almost always the slash-command sync to a server the bot is not in."""
    answer = f"{error.status} {error.text or error.response.reason}"
    guild = settings.discord.dev_guild_id
    if "/commands" in str(error.response.url) and guild is not None:
        return (
            f"Discord refused the slash-command sync to [discord] dev_guild_id = {guild} ({answer}): invite the bot "
            "to that server with the applications.commands scope, or correct or remove dev_guild_id"
        )
    if "/commands" in str(error.response.url):
        return f"Discord refused the slash-command sync ({answer}): invite the bot with the applications.commands scope"
    return f"Discord refused a request at start-up ({answer})"


def _connection_reason(error: BaseException) -> str:
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return "the name does not resolve (no network or no DNS)"
    if isinstance(error, aiohttp.ClientConnectorError):
        cause = error.os_error
        return os.strerror(cause.errno) if cause.errno else str(cause) or "connection failed"
    if isinstance(error, OSError) and error.errno:
        return os.strerror(error.errno)
    if isinstance(error, TimeoutError):
        return "no answer (timed out)"
    if isinstance(error, discord.GatewayNotFound):
        return "the gateway address could not be found"
    return str(error) or type(error).__name__
