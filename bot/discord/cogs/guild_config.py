"""Admins configure their guild: answer channels, moderator roles, results per answer, prefix (Manage Server).

Every change is one `GuildSettingsStore.update` under the guild's lock: the rule ("already on the list", "at most
50") is checked against the settings as they are when the change is written, so two admins at once both get the
truth. Slash `/config` is hidden from members without Manage Server (`default_permissions`); the bot checks anyway.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.commands import discord_options
from bot.core.prefix_rules import prefix_problem
from bot.core.settings import MAX_RESULTS, MIN_RESULTS
from bot.discord.app import StoryBot
from bot.discord.permissions import admin_only
from bot.discord.settings_describe import channel_list, describe, role_list, unknown_subcommand
from bot.discord.settings_input import AnswerChannel, ListedChannel, ListedRole, ModeratorRole, Pick
from bot.discord.settings_rules import answer_channel_problem, moderator_role_problem
from bot.store import Change, GuildSettings, SettingRefused

MAX_CHANNELS = 50
MAX_ROLES = 25


class GuildConfig(commands.Cog):
    """The `config` commands; every one needs Manage Server, and they work in any channel."""

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    async def _change(self, ctx: commands.Context, what: str, change: Change) -> GuildSettings | None:
        """Apply a change under the guild's lock; reply with the refusal, or log it. None when refused."""
        try:
            settings = await self.bot.guild_store.update(ctx.guild.id, change)
        except SettingRefused as refused:
            await ctx.send(str(refused), ephemeral=True)
            return None
        await self.bot.guild_store.log_action(ctx.guild.id, ctx.author.id, str(ctx.author), "config", what)
        return settings

    async def _changed(self, ctx: commands.Context, what: str, change: Change) -> None:
        settings = await self._change(ctx, what, change)
        if settings is not None:
            await ctx.send(f"{what}.\n{describe(settings, ctx.guild)}")

    @commands.hybrid_group(**discord_options("config"), invoke_without_command=True)
    @app_commands.default_permissions(manage_guild=True)
    @admin_only()
    async def config(self, ctx: commands.Context, *, unknown: str = "") -> None:
        """Alone, shows the settings; an unknown subcommand is named, with the real ones (prefix form only: a hybrid
        group runs its own callback, with the rest of the message, when no subcommand matched)."""
        if unknown:
            await ctx.send(unknown_subcommand(unknown, self.config), ephemeral=True)
            return
        await self.show(ctx)

    @config.command(**discord_options("config show"), ignore_extra=False)
    @admin_only()
    async def show(self, ctx: commands.Context) -> None:
        """Show the guild's settings; listed channels and roles that no longer exist are marked."""
        await ctx.send(describe(await self.bot.guild_store.get(ctx.guild.id), ctx.guild), ephemeral=True)

    @config.group(**discord_options("config channels"), invoke_without_command=True)
    @admin_only()
    async def channels(self, ctx: commands.Context, *, unknown: str = "") -> None:
        """Alone, lists the allowed channels."""
        if unknown:
            await ctx.send(unknown_subcommand(unknown, self.channels), ephemeral=True)
            return
        await self.channels_list(ctx)

    @channels.command(**discord_options("config channels add"))
    @app_commands.describe(channel="A text channel, an announcement channel or a thread")
    @admin_only()
    async def channels_add(self, ctx: commands.Context, *, channel: AnswerChannel) -> None:
        """Add a text channel, announcement channel or thread to the allow-list."""
        problem = answer_channel_problem(channel, ctx.guild)
        if problem:
            await ctx.send(problem, ephemeral=True)
            return
        mention = f"<#{channel.id}>"
        parent_id = getattr(channel.found, "parent_id", None) if isinstance(channel.found, discord.Thread) else None

        cached = ctx.guild.get_channel_or_thread(channel.id) is not None

        def add(current: GuildSettings) -> dict[str, object]:
            if cached and ctx.guild.get_channel_or_thread(channel.id) is None:  # deleted while waiting for the lock
                raise SettingRefused(f"The channel `{channel.id}` was just deleted.")
            if channel.id in current.channels:
                raise SettingRefused(f"{mention} is already on the list.")
            if parent_id in current.channels:
                raise SettingRefused(f"{mention} is a thread of <#{parent_id}>, which is on the list: I answer there.")
            if len(current.channels) >= MAX_CHANNELS:
                raise SettingRefused(f"The list holds at most {MAX_CHANNELS} channels: remove one first.")
            return {"channels": (*current.channels, channel.id)}

        settings = await self._change(ctx, f"Added {mention}", add)
        if settings is not None:
            warning = _cannot_send_warning(channel.found, ctx.guild)
            await ctx.send(f"Added {mention}.{warning}\n{describe(settings, ctx.guild)}")

    @channels.command(**discord_options("config channels remove"))
    @app_commands.describe(channel="A channel on the list (deleted ones are listed by id)")
    @admin_only()
    async def channels_remove(self, ctx: commands.Context, *, channel: ListedChannel) -> None:
        """Remove a channel from the allow-list, by mention, id or name, even once it has been deleted."""

        def remove(current: GuildSettings) -> dict[str, object]:
            if channel.id is None or channel.id not in current.channels:
                raise SettingRefused(f"{_named(channel, '#')} is not on the list. {channel_list(current, ctx.guild)}")
            return {"channels": tuple(c for c in current.channels if c != channel.id)}

        named = f"<#{channel.id}>" if channel.found is not None else f"the deleted channel `{channel.id}`"
        settings = await self._change(ctx, f"Removed {named}", remove)
        if settings is not None:
            everywhere = "" if settings.channels else " The list is empty: I answer in every channel again."
            await ctx.send(f"Removed {named}.{everywhere}\n{describe(settings, ctx.guild)}")

    @channels.command(**discord_options("config channels clear"), ignore_extra=False)
    @admin_only()
    async def channels_clear(self, ctx: commands.Context) -> None:
        """Forget every allowed channel, deleted or not."""
        was: list[int] = []

        def clear(current: GuildSettings) -> dict[str, object]:
            if not current.channels:
                raise SettingRefused("The list is already empty: I answer in every channel.")
            was[:] = current.channels
            return {"channels": ()}

        settings = await self._change(ctx, "Cleared the channel list", clear)
        if settings is not None:
            removed = ", ".join(f"<#{channel}>" for channel in was)
            await ctx.send(f"Cleared the list (it held {removed}): I answer in every channel again.")

    @channels.command(**discord_options("config channels list"), ignore_extra=False)
    @admin_only()
    async def channels_list(self, ctx: commands.Context) -> None:
        """List the allowed channels."""
        await ctx.send(channel_list(await self.bot.guild_store.get(ctx.guild.id), ctx.guild), ephemeral=True)

    @config.group(**discord_options("config modrole"), invoke_without_command=True)
    @admin_only()
    async def modrole(self, ctx: commands.Context, *, unknown: str = "") -> None:
        """Alone, lists the moderator roles."""
        if unknown:
            await ctx.send(unknown_subcommand(unknown, self.modrole), ephemeral=True)
            return
        await ctx.send(role_list(await self.bot.guild_store.get(ctx.guild.id), ctx.guild), ephemeral=True)

    @modrole.command(**discord_options("config modrole add"))
    @app_commands.describe(role="A role you hand out (not @everyone, not a bot's or integration's role)")
    @admin_only()
    async def modrole_add(self, ctx: commands.Context, *, role: ModeratorRole) -> None:
        """Add a moderator role (not @everyone, not a role Discord hands out by itself)."""
        problem = moderator_role_problem(role, ctx.guild)
        if problem:
            await ctx.send(problem, ephemeral=True)
            return

        def add(current: GuildSettings) -> dict[str, object]:
            if ctx.guild.get_role(role.id) is None:  # deleted while we waited for the lock
                raise SettingRefused(f"The role `{role.id}` was just deleted.")
            if role.id in current.moderator_roles:
                raise SettingRefused(f"<@&{role.id}> is already a moderator role.")
            if len(current.moderator_roles) >= MAX_ROLES:
                raise SettingRefused(f"At most {MAX_ROLES} moderator roles: remove one first.")
            return {"moderator_roles": (*current.moderator_roles, role.id)}

        await self._changed(ctx, f"Added the moderator role <@&{role.id}>", add)

    @modrole.command(**discord_options("config modrole remove"))
    @app_commands.describe(role="A moderator role (deleted ones are listed by id)")
    @admin_only()
    async def modrole_remove(self, ctx: commands.Context, *, role: ListedRole) -> None:
        """Remove a moderator role, by mention, id or name, even once it has been deleted."""

        def remove(current: GuildSettings) -> dict[str, object]:
            if role.id is None or role.id not in current.moderator_roles:
                raise SettingRefused(f"{_named(role, '@')} is not a moderator role. {role_list(current, ctx.guild)}")
            return {"moderator_roles": tuple(r for r in current.moderator_roles if r != role.id)}

        named = f"the moderator role <@&{role.id}>" if role.found is not None else f"the deleted role `{role.id}`"
        await self._changed(ctx, f"Removed {named}", remove)

    @modrole.command(**discord_options("config modrole clear"), ignore_extra=False)
    @admin_only()
    async def modrole_clear(self, ctx: commands.Context) -> None:
        """Forget every moderator role, deleted or not."""

        def clear(current: GuildSettings) -> dict[str, object]:
            if not current.moderator_roles:
                raise SettingRefused("There are no moderator roles: only admins (Manage Server) moderate.")
            return {"moderator_roles": ()}

        await self._changed(ctx, "Cleared the moderator roles: only admins (Manage Server) moderate now", clear)

    @config.command(**discord_options("config results"), ignore_extra=False)
    @app_commands.describe(count=f"From {MIN_RESULTS} to {MAX_RESULTS}")
    @admin_only()
    async def results(self, ctx: commands.Context, count: commands.Range[int, MIN_RESULTS, MAX_RESULTS]) -> None:
        """Set the passages per answer."""
        await self._changed(ctx, f"Answers now show {count} passages", lambda current: {"results": count})

    @config.command(**discord_options("config prefix"))
    @app_commands.describe(prefix="Up to 5 visible characters, no spaces, e.g. ? or $")
    @admin_only()
    async def prefix(self, ctx: commands.Context, *, prefix: str) -> None:
        """Set the text-command prefix (slash commands and mentioning the bot keep working whatever it is)."""
        problem = prefix_problem(prefix)
        if problem:
            await ctx.send(f"{problem} The prefix stays as it was.", ephemeral=True)
            return
        await self._changed(ctx, f"The prefix is now `{prefix}`", lambda current: {"prefix": prefix})


def _named(pick: Pick, sigil: str) -> str:
    """What the admin named, for a refusal: the mention of an id, else their words (shortened, escaped)."""
    if pick.id is not None:
        return f"<{sigil}{'&' if sigil == '@' else ''}{pick.id}>"
    return f"“{discord.utils.escape_markdown(discord.utils.escape_mentions(pick.typed.strip()[:80]))}”"


def _cannot_send_warning(channel: object, guild: discord.Guild) -> str:
    """A warning when the bot could not answer in the channel it was just told to answer in."""
    if not isinstance(channel, discord.abc.GuildChannel | discord.Thread):
        return ""
    permissions = channel.permissions_for(guild.me)
    send = permissions.send_messages_in_threads if isinstance(channel, discord.Thread) else permissions.send_messages
    if permissions.view_channel and send:
        return ""
    return " Note: I can't see or send messages there yet: give me View Channel and Send Messages in it."


async def setup(bot: StoryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(GuildConfig(bot))
