"""Settings that would break a server, refused with the reason: what may be an answer channel, a moderator role."""

from __future__ import annotations

import discord

from bot.discord.settings_input import MENTION, Pick

CHANNEL_KINDS = {
    discord.ChannelType.voice: "a voice channel",
    discord.ChannelType.stage_voice: "a stage channel",
    discord.ChannelType.category: "a category",
    discord.ChannelType.forum: "a forum",
    discord.ChannelType.media: "a media channel",
}
ANSWERABLE = {
    discord.ChannelType.text,
    discord.ChannelType.news,
    discord.ChannelType.public_thread,
    discord.ChannelType.private_thread,
    discord.ChannelType.news_thread,
}


def answer_channel_problem(pick: Pick, guild: discord.Guild) -> str | None:
    """Why this can't be an answer channel (None: it can)."""
    if pick.id is None and len(MENTION["channel"].findall(pick.typed)) > 1:
        return "Give one channel at a time."
    if pick.id is None:
        return f"I can't find a channel called “{_shown(pick.typed)}” in this server."
    if pick.found is None:
        where = "in another server" if pick.elsewhere else "not in this server (deleted, or a wrong id)"
        return f"The channel `{pick.id}` is {where}: I answer only in this server's channels."
    kind = getattr(pick.found, "type", None)
    if kind in ANSWERABLE:
        return None
    what = CHANNEL_KINDS.get(kind, "not a text channel")
    hint = " Add its text channels one by one." if kind is discord.ChannelType.category else ""
    if kind in (discord.ChannelType.forum, discord.ChannelType.media):
        hint = " Add one of its posts (a thread) instead."
    return f"<#{pick.id}> is {what}: I answer in text channels, announcement channels and their threads.{hint}"


def moderator_role_problem(pick: Pick, guild: discord.Guild) -> str | None:
    """Why this role must not make its members moderators (None: it may)."""
    if pick.id is None and len(MENTION["role"].findall(pick.typed)) > 1:
        return "Give one role at a time."
    if pick.id is None:
        return f"I can't find a role called “{_shown(pick.typed)}” in this server."
    role = pick.found
    if role is None:
        where = "a role of another server" if pick.elsewhere else "not a role of this server (deleted, or a wrong id)"
        return f"`{pick.id}` is {where}."
    if role.is_default():
        return "@everyone can't be a moderator role: every member of the server would become a moderator."
    if role.is_bot_managed():
        return f"<@&{role.id}> is a bot's own role: only that bot holds it."
    if role.is_premium_subscriber():
        return f"<@&{role.id}> is the Server Booster role: everyone who boosts would become a moderator."
    if role.managed:
        return f"<@&{role.id}> is managed by an integration, which hands it out by itself: choose a role you assign."
    return None


def _shown(typed: str) -> str:
    return discord.utils.escape_markdown(discord.utils.escape_mentions(typed.strip()[:80]))
