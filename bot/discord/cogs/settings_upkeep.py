"""Settings follow the server: deleted channels and roles are forgotten when Discord says they are gone.

- live: CHANNEL_DELETE, THREAD_DELETE and GUILD_ROLE_DELETE drop the id from the allow-list or the moderator roles;
- after an absence (start-up, a re-invite, a new session): GUILD_CREATE lists every channel and role, so a listed role
  it lacks is gone; a listed channel it lacks may be an archived thread, so Discord is asked (404: gone);
- when a member is refused and no listed channel can be found, the same check runs (at most once a minute a guild).

The allow-list emptied by deletions means "answer in every channel", as for a new server: a WARNING says so, and the
moderation log records every id forgotten. Leaving a guild keeps its settings for when the bot is invited back.
"""

from __future__ import annotations

import logging
import sqlite3
import time

import discord
from discord.ext import commands

from bot.discord.app import StoryBot
from bot.store import GuildSettings

log = logging.getLogger(__name__)

RECHECK_SECONDS = 60.0
DISCORD_USER = (0, "(Discord)")  # who the moderation log names for what Discord's events changed


class SettingsUpkeep(commands.Cog):
    """Listeners that keep per-guild settings pointing at channels and roles that exist."""

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        self._last_check: dict[int, float] = {}

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """A channel was deleted (its threads come as raw thread deletes)."""
        await self.forget(channel.guild.id, "channels", {channel.id}, "was deleted")

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """A thread was deleted, cached or not."""
        await self.forget(payload.guild_id, "channels", {payload.thread_id}, "was deleted")

    @commands.Cog.listener()
    async def on_guild_role_delete(self, role: discord.Role) -> None:
        """A role was deleted: re-creating one of the same name does not make it a moderator role."""
        await self.forget(role.guild.id, "moderator_roles", {role.id}, "was deleted")

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        """GUILD_CREATE at start-up or after a new session: catch up on deletions missed meanwhile."""
        await self.reconcile(guild)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Invited (back): settings kept from last time may name channels and roles deleted meanwhile."""
        await self.reconcile(guild)

    @commands.Cog.listener()
    async def on_stale_allow_list(self, guild: discord.Guild) -> None:
        """A member was refused and no listed channel can be found: check with Discord, at most once a minute."""
        now = time.monotonic()
        if now - self._last_check.get(guild.id, -RECHECK_SECONDS) < RECHECK_SECONDS:
            return
        self._last_check[guild.id] = now
        await self.reconcile(guild)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Kicked, or the guild was deleted: keep its settings (a re-invite restores them), free the cache."""
        log.info("left guild %d (%s); its settings are kept for a re-invite", guild.id, guild.name)
        self.bot.guild_store.forget_cached(guild.id)
        self._last_check.pop(guild.id, None)

    async def reconcile(self, guild: discord.Guild) -> None:
        """Forget listed roles and channels that no longer exist in the guild."""
        try:
            settings = await self.bot.guild_store.get(guild.id)
        except (sqlite3.Error, OSError) as error:
            log.warning("guild %d: could not read its settings to check for deleted channels: %s", guild.id, error)
            return
        gone_roles = {role for role in settings.moderator_roles if guild.get_role(role) is None}
        gone_channels = set()
        for channel_id in settings.channels:
            if guild.get_channel_or_thread(channel_id) is None and await self._deleted(guild, channel_id):
                gone_channels.add(channel_id)
        await self.forget(guild.id, "moderator_roles", gone_roles, "is no longer in the server")
        await self.forget(guild.id, "channels", gone_channels, "is no longer in the server")

    async def _deleted(self, guild: discord.Guild, channel_id: int) -> bool:
        """Ask Discord whether a channel missing from the cache is gone (it may be an archived thread)."""
        try:
            channel = await self.bot.fetch_channel(channel_id)
        except discord.NotFound:
            return True
        except discord.HTTPException as error:  # no access, or Discord is unwell: keep it and check another time
            log.info("guild %d: could not check listed channel %d (%s); keeping it", guild.id, channel_id, error)
            return False
        return getattr(getattr(channel, "guild", None), "id", None) != guild.id

    async def forget(self, guild_id: int, key: str, ids: set[int], why: str) -> None:
        """Drop these ids from one of the guild's lists, if there; log what changed."""
        if not ids:
            return
        dropped: list[int] = []

        def drop(current: GuildSettings) -> dict[str, object]:
            listed = getattr(current, key)
            dropped[:] = [entry for entry in listed if entry in ids]
            return {key: tuple(entry for entry in listed if entry not in ids)} if dropped else {}

        try:
            settings = await self.bot.guild_store.update(guild_id, drop)
            if not dropped:
                return
            what = "the channel allow-list" if key == "channels" else "the moderator roles"
            detail = f"Forgot {', '.join(map(str, dropped))} from {what}: it {why}"
            await self.bot.guild_store.log_action(guild_id, *DISCORD_USER, "config", detail)
        except (sqlite3.Error, OSError) as error:
            log.warning("guild %d: could not forget deleted %s %s: %s", guild_id, key, sorted(ids), error)
            return
        if key == "channels" and not settings.channels:
            log.warning(
                "guild %d: every channel on the allow-list is gone; answering in every channel again "
                "(`config channels add` restricts it anew)",
                guild_id,
            )


async def setup(bot: StoryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(SettingsUpkeep(bot))
