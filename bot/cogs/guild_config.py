"""Admins configure their guild: answer channels, moderator roles, results per answer, prefix (Manage Server)."""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.app import StoryBot
from bot.guild_store import GuildSettings
from bot.permissions import admin_only

MAX_CHANNELS = 50
MAX_ROLES = 25


def describe(settings: GuildSettings) -> str:
    """A guild's settings as members read them."""
    channels = ", ".join(f"<#{channel}>" for channel in settings.channels) or "every channel"
    roles = ", ".join(f"<@&{role}>" for role in settings.moderator_roles) or "none (Manage Server only)"
    return (
        f"Answers in: {channels}\nModerator roles: {roles}\n"
        f"Passages per answer: {settings.results}\nPrefix: `{settings.prefix}`"
    )


class GuildConfig(commands.Cog):
    """The `config` commands; every one needs Manage Server, and they work in any channel."""

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    async def _changed(self, ctx: commands.Context, what: str, **changes: object) -> None:
        settings = await self.bot.guild_store.set(ctx.guild.id, **changes)
        await self.bot.guild_store.log_action(ctx.guild.id, ctx.author.id, str(ctx.author), "config", what)
        await ctx.send(f"{what}.\n{describe(settings)}")

    @commands.hybrid_group(name="config", description="The bot's settings for this server (Manage Server).")
    @admin_only()
    async def config(self, ctx: commands.Context) -> None:
        """Alone, shows the settings."""
        await self.show(ctx)

    @config.command(name="show", description="Show this server's settings.")
    @admin_only()
    async def show(self, ctx: commands.Context) -> None:
        """Show the guild's settings."""
        await ctx.send(describe(await self.bot.guild_store.get(ctx.guild.id)), ephemeral=True)

    @config.group(name="channels", description="Which channels the bot answers in (empty: all).")
    @admin_only()
    async def channels(self, ctx: commands.Context) -> None:
        """Alone, lists the allowed channels."""
        await self.channels_list(ctx)

    @channels.command(name="add", description="Answer in this channel (the allow-list starts when not empty).")
    @admin_only()
    async def channels_add(self, ctx: commands.Context, channel: discord.TextChannel) -> None:
        """Add a channel to the allow-list."""
        current = (await self.bot.guild_store.get(ctx.guild.id)).channels
        if channel.id in current:
            await ctx.send(f"{channel.mention} is already on the list.")
            return
        if len(current) >= MAX_CHANNELS:
            await ctx.send(f"The list holds at most {MAX_CHANNELS} channels.")
            return
        await self._changed(ctx, f"Added {channel.mention}", channels=(*current, channel.id))

    @channels.command(name="remove", description="Stop answering in this channel.")
    @admin_only()
    async def channels_remove(self, ctx: commands.Context, channel: discord.TextChannel) -> None:
        """Remove a channel from the allow-list."""
        current = (await self.bot.guild_store.get(ctx.guild.id)).channels
        if channel.id not in current:
            await ctx.send(f"{channel.mention} is not on the list.")
            return
        await self._changed(ctx, f"Removed {channel.mention}", channels=tuple(c for c in current if c != channel.id))

    @channels.command(name="list", description="The channels the bot answers in.")
    @admin_only()
    async def channels_list(self, ctx: commands.Context) -> None:
        """List the allowed channels."""
        current = (await self.bot.guild_store.get(ctx.guild.id)).channels
        listed = ", ".join(f"<#{channel}>" for channel in current) or "every channel (the list is empty)"
        await ctx.send(f"Answers in: {listed}", ephemeral=True)

    @config.group(name="modrole", description="Roles whose members count as moderators.")
    @admin_only()
    async def modrole(self, ctx: commands.Context) -> None:
        """Alone, shows the settings."""
        await self.show(ctx)

    @modrole.command(name="add", description="Members with this role can reload and manage articles.")
    @admin_only()
    async def modrole_add(self, ctx: commands.Context, role: discord.Role) -> None:
        """Add a moderator role."""
        current = (await self.bot.guild_store.get(ctx.guild.id)).moderator_roles
        if role.id in current or len(current) >= MAX_ROLES:
            await ctx.send(f"{role.mention} is already a moderator role." if role.id in current else "Too many roles.")
            return
        await self._changed(ctx, f"Added the moderator role {role.mention}", moderator_roles=(*current, role.id))

    @modrole.command(name="remove", description="This role no longer makes its members moderators.")
    @admin_only()
    async def modrole_remove(self, ctx: commands.Context, role: discord.Role) -> None:
        """Remove a moderator role."""
        current = (await self.bot.guild_store.get(ctx.guild.id)).moderator_roles
        if role.id not in current:
            await ctx.send(f"{role.mention} is not a moderator role.")
            return
        remaining = tuple(r for r in current if r != role.id)
        await self._changed(ctx, f"Removed the moderator role {role.mention}", moderator_roles=remaining)

    @config.command(name="results", description="How many passages an answer shows (1–10).")
    @admin_only()
    async def results(self, ctx: commands.Context, count: commands.Range[int, 1, 10]) -> None:
        """Set the passages per answer."""
        await self._changed(ctx, f"Answers now show {count} passages", results=count)

    @config.command(name="prefix", description="The prefix of text commands, e.g. ! or ?")
    @admin_only()
    async def prefix(self, ctx: commands.Context, prefix: str) -> None:
        """Set the text-command prefix (slash commands are unaffected)."""
        prefix = prefix.strip()
        if not 1 <= len(prefix) <= 5 or any(char.isspace() for char in prefix) or "@" in prefix or "`" in prefix:
            await ctx.send("A prefix is 1 to 5 characters, without spaces, @ or backticks.")
            return
        await self._changed(ctx, f"The prefix is now `{prefix}`", prefix=prefix)


async def setup(bot: StoryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(GuildConfig(bot))
