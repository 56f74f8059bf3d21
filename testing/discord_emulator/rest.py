"""REST routes for users, the application, the gateway, guilds, channels, messages and attachment downloads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .http_util import API_PREFIX as API
from .http_util import DiscordError, json_response, no_content, not_found, read_body, route_of, snowflake
from .models import Channel, Guild
from .payloads import application_payload, channel_payload, guild_payload, me_payload, member_payload, role_payload

if TYPE_CHECKING:
    from .emulator import DiscordEmulator


class RestRoutes:
    """Everything discord.py calls outside application commands and interactions."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.world = emu.world

    def routes(self) -> list[web.RouteDef]:
        """The route table."""
        messages = f"{API}/channels/{{channel_id}}/messages"
        message = f"{messages}/{{message_id}}"
        return [
            web.get(f"{API}/users/@me", self.me),
            web.post(f"{API}/users/@me/channels", self.open_dm),
            web.get(f"{API}/users/{{user_id}}", self.user),
            web.get(f"{API}/oauth2/applications/@me", self.application),
            web.get(f"{API}/applications/@me", self.application),
            web.get(f"{API}/gateway", self.gateway),
            web.get(f"{API}/gateway/bot", self.gateway_bot),
            web.get(f"{API}/guilds/{{guild_id}}", self.guild),
            web.get(f"{API}/guilds/{{guild_id}}/channels", self.guild_channels),
            web.get(f"{API}/guilds/{{guild_id}}/roles", self.guild_roles),
            web.get(f"{API}/guilds/{{guild_id}}/members/{{user_id}}", self.member),
            web.get(f"{API}/channels/{{channel_id}}", self.channel),
            web.post(f"{API}/channels/{{channel_id}}/typing", self.typing),
            web.post(messages, self.create_message),
            web.get(messages, self.history),
            web.get(message, self.get_message),
            web.patch(message, self.edit_message),
            web.delete(message, self.delete_message),
            web.put(f"{message}/reactions/{{emoji}}/@me", self.add_reaction),
            web.delete(f"{message}/reactions/{{emoji}}/@me", self.remove_reaction),
            web.get("/attachments/{file_id}/{filename}", self.attachment),
        ]

    # -- lookups ---------------------------------------------------------------------------------------------------

    def _guild(self, request: web.Request) -> Guild:
        guild = self.world.guilds.get(snowflake(request, "guild_id"))
        if guild is None:
            raise not_found(10004, "Guild")
        if self.world.bot.id not in guild.members:
            raise DiscordError(403, 50001, "Missing Access")
        return guild

    def _channel(self, request: web.Request) -> Channel:
        channel = self.world.channels.get(snowflake(request, "channel_id"))
        if channel is None:
            raise not_found(10003, "Channel")
        guild = self.world.guild_of(channel)
        if guild is not None and self.world.bot.id not in guild.members:
            raise DiscordError(403, 50001, "Missing Access")
        return channel

    def _message(self, request: web.Request) -> dict[str, Any]:
        channel = self._channel(request)
        message = self.world.messages.get(snowflake(request, "message_id"))
        if message is None or int(message["channel_id"]) != channel.id:
            raise not_found(10008, "Message")
        return message

    # -- users, application, gateway -------------------------------------------------------------------------------

    async def me(self, request: web.Request) -> web.Response:
        """`GET /users/@me`: what login reads."""
        return json_response(me_payload(self.world.bot))

    async def user(self, request: web.Request) -> web.Response:
        """`GET /users/{id}`."""
        user = self.world.users.get(snowflake(request, "user_id"))
        if user is None:
            raise not_found(10013, "User")
        return json_response(self.emu.user_json(user))

    async def open_dm(self, request: web.Request) -> web.Response:
        """`POST /users/@me/channels`: the DM channel with a user."""
        body = await read_body(request)
        user = self.world.users.get(int((body.payload or {}).get("recipient_id", 0)))
        if user is None:
            raise not_found(10013, "User")
        return json_response(channel_payload(self.world.dm_channel(user)))

    async def application(self, request: web.Request) -> web.Response:
        """`GET /oauth2/applications/@me`."""
        return json_response(application_payload(self.world.bot, self.emu.owner, self.emu.application_flags))

    async def gateway(self, request: web.Request) -> web.Response:
        """`GET /gateway`."""
        return json_response({"url": self.emu.gateway_url})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        """`GET /gateway/bot`: the emulator's websocket, the shard count and session start limits."""
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return json_response(
            {"url": self.emu.gateway_url, "shards": self.emu.shard_count, "session_start_limit": limit}
        )

    # -- guilds and channels ---------------------------------------------------------------------------------------

    async def guild(self, request: web.Request) -> web.Response:
        """`GET /guilds/{id}`."""
        return json_response(guild_payload(self._guild(request)))

    async def guild_channels(self, request: web.Request) -> web.Response:
        """`GET /guilds/{id}/channels` (threads excluded, as Discord does)."""
        channels = [channel_payload(c) for c in self._guild(request).channels.values() if not c.is_thread]
        return json_response(channels)

    async def guild_roles(self, request: web.Request) -> web.Response:
        """`GET /guilds/{id}/roles`."""
        return json_response([role_payload(role) for role in self._guild(request).roles.values()])

    async def member(self, request: web.Request) -> web.Response:
        """`GET /guilds/{id}/members/{user_id}`."""
        member = self._guild(request).members.get(snowflake(request, "user_id"))
        if member is None:
            raise not_found(10007, "Member")
        return json_response(member_payload(member))

    async def channel(self, request: web.Request) -> web.Response:
        """`GET /channels/{id}`."""
        return json_response(channel_payload(self._channel(request)))

    async def typing(self, request: web.Request) -> web.Response:
        """`POST /channels/{id}/typing`: recorded in `emu.typing`."""
        self.emu.typing.append(self._channel(request).id)
        self.emu.notify()
        return no_content()

    # -- messages --------------------------------------------------------------------------------------------------

    async def create_message(self, request: web.Request) -> web.Response:
        """`POST /channels/{id}/messages` (JSON or multipart with files)."""
        channel = self._channel(request)
        body = await read_body(request)
        payload = body.payload if isinstance(body.payload, dict) else {}
        sent = await self.emu.store.create(channel, payload, body.files, route=route_of(request), via="channel")
        return json_response(sent.message)

    async def history(self, request: web.Request) -> web.Response:
        """`GET /channels/{id}/messages?limit=&before=&after=`: newest first."""
        channel = self._channel(request)
        limit = min(int(request.query.get("limit", 50)), 100)
        before, after = request.query.get("before"), request.query.get("after")
        found = [
            m
            for m in self.world.channel_messages(channel.id)
            if (before is None or int(m["id"]) < int(before)) and (after is None or int(m["id"]) > int(after))
        ]
        return json_response(list(reversed(found))[:limit])

    async def get_message(self, request: web.Request) -> web.Response:
        """`GET /channels/{id}/messages/{message_id}`."""
        return json_response(self._message(request))

    async def edit_message(self, request: web.Request) -> web.Response:
        """`PATCH /channels/{id}/messages/{message_id}`: only the bot's own messages."""
        message = self._message(request)
        if int(message["author"]["id"]) != self.world.bot.id:
            self.emu.record("permissions", route_of(request), "edit of a message authored by someone else", None)
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        body = await read_body(request)
        payload = body.payload if isinstance(body.payload, dict) else {}
        edited = await self.emu.store.edit(message, payload, body.files, route=route_of(request), mentions=False)
        return json_response(edited)

    async def delete_message(self, request: web.Request) -> web.Response:
        """`DELETE /channels/{id}/messages/{message_id}`."""
        await self.emu.store.delete(self._message(request))
        return no_content()

    async def add_reaction(self, request: web.Request) -> web.Response:
        """`PUT .../reactions/{emoji}/@me`: recorded on the message's `reactions`."""
        message = self._message(request)
        emoji = request.match_info["emoji"]
        reactions = message.setdefault("reactions", [])
        if not any(r["emoji"]["name"] == emoji for r in reactions):
            reactions.append({"count": 1, "me": True, "emoji": {"id": None, "name": emoji}})
        self.emu.notify()
        return no_content()

    async def remove_reaction(self, request: web.Request) -> web.Response:
        """`DELETE .../reactions/{emoji}/@me`."""
        message = self._message(request)
        emoji = request.match_info["emoji"]
        message["reactions"] = [r for r in message.get("reactions", []) if r["emoji"]["name"] != emoji]
        return no_content()

    async def attachment(self, request: web.Request) -> web.Response:
        """`GET /attachments/{id}/{filename}`: the bytes of an uploaded or test-attached file (the emulator's CDN)."""
        stored = self.world.files.get(snowflake(request, "file_id"))
        if stored is None or stored.filename != request.match_info["filename"]:
            raise not_found(0, "Attachment")
        return web.Response(body=stored.data, headers={"Content-Type": stored.content_type})
