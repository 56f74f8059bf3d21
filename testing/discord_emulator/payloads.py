"""JSON builders for the objects the emulator hands to discord.py (shaped like Discord's API v10 objects)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from .models import DM, VOICE_TYPES, Channel, Guild, Member, Role, StoredFile, User, iso_now
from .state import World

USER_MENTION = re.compile(r"<@!?(\d+)>")
ROLE_MENTION = re.compile(r"<@&(\d+)>")
EVERYONE_MENTION = re.compile(r"@(everyone|here)\b")


def user_payload(user: User) -> dict[str, Any]:
    """A user object."""
    return {
        "id": str(user.id),
        "username": user.username,
        "discriminator": "0",
        "global_name": user.global_name,
        "avatar": None,
        "bot": user.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }


def me_payload(user: User) -> dict[str, Any]:
    """The bot's own user, as `GET /users/@me` and READY describe it."""
    return {**user_payload(user), "verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"}


def role_payload(role: Role) -> dict[str, Any]:
    """A role object."""
    payload: dict[str, Any] = {
        "id": str(role.id),
        "name": role.name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": role.managed,
        "mentionable": role.mentionable,
        "flags": 0,
    }
    if role.bot_id is not None:
        payload["tags"] = {"bot_id": str(role.bot_id)}
    return payload


def channel_payload(channel: Channel) -> dict[str, Any]:
    """A channel object: DM, thread or guild channel."""
    last = str(channel.last_message_id) if channel.last_message_id else None
    if channel.type == DM:
        recipients = [user_payload(user) for user in channel.recipients]
        return {"id": str(channel.id), "type": DM, "last_message_id": last, "recipients": recipients, "flags": 0}
    base = {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "last_message_id": last,
        "rate_limit_per_user": 0,
        "flags": 0,
        "nsfw": channel.nsfw,
    }
    if channel.is_thread:
        metadata = {
            "archived": channel.archived,
            "auto_archive_duration": 1440,
            "archive_timestamp": iso_now(),
            "locked": False,
            "create_timestamp": iso_now(),
        }
        return {
            **base,
            "parent_id": str(channel.parent_id),
            "owner_id": str(channel.owner_id),
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "thread_metadata": metadata,
        }
    overwrites = [
        {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)} for o in channel.overwrites
    ]
    parent = str(channel.parent_id) if channel.parent_id else None
    payload = {
        **base,
        "position": channel.position,
        "permission_overwrites": overwrites,
        "topic": channel.topic,
        "parent_id": parent,
    }
    if channel.type in VOICE_TYPES:
        payload.update(bitrate=64_000, user_limit=0, rtc_region=None)
    return payload


