"""The member commands' cooldowns, one set for the whole bot: per member, then per server.

Asking (`who`, `ask`) and finding a message's source (`findsource`, Apps → Find the source) draw on the same buckets,
so no command is a way around another's limit. A bucket is keyed by the member and by the server of either a prefix
command's context or an interaction (a context menu has no context, only its interaction).
"""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.core.settings import DiscordSettings

Source = commands.Context | discord.Interaction


def _member_key(source: Source) -> int:
    return source.user.id if isinstance(source, discord.Interaction) else source.author.id


def _guild_key(source: Source) -> int:
    return source.guild.id if source.guild is not None else _member_key(source)


class AskCooldowns:
    """Per-member and per-server rate limits of the member commands."""

    def __init__(self, settings: DiscordSettings) -> None:
        self.member = commands.CooldownMapping.from_cooldown(
            settings.cooldown_asks, settings.cooldown_seconds, _member_key
        )
        self.guild = commands.CooldownMapping.from_cooldown(
            settings.guild_cooldown_asks, settings.guild_cooldown_seconds, _guild_key
        )

    def check(self, source: Source) -> None:
        """Count one ask; raise CommandOnCooldown (member first, then server) when a limit is reached."""
        for mapping, scope in ((self.member, commands.BucketType.user), (self.guild, commands.BucketType.guild)):
            bucket = mapping.get_bucket(source)  # type: ignore[arg-type]
            retry_after = bucket.update_rate_limit() if bucket else None
            if retry_after:
                raise commands.CommandOnCooldown(bucket, retry_after, scope)
