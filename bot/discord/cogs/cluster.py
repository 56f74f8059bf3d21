"""The process in its cluster: its status file on every shard event, and (with PostgreSQL) the corpus follower and
the cluster's IDENTIFY turns (bot/store/cluster.py)."""

from __future__ import annotations

import logging

from discord.ext import commands

from bot.core.shards import shard_label
from bot.discord.app import StoryBot
from bot.store.cluster import CorpusCoordinator, IdentifyGate
from bot.store.postgres import PostgresGuildStore

log = logging.getLogger(__name__)


class Cluster(commands.Cog):
    """Keeps `python -m bot health` current and this process in step with the others."""

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        self.coordinator: CorpusCoordinator | None = None
        self.identify_gate: IdentifyGate | None = None

    async def cog_load(self) -> None:
        """With PostgreSQL: follow the cluster's corpus and take turns to IDENTIFY."""
        store = self.bot.guild_store
        log.info("running %s; settings in %s", shard_label(self.bot.settings), store.description)
        if isinstance(store, PostgresGuildStore):
            self.coordinator = CorpusCoordinator(store, self.bot.service)
            await self.coordinator.start()
            self.identify_gate = IdentifyGate(store)
            self.bot.before_identify_hook = self.identify_gate  # type: ignore[method-assign]

    async def cog_unload(self) -> None:
        """Stop following; give back an IDENTIFY turn."""
        if self.coordinator is not None:
            await self.coordinator.stop()
        if self.identify_gate is not None:
            await self.identify_gate.close()

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        """A shard is connected and has its guilds."""
        await self.bot.record_status()

    @commands.Cog.listener()
    async def on_shard_resumed(self, shard_id: int) -> None:
        """A shard resumed its session."""
        await self.bot.record_status()

    @commands.Cog.listener()
    async def on_shard_disconnect(self, shard_id: int) -> None:
        """A shard lost its connection (discord.py reconnects it)."""
        await self.bot.record_status()


async def setup(bot: StoryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Cluster(bot))