def member_payload(member: Member, *, with_user: bool = True, permissions: int | None = None) -> dict[str, Any]:
    """A guild member object (MESSAGE_CREATE's `member` has no `user`; interactions add `permissions`)."""
    payload: dict[str, Any] = {
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "roles": [str(role_id) for role_id in member.roles],
        "joined_at": member.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        payload["user"] = user_payload(member.user)
    if permissions is not None:
        payload["permissions"] = str(permissions)
    return payload


def guild_payload(guild: Guild) -> dict[str, Any]:
    """A guild object as `GET /guilds/{id}` answers it."""
    text_channels = [c for c in guild.channels.values() if not c.is_thread]
    system_channel = str(text_channels[0].id) if text_channels else None
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [role_payload(role) for role in guild.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": system_channel,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "max_members": 500_000,
    }


def guild_create_payload(guild: Guild, bot: User, *, all_members: bool) -> dict[str, Any]:
    """GUILD_CREATE: the guild with channels, threads, roles and members (only the bot's own without GUILD_MEMBERS)."""
    members = [m for m in guild.members.values() if all_members or m.user.id == bot.id]
    bot_member = guild.members.get(bot.id)
    return {
        **guild_payload(guild),
        "joined_at": bot_member.joined_at if bot_member else iso_now(),
        "large": False,
        "unavailable": False,
        "lazy": True,
        "member_count": len(guild.members),
        "members": [member_payload(member) for member in members],
        "channels": [channel_payload(c) for c in guild.channels.values() if not c.is_thread],
        "threads": [channel_payload(c) for c in guild.channels.values() if c.is_thread and not c.archived],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def attachment_payload(stored: StoredFile, base_url: str, *, description: str | None = None) -> dict[str, Any]:
    """An attachment object whose url points back at the emulator."""
    url = f"{base_url}/attachments/{stored.id}/{quote(stored.filename)}"
    payload: dict[str, Any] = {
        "id": str(stored.id),
        "filename": stored.filename,
        "size": len(stored.data),
        "url": url,
        "proxy_url": url,
        "content_type": stored.content_type,
    }
    if description:
        payload["description"] = description
    return payload


def parse_mentions(world: World, channel: Channel, content: str) -> tuple[list[User], list[int], bool]:
    """Users, role ids and @everyone/@here found in a message's content (what Discord resolves, pinged or not)."""
    users = [world.users[int(uid)] for uid in dict.fromkeys(USER_MENTION.findall(content)) if int(uid) in world.users]
    guild = world.guild_of(channel)
    roles = [int(rid) for rid in dict.fromkeys(ROLE_MENTION.findall(content)) if guild and int(rid) in guild.roles]
    return users, roles, bool(EVERYONE_MENTION.search(content))


def message_payload(
    world: World,
    channel: Channel,
    author: User,
    body: dict[str, Any],
    *,
    message_id: int,
    attachments: list[dict[str, Any]] = (),  # type: ignore[assignment]
    message_type: int = 0,
) -> dict[str, Any]:
    """A message object from a (validated) create payload; `body` extras like webhook_id are copied through."""
    content = body.get("content") or ""
    users, roles, everyone = parse_mentions(world, channel, content)
    reference = body.get("message_reference")
    referenced = world.messages.get(int(reference["message_id"])) if reference and "message_id" in reference else None
    payload: dict[str, Any] = {
        "id": str(message_id),
        "type": 19 if referenced and message_type == 0 else message_type,
        "channel_id": str(channel.id),
        "author": user_payload(author),
        "content": content,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts", False)),
        "mention_everyone": everyone,
        "mentions": [user_payload(user) for user in users],
        "mention_roles": [str(role_id) for role_id in roles],
        "attachments": list(attachments),
        "embeds": list(body.get("embeds") or []),
        "components": list(body.get("components") or []),
        "pinned": False,
        "flags": int(body.get("flags") or 0),
        "nonce": body.get("nonce"),
    }
    if reference:
        reference = {key: str(value) if key.endswith("_id") else value for key, value in reference.items()}
        payload["message_reference"] = {"type": 0, "channel_id": str(channel.id), **reference}
        payload["referenced_message"] = referenced
    for key in ("webhook_id", "application_id", "interaction_metadata", "interaction"):
        if key in body:
            payload[key] = body[key]
    return payload


def gateway_message(world: World, message: dict[str, Any]) -> dict[str, Any]:
    """MESSAGE_CREATE/UPDATE data: the message plus guild_id, the author's member and members of mentioned users."""
    channel = world.channels[int(message["channel_id"])]
    guild = world.guild_of(channel)
    if guild is None:
        return dict(message)
    event = {**message, "guild_id": str(guild.id)}
    author = guild.members.get(int(message["author"]["id"]))
    if author is not None and "webhook_id" not in message:
        event["member"] = member_payload(author, with_user=False)
    mentions = []
    for mentioned in message["mentions"]:
        member = guild.members.get(int(mentioned["id"]))
        mentions.append({**mentioned, "member": member_payload(member, with_user=False)} if member else mentioned)
    event["mentions"] = mentions
    return event


def application_payload(bot: User, owner: User, flags: int) -> dict[str, Any]:
    """The application object of `GET /oauth2/applications/@me` (its id is the bot user's id)."""
    return {
        "id": str(bot.id),
        "name": bot.username,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": flags,
        "owner": user_payload(owner),
        "team": None,
        "bot": user_payload(bot),
        "hook": True,
        "interactions_endpoint_url": None,
        "redirect_uris": [],
        "tags": [],
        "approximate_guild_count": 1,
    }
