"""The emulated world's entities (users, roles, channels, members, guilds, files) and Discord's constants."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types).
GUILD_TEXT, DM, GUILD_CATEGORY, GUILD_ANNOUNCEMENT, PUBLIC_THREAD, PRIVATE_THREAD = 0, 1, 4, 5, 11, 12
GUILD_VOICE, GUILD_STAGE_VOICE, GUILD_FORUM, GUILD_MEDIA = 2, 13, 15, 16
VOICE_TYPES = frozenset({GUILD_VOICE, GUILD_STAGE_VOICE})
THREAD_TYPES = frozenset({PUBLIC_THREAD, PRIVATE_THREAD, 10})


class Perm:
    """Permission bits used by the emulator (the full list lives in `discord.Permissions`)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    SEND_MESSAGES_IN_THREADS = 1 << 38
    MODERATE_MEMBERS = 1 << 40
    ALL = (1 << 53) - 1

    EVERYONE_DEFAULT = (
        CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS
    )
    BOT_DEFAULT = EVERYONE_DEFAULT
    DM_CHANNEL = (
        (VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY | ADD_REACTIONS)
        | USE_EXTERNAL_EMOJIS
        | USE_APPLICATION_COMMANDS
    )


def as_bits(value: Any) -> int:
    """An int from an int or anything with `.value` (e.g. `discord.Permissions`)."""
    return int(getattr(value, "value", value))


def iso_now() -> str:
    """Now, as Discord writes timestamps."""
    return datetime.now(UTC).isoformat()


class Snowflakes:
    """Increasing, realistic snowflakes (their timestamp part is the current time)."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        now = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(self._last + 1, now)
        return self._last

    def on_shard(self, shard_id: int, shard_count: int) -> int:
        """A new snowflake whose guild Discord would route to that shard: `(id >> 22) % shard_count == shard_id`."""
        ms = max(int(time.time() * 1000) - DISCORD_EPOCH_MS, (self._last >> 22) + 1)
        ms += (shard_id - ms) % shard_count
        self._last = ms << 22
        return self._last


@dataclass(eq=False)
class User:
    """A Discord user (a person or a bot)."""

    id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    @property
    def mention(self) -> str:
        """`<@id>`."""
        return f"<@{self.id}>"


@dataclass(eq=False)
class Role:
    """A guild role; the @everyone role's id is the guild's id."""

    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    mentionable: bool = False
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        """`<@&id>`."""
        return f"<@&{self.id}>"


@dataclass(eq=False)
class Overwrite:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0


@dataclass(eq=False)
class Channel:
    """A guild text channel, announcement channel, thread, category or DM channel."""

    id: int
    type: int
    name: str | None
    guild_id: int | None = None
    parent_id: int | None = None
    position: int = 0
    topic: str | None = None
    owner_id: int | None = None
    recipients: list[User] = field(default_factory=list)
    overwrites: list[Overwrite] = field(default_factory=list)
    nsfw: bool = False
    archived: bool = False
    last_message_id: int | None = None

    @property
    def is_thread(self) -> bool:
        """A thread (public or private)."""
        return self.type in THREAD_TYPES

    @property
    def mention(self) -> str:
        """`<#id>`."""
        return f"<#{self.id}>"


@dataclass(eq=False)
class Member:
    """A user's membership of a guild."""

    user: User
    guild_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso_now)


@dataclass(eq=False)
class Guild:
    """A guild with its roles, channels (threads included) and members."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)

    @property
    def everyone(self) -> Role:
        """The @everyone role."""
        return self.roles[self.id]

    def role_named(self, name: str) -> Role:
        """The role of that name (KeyError if none)."""
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"no role named {name!r} in guild {self.name!r}")


@dataclass(eq=False)
class StoredFile:
    """Bytes served at `/attachments/{id}/{filename}` (uploads by the bot and attachments of test messages)."""

    id: int
    filename: str
    data: bytes
    content_type: str
