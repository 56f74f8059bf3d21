"""What server admins do while the bot is connected: channels and roles created and deleted, the bot removed from a
guild and invited back, a guild outage. Each changes the world and sends the gateway event Discord sends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .gateway import GUILDS
from .models import GUILD_TEXT, Channel, Guild, Perm, Role
from .payloads import channel_payload, role_payload

if TYPE_CHECKING:
    from .emulator import DiscordEmulator


class GuildEvents:
    """Mixin of `DiscordEmulator`: guild changes made while the bot is connected."""

    async def create_channel(
        self: DiscordEmulator, guild: Guild, name: str, *, type: int = GUILD_TEXT, **options: Any
    ) -> Channel:
        """A new guild channel of any type (voice 2, category 4, stage 13, forum 15…): CHANNEL_CREATE."""
        channel = self.world.add_text_channel(guild, name, type=type, **options)
        await self.gateway.dispatch("CHANNEL_CREATE", channel_payload(channel), guild_id=guild.id, intent=GUILDS)
        self.notify()
        return channel

    async def delete_channel(self: DiscordEmulator, channel: Channel, *, announce: bool = True) -> None:
        """Delete a channel (and its threads, as Discord does): CHANNEL_DELETE, or THREAD_DELETE for a thread.

        announce=False deletes it without telling the bot, as when the bot was offline at the time."""
        guild = self.world.guild_of(channel)
        assert guild is not None, "only guild channels can be deleted"
        payload = channel_payload(channel)
        doomed = [channel, *(c for c in guild.channels.values() if c.is_thread and c.parent_id == channel.id)]
        for gone in doomed:
            guild.channels.pop(gone.id, None)
            self.world.channels.pop(gone.id, None)
        if announce:
            if channel.is_thread:
                thread = {"id": str(channel.id), "guild_id": str(guild.id), "parent_id": str(channel.parent_id)}
                await self.gateway.dispatch(
                    "THREAD_DELETE", {**thread, "type": channel.type}, guild_id=guild.id, intent=GUILDS
                )
            else:
                await self.gateway.dispatch("CHANNEL_DELETE", payload, guild_id=guild.id, intent=GUILDS)
        self.notify()

    async def create_role(
        self: DiscordEmulator, guild: Guild, name: str, permissions: Any = 0, *, managed: bool = False
    ) -> Role:
        """A new role: GUILD_ROLE_CREATE."""
        role = self.world.add_role(guild, name, permissions, managed=managed)
        data = {"guild_id": str(guild.id), "role": role_payload(role)}
        await self.gateway.dispatch("GUILD_ROLE_CREATE", data, guild_id=guild.id, intent=GUILDS)
        self.notify()
        return role

    async def delete_role(self: DiscordEmulator, role: Role, *, announce: bool = True) -> None:
        """Delete a role and take it from every member: GUILD_ROLE_DELETE (announce=False: the bot was offline)."""
        guild = self.world.guilds[role.guild_id]
        assert role.id != guild.id, "@everyone cannot be deleted"
        guild.roles.pop(role.id)
        for member in guild.members.values():
            if role.id in member.roles:
                member.roles.remove(role.id)
        if announce:
            data = {"guild_id": str(guild.id), "role_id": str(role.id)}
            await self.gateway.dispatch("GUILD_ROLE_DELETE", data, guild_id=guild.id, intent=GUILDS)
        self.notify()

    async def remove_bot_from_guild(self: DiscordEmulator, guild: Guild) -> None:
        """The bot is kicked (or the guild deleted): GUILD_DELETE without `unavailable`."""
        await self.gateway.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id, intent=GUILDS)
        guild.members.pop(self.bot.id, None)
        self.notify()

    async def invite_bot_to_guild(self: DiscordEmulator, guild: Guild) -> None:
        """The bot is invited (back): it becomes a member, and GUILD_CREATE follows."""
        if self.bot.id not in guild.members:
            bot_role = self.world.add_role(guild, self.bot.username, Perm.BOT_DEFAULT, managed=True)
            bot_role.bot_id = self.bot.id
            self.world.add_member(guild, self.bot, roles=[bot_role])
        await self.refresh_guild(guild)
        self.notify()

    async def guild_outage(self: DiscordEmulator, guild: Guild) -> None:
        """A Discord outage: GUILD_DELETE with `unavailable: true` (the bot is still a member)."""
        data = {"id": str(guild.id), "unavailable": True}
        await self.gateway.dispatch("GUILD_DELETE", data, guild_id=guild.id, intent=GUILDS)
        self.notify()
