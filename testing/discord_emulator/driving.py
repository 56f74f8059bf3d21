"""What members do, for tests: post messages (MESSAGE_CREATE) and use commands and components (INTERACTION_CREATE)."""

from __future__ import annotations

import asyncio
import mimetypes
import secrets
from typing import TYPE_CHECKING, Any

from .models import Channel, Member, User
from .options import CommandUnavailable, OptionBuilder, check_available, find_command
from .payloads import channel_payload, member_payload, message_payload
from .records import InteractionRecord, SentMessage

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
MESSAGE_COMMAND = 3  # an application command's type (data.type): a message context menu
SELECT_TYPES = (3, 5, 6, 7, 8)


def _user(who: User | Member) -> User:
    return who.user if isinstance(who, Member) else who


class Driving:
    """Mixin of `DiscordEmulator`: the driving API."""

    def _channel(self: DiscordEmulator, channel: Channel | int) -> Channel:
        return channel if isinstance(channel, Channel) else self.world.channels[int(channel)]

    def _check_presence(self: DiscordEmulator, channel: Channel, user: User) -> None:
        guild = self.world.guild_of(channel)
        if guild is not None and user.id not in guild.members:
            raise AssertionError(f"{user.username} is not a member of {guild.name}")
        if guild is None and user.id not in [r.id for r in channel.recipients] and user.id != self.bot.id:
            raise AssertionError(f"{user.username} is not in DM channel {channel.id}")

    async def send_message(
        self: DiscordEmulator,
        channel: Channel | int,
        author: User | Member,
        content: str = "",
        *,
        attachments: Any = (),
        embeds: list[dict[str, Any]] | None = None,
        reply_to: dict[str, Any] | SentMessage | int | None = None,
    ) -> dict[str, Any]:
        """A member posts a message; the bot gets MESSAGE_CREATE (member, roles, mentions; content per intents).

        attachments: (filename, bytes) or (filename, bytes, content_type) — served back by the emulator.
        """
        channel = self._channel(channel)
        user = _user(author)
        self._check_presence(channel, user)
        files = []
        for filename, data, *rest in attachments:
            content_type = rest[0] if rest else mimetypes.guess_type(filename)[0] or "application/octet-stream"
            files.append(self.attachment(self.world.add_file(filename, data, content_type)))
        body: dict[str, Any] = {"content": content, "embeds": embeds or []}
        if reply_to is not None:
            reply_id = reply_to.id if isinstance(reply_to, SentMessage) else reply_to
            reply_id = reply_id["id"] if isinstance(reply_id, dict) else reply_id
            body["message_reference"] = {"message_id": str(reply_id), "channel_id": str(channel.id)}
        message = message_payload(self.world, channel, user, body, message_id=self.world.ids(), attachments=files)
        self.world.messages[int(message["id"])] = message
        channel.last_message_id = int(message["id"])
        self.user_messages.append(message)
        await self.store.dispatch("MESSAGE_CREATE", message)
        self.notify()
        return message

    async def redeliver(self: DiscordEmulator, message: dict[str, Any]) -> None:
        """Deliver a member's message (as `send_message` returned it) again: the same MESSAGE_CREATE, same id, as
        the gateway may after a resume. Discord does not promise exactly-once delivery."""
        await self.store.dispatch("MESSAGE_CREATE", message)
        self.notify()

    async def send_interaction(
        self: DiscordEmulator,
        channel: Channel | int,
        user: User | Member,
        command_name: str | None = None,
        options: dict[str, Any] | None = None,
        *,
        type: int = APPLICATION_COMMAND,
        custom_id: str | None = None,
        message: dict[str, Any] | SentMessage | None = None,
        values: list[str] | None = None,
        focused: str | None = None,
        fields: dict[str, str] | None = None,
        locale: str = "en-US",
    ) -> InteractionRecord:
        """A member uses a slash command (type 2, "group sub" names allowed), a component (3, custom_id, message:
        defaults to the newest bot message carrying it), autocomplete (4, `focused` option, default the last one)
        or submits a modal (5, custom_id, fields={input custom_id: value}). Returns the record to wait on."""
        channel = self._channel(channel)
        who = _user(user)
        payload, guild = self._interaction_payload(channel, who, type, locale)
        if type in (APPLICATION_COMMAND, AUTOCOMPLETE):
            assert command_name, "a command interaction needs command_name"
            root, *path = command_name.split()
            command = find_command(self, guild, root)
            check_available(self, command, guild, who)
            builder = OptionBuilder(self, guild, channel)
            built = builder.build(command, path, options or {}, focused=focused, autocomplete=type == AUTOCOMPLETE)
            data: dict[str, Any] = {"id": command["id"], "name": root, "type": 1, "options": built}
            if "guild_id" in command:
                data["guild_id"] = command["guild_id"]
            if builder.resolved:
                data["resolved"] = builder.resolved
        elif type == COMPONENT:
            assert custom_id, "a component interaction needs custom_id"
            target = self._component_message(channel, custom_id, message)
            payload["message"] = target
            data = {"custom_id": custom_id, "component_type": _component_type(target, custom_id)}
            if values is not None:
                data["values"] = list(values)
        elif type == MODAL_SUBMIT:
            assert custom_id, "a modal submit needs the modal's custom_id"
            rows = [
                {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]} for k, v in (fields or {}).items()
            ]
            data = {"custom_id": custom_id, "components": rows}
            if message is not None:
                payload["message"] = message.message if isinstance(message, SentMessage) else message
        else:
            raise ValueError(f"unsupported interaction type {type}")
        return await self._dispatch_interaction(payload, data, channel, who, guild)

    async def send_message_command(
        self: DiscordEmulator,
        channel: Channel | int,
        user: User | Member,
        name: str,
        target: dict[str, Any] | SentMessage | int,
        *,
        locale: str = "en-US",
    ) -> InteractionRecord:
        """A member uses a message context menu (Apps → `name`) on `target`, as Discord sends it: an interaction of
        type 2 whose `data.type` is 3, with `data.target_id` and the message in `data.resolved.messages` (its
        content included, whatever the bot's intents). `target` may be a message deleted meanwhile (a client that
        had not heard of the deletion): it is sent as it was."""
        channel = self._channel(channel)
        who = _user(user)
        payload, guild = self._interaction_payload(channel, who, APPLICATION_COMMAND, locale)
        command = find_command(self, guild, name, kind=MESSAGE_COMMAND)
        check_available(self, command, guild, who)
        if isinstance(target, int):
            target = self.world.messages[target]
        message = target.message if isinstance(target, SentMessage) else target
        assert int(message["channel_id"]) == channel.id, "a context menu is used on a message of that channel"
        resolved = {key: value for key, value in message.items() if key not in ("guild_id", "member")}
        data: dict[str, Any] = {
            "id": command["id"],
            "name": name,
            "type": MESSAGE_COMMAND,
            "target_id": message["id"],
            "resolved": {"messages": {message["id"]: resolved}},
        }
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self._dispatch_interaction(payload, data, channel, who, guild)

    def _interaction_payload(
        self: DiscordEmulator, channel: Channel, who: User, kind: int, locale: str
    ) -> tuple[dict[str, Any], Any]:
        """The fields every interaction carries (who, where, permissions, context), and the channel's guild."""
        self._check_presence(channel, who)
        guild = self.world.guild_of(channel)
        interaction_id = self.world.ids()
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "token": f"emu{interaction_id}.{secrets.token_urlsafe(48)}",
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": self.max_upload_bytes,
            "app_permissions": str(self.world.permissions_in(channel, self.bot.id)),
            "channel_id": str(channel.id),
            "channel": {**channel_payload(channel), "permissions": str(self.world.permissions_in(channel, who.id))},
            "authorizing_integration_owners": {"0": str(guild.id)} if guild else {"1": str(who.id)},
            "context": 0 if guild else 1,
        }
        if guild is not None:
            perms = self.world.permissions_in(channel, who.id)
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=member_payload(guild.members[who.id], permissions=perms),
            )
        else:
            payload["user"] = self.user_json(who)
        return payload, guild

    async def _dispatch_interaction(
        self: DiscordEmulator, payload: dict[str, Any], data: dict[str, Any], channel: Channel, who: User, guild: Any
    ) -> InteractionRecord:
        """Record the interaction and send INTERACTION_CREATE to the bot."""
        payload["data"] = data
        loop_time = asyncio.get_running_loop().time()
        interaction_id, kind = int(payload["id"]), int(payload["type"])
        record = InteractionRecord(interaction_id, payload["token"], kind, payload, loop_time, channel.id, who.id)
        self.interactions[interaction_id] = record
        self.interactions_by_token[record.token] = record
        await self.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=guild.id if guild else None)
        self.notify()
        return record

    def _component_message(
        self: DiscordEmulator, channel: Channel, custom_id: str, message: dict[str, Any] | SentMessage | None
    ) -> dict[str, Any]:
        if isinstance(message, SentMessage):
            return message.message
        if message is not None:
            return message
        for sent in reversed(self.bot_messages(channel)):
            if not sent.deleted and _component_type(sent.message, custom_id) is not None:
                return sent.message
        raise CommandUnavailable(f"no message from the bot in channel {channel.id} has a component {custom_id!r}")


def _component_type(message: dict[str, Any], custom_id: str) -> int | None:
    stack = list(message.get("components") or [])
    while stack:
        component = stack.pop()
        if component.get("custom_id") == custom_id:
            if component.get("disabled"):
                raise CommandUnavailable(f"component {custom_id!r} is disabled: nobody can press it")
            return int(component["type"])
        stack += component.get("components") or []
    return None
