"""Starting the Discord bot: the token from the environment, the service, the settings store, then discord.py."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from pydantic import ValidationError

from bot.app import StoryBot
from bot.command_sync import sync_if_changed
from bot.config import DiscordCredentials, Settings
from bot.service import StoryService
from bot.shard_claims import ShardClaim
from bot.store import guild_defaults, open_store
from bot.store.postgres import PostgresGuildStore

log = logging.getLogger(__name__)
__all__ = ["create_bot", "guild_defaults", "run_discord"]


async def create_bot(
    settings: Settings, service: StoryService | None = None, *, claim_shards: bool = False
) -> StoryBot:
    """A bot ready to log in: the story service (built off the event loop if not given) and the settings store.

    `claim_shards` (a bot that will connect, with PostgreSQL): claim this process's shards in the cluster first,
    ShardConflict when another process runs them (bot/shard_claims.py).
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


async def _run(settings: Settings, token: str, sync_only: bool) -> None:
    bot = await create_bot(settings, claim_shards=not sync_only)
    async with bot:
        if sync_only:
            await bot.login(token)
            await sync_if_changed(bot, settings, force=True)
            return
        await bot.start(token)


def run_discord(settings: Settings, *, sync_only: bool = False) -> int:
    """Run the bot until stopped (or just sync its slash commands); the token comes from DISCORD_TOKEN only."""
    try:
        credentials = DiscordCredentials()
    except ValidationError:
        print("error: DISCORD_TOKEN is empty; set it to the bot token from the developer portal")
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(settings, credentials.token.get_secret_value(), sync_only))
    return 0
