"""The emulated world: users, guilds, roles, channels, members, messages and files, plus permission maths."""

from __future__ import annotations

from typing import Any

from .models import (
    DM,
    GUILD_TEXT,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    Channel,
    Guild,
    Member,
    Overwrite,
    Perm,
    Role,
    Snowflakes,
    StoredFile,
    User,
    as_bits,
)


class World:
    """Everything the emulated Discord knows, plus the permission maths."""

    def __init__(self, bot_name: str = "storybot") -> None:
        self.ids = Snowflakes()
        self.users: dict[int, User] = {}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, dict[str, Any]] = {}
        self.files: dict[int, StoredFile] = {}
        self.bot = self.add_user(bot_name, bot=True)

    # -- building --------------------------------------------------------------------------------------------------

    def add_user(self, username: str, *, bot: bool = False, global_name: str | None = None) -> User:
        """A new user."""
        user = User(self.ids(), username, bot=bot, global_name=global_name)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str = "Test Guild",
        *,
        owner: User | str | None = None,
        everyone_permissions: Any = Perm.EVERYONE_DEFAULT,
        bot_permissions: Any = Perm.BOT_DEFAULT,
        with_bot: bool = True,
        channel_name: str | None = "general",
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """A guild with @everyone, its owner as a member, the bot (managed role) and one text channel; `shard`
        (shard id, shard count) picks an id that Discord routes to that shard."""
        owner_user = self._user(owner if owner is not None else f"{name.lower().replace(' ', '-')}-owner")
        guild = Guild(self.ids.on_shard(*shard) if shard else self.ids(), name, owner_user.id)
        self.guilds[guild.id] = guild
        guild.roles[guild.id] = Role(guild.id, guild.id, "@everyone", as_bits(everyone_permissions))
        self.add_member(guild, owner_user)
        if with_bot:
            bot_role = self.add_role(guild, self.bot.username, bot_permissions, managed=True)
            bot_role.bot_id = self.bot.id
            self.add_member(guild, self.bot, roles=[bot_role])
        if channel_name:
            self.add_text_channel(guild, channel_name)
        return guild

    def add_role(
        self, guild: Guild, name: str, permissions: Any = 0, *, mentionable: bool = False, managed: bool = False
    ) -> Role:
        """A new role above the existing ones."""
        position = max((role.position for role in guild.roles.values()), default=0) + 1
        role = Role(
            self.ids(), guild.id, name, as_bits(permissions), position, managed=managed, mentionable=mentionable
        )
        guild.roles[role.id] = role
        return role

    def add_member(
        self,
        guild: Guild,
        user: User | str | None = None,
        *,
        roles: Any = (),
        permissions: Any = None,
        nick: str | None = None,
        bot: bool = False,
    ) -> Member:
        """Add a user (or a new user of that name) to a guild; `permissions` grants them through a personal role."""
        member_user = self._user(user if user is not None else f"member-{len(guild.members) + 1}", bot=bot)
        role_ids = [self._role(guild, role).id for role in roles]
        if permissions is not None:
            role_ids.append(self.add_role(guild, f"{member_user.username} permissions", permissions).id)
        member = Member(member_user, guild.id, role_ids, nick=nick)
        guild.members[member_user.id] = member
        return member

    def add_text_channel(
        self,
        guild: Guild,
        name: str,
        *,
        topic: str | None = None,
        overwrites: dict[Any, tuple[Any, Any]] | None = None,
        type: int = GUILD_TEXT,
        nsfw: bool = False,
    ) -> Channel:
        """A text channel; `overwrites` maps a Role/Member/User (or id) to (allow, deny) bits."""
        position = sum(1 for channel in guild.channels.values() if not channel.is_thread)
        channel = Channel(self.ids(), type, name, guild.id, position=position, topic=topic, nsfw=nsfw)
        for target, (allow, deny) in (overwrites or {}).items():
            kind = 0 if isinstance(target, Role) or getattr(target, "id", target) in guild.roles else 1
            target_id = target.user.id if isinstance(target, Member) else getattr(target, "id", target)
            channel.overwrites.append(Overwrite(int(target_id), kind, as_bits(allow), as_bits(deny)))
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def add_thread(self, parent: Channel, name: str, *, owner: User | None = None, private: bool = False) -> Channel:
        """An active thread under a text channel."""
        assert parent.guild_id is not None, "threads live in guild channels"
        thread_type = PRIVATE_THREAD if private else PUBLIC_THREAD
        owner_id = (owner or self.bot).id
        thread = Channel(self.ids(), thread_type, name, parent.guild_id, parent_id=parent.id, owner_id=owner_id)
        self.guilds[parent.guild_id].channels[thread.id] = thread
        self.channels[thread.id] = thread
        return thread

    def dm_channel(self, user: User) -> Channel:
        """The DM channel between the bot and a user (created on first use)."""
        for channel in self.channels.values():
            if channel.type == DM and channel.recipients and channel.recipients[0].id == user.id:
                return channel
        channel = Channel(self.ids(), DM, None, recipients=[user])
        self.channels[channel.id] = channel
        return channel

    def add_file(self, filename: str, data: bytes, content_type: str) -> StoredFile:
        """Keep bytes to serve at `/attachments/{id}/{filename}`."""
        stored = StoredFile(self.ids(), filename, data, content_type)
        self.files[stored.id] = stored
        return stored

    # -- reading ---------------------------------------------------------------------------------------------------

    def guild_of(self, channel: Channel) -> Guild | None:
        """The channel's guild, None for DMs."""
        return self.guilds.get(channel.guild_id) if channel.guild_id is not None else None

    def member(self, guild: Guild, user_id: int) -> Member | None:
        """The member, if the user is in the guild."""
        return guild.members.get(user_id)

    def base_permissions(self, guild: Guild, user_id: int) -> int:
        """Guild-level permissions: owner and administrators get everything."""
        if user_id == guild.owner_id:
            return Perm.ALL
        member = guild.members.get(user_id)
        bits = guild.everyone.permissions
        for role_id in member.roles if member else []:
            bits |= guild.roles[role_id].permissions
        return Perm.ALL if bits & Perm.ADMINISTRATOR else bits

    def permissions_in(self, channel: Channel, user_id: int) -> int:
        """Permissions in a channel (threads use their parent's overwrites), as Discord computes them."""
        guild = self.guild_of(channel)
        if guild is None:
            return Perm.DM_CHANNEL
        bits = self.base_permissions(guild, user_id)
        if bits & Perm.ADMINISTRATOR or user_id == guild.owner_id:
            return Perm.ALL
        source = self.channels.get(channel.parent_id, channel) if channel.is_thread else channel
        overwrites = {(o.type, o.id): o for o in source.overwrites}
        if everyone := overwrites.get((0, guild.id)):
            bits = (bits & ~everyone.deny) | everyone.allow
        member = guild.members.get(user_id)
        roles = member.roles if member else []
        allow = deny = 0
        for role_id in roles:
            if overwrite := overwrites.get((0, role_id)):
                allow, deny = allow | overwrite.allow, deny | overwrite.deny
        bits = (bits & ~deny) | allow
        if personal := overwrites.get((1, user_id)):
            bits = (bits & ~personal.deny) | personal.allow
        return bits

    def channel_messages(self, channel_id: int) -> list[dict[str, Any]]:
        """The channel's messages, oldest first."""
        return [message for message in self.messages.values() if int(message["channel_id"]) == channel_id]

    # -- coercion --------------------------------------------------------------------------------------------------

    def _user(self, user: User | str, *, bot: bool = False) -> User:
        return user if isinstance(user, User) else self.add_user(user, bot=bot)

    def _role(self, guild: Guild, role: Role | int | str) -> Role:
        if isinstance(role, Role):
            return role
        if isinstance(role, str):
            return guild.role_named(role)
        return guild.roles[int(role)]
