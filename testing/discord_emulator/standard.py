"""A ready-made guild with every kind of member a storybot test needs."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Channel, Guild, Member, Perm, Role, User
from .state import World


@dataclass
class StandardGuild:
    """The usual cast: owner, admin (Manage Server), moderator (a role without permissions), plain members, another
    bot; #general, #news, a thread under #general, and the DM channel between the bot and `member`."""

    guild: Guild
    owner: Member
    admin: Member
    moderator: Member
    member: Member
    other_member: Member
    other_bot: Member
    admin_role: Role
    moderator_role: Role
    general: Channel
    news: Channel
    thread: Channel
    dm: Channel
    bot: Member

    @property
    def users(self) -> list[User]:
        """Every member's user."""
        return [member.user for member in self.guild.members.values()]


def build_standard_guild(
    world: World, name: str = "Story Guild", shard: tuple[int, int] | None = None
) -> StandardGuild:
    """Build the standard guild in `world` (on that shard: (shard id, shard count))."""
    guild = world.add_guild(name, owner="owner", shard=shard)
    owner = guild.members[guild.owner_id]
    admin_role = world.add_role(guild, "Admin", Perm.MANAGE_GUILD | Perm.MANAGE_MESSAGES)
    moderator_role = world.add_role(guild, "Moderator", 0, mentionable=True)
    admin = world.add_member(guild, "admin", roles=[admin_role])
    moderator = world.add_member(guild, "moderator", roles=[moderator_role])
    member = world.add_member(guild, "member")
    other_member = world.add_member(guild, "other-member")
    other_bot = world.add_member(guild, "other-bot", bot=True)
    general = next(c for c in guild.channels.values() if c.name == "general")
    news = world.add_text_channel(guild, "news", topic="Story news")
    thread = world.add_thread(general, "a thread", owner=member.user)
    dm = world.dm_channel(member.user)
    return StandardGuild(
        guild,
        owner,
        admin,
        moderator,
        member,
        other_member,
        other_bot,
        admin_role,
        moderator_role,
        general,
        news,
        thread,
        dm,
        guild.members[world.bot.id],
    )
