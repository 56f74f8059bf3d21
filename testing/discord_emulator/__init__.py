"""A local Discord API emulator (REST + gateway) for end-to-end tests of discord.py bots; nothing leaves 127.0.0.1.

Start with `fixtures.running_emulator()` (or the `discord_emulator` fixture) and `fixtures.running_bot(bot, emu)`.
"""

from .emulator import DiscordEmulator
from .models import Channel, Guild, Member, Perm, Role, User
from .options import CommandUnavailable
from .records import FaultRule, InteractionRecord, SentMessage, Violation
from .standard import StandardGuild

__all__ = [
    "Channel",
    "CommandUnavailable",
    "DiscordEmulator",
    "FaultRule",
    "Guild",
    "InteractionRecord",
    "Member",
    "Perm",
    "Role",
    "SentMessage",
    "StandardGuild",
    "User",
    "Violation",
]
