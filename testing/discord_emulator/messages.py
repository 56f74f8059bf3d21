"""Creating, editing and deleting messages (shared by channel routes and interaction responses), with limit checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .http_util import DiscordError, UploadedFile
from .limits import Problem, form_error, is_empty, mention_problem, message_problems
from .models import DM, Channel, Perm, iso_now
from .payloads import gateway_message, message_payload, parse_mentions
from .records import SentMessage

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

GUILD_MESSAGES, DIRECT_MESSAGES = 1 << 9, 1 << 12
EPHEMERAL = 1 << 6
EDITABLE = ("content", "embeds", "components", "flags", "allowed_mentions", "poll")


class MessageStore:
    """The one place messages are made, so every send (channel, interaction, followup) obeys the same limits."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.world = emu.world

    # -- checks ----------------------------------------------------------------------------------------------------

    def check(self, route: str, body: dict[str, Any], files: list[UploadedFile], *, mentions: bool) -> None:
        """Record and refuse (400) broken limits or an empty message; record (not refuse) a message that may ping."""
        too_big = [f for f in files if len(f.data) > self.emu.max_upload_bytes]
        if too_big:
            reason = f"file {too_big[0].filename!r} is {len(too_big[0].data)} bytes > {self.emu.max_upload_bytes}"
            self.emu.record("limits", route, reason, body)
            raise DiscordError(413, 40005, "Request entity too large")
        problems = message_problems(body, file_count=len(files))
        if problems:
            for problem in problems:
                self.emu.record("limits", route, str(problem), body)
            raise DiscordError(400, 50035, "Invalid Form Body", {"errors": form_error(problems)["errors"]})
        if is_empty(body, file_count=len(files)):
            self.emu.record("empty", route, "empty message (no content, embeds, files or components)", body)
            raise DiscordError(400, 50006, "Cannot send an empty message")
        if mentions and (why := mention_problem(body)):
            self.emu.record("mentions", route, why, body)

    def check_permissions(self, route: str, channel: Channel, files: list[UploadedFile]) -> None:
        """403 50013 when the bot may not see/send in the channel, or attach files."""
        bits = self.world.permissions_in(channel, self.world.bot.id)
        send = Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
        missing = [
            name for name, bit in (("VIEW_CHANNEL", Perm.VIEW_CHANNEL), ("SEND_MESSAGES", send)) if not bits & bit
        ]
        if files and not bits & Perm.ATTACH_FILES:
            missing.append("ATTACH_FILES")
        if missing:
            self.emu.record("permissions", route, f"bot lacks {', '.join(missing)} in channel {channel.id}", None)
            raise DiscordError(403, 50013, "Missing Permissions")

    def checked_reference(self, channel: Channel, body: dict[str, Any]) -> dict[str, Any]:
        """A reply to a message that does not exist (deleted, or in another channel): Discord refuses it (400, Unknown
        message) unless `fail_if_not_exists` is false, in which case the message is sent without the reference."""
        reference = body.get("message_reference")
        if not isinstance(reference, dict) or "message_id" not in reference:
            return body
        target = self.world.messages.get(int(reference["message_id"]))
        if target is not None and int(target["channel_id"]) == channel.id:
            return body
        if reference.get("fail_if_not_exists", True):
            problem = Problem("message_reference", "Unknown message", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE")
            raise DiscordError(400, 50035, "Invalid Form Body", {"errors": form_error([problem])["errors"]})
        return {key: value for key, value in body.items() if key != "message_reference"}

    # -- making ----------------------------------------------------------------------------------------------------

    def store_files(self, files: list[UploadedFile], body: dict[str, Any]) -> list[dict[str, Any]]:
        """Keep uploaded bytes (served back at /attachments/...) and describe them as attachment objects."""
        described = {str(item.get("id")): item for item in body.get("attachments") or [] if isinstance(item, dict)}
        attachments = []
        for upload in files:
            info = described.get(str(upload.index), {})
            stored = self.world.add_file(info.get("filename") or upload.filename, upload.data, upload.content_type)
            attachments.append(self.emu.attachment(stored, description=info.get("description")))
        return attachments

    async def create(
        self,
        channel: Channel,
        body: dict[str, Any],
        files: list[UploadedFile],
        *,
        route: str,
        via: str,
        extra: dict[str, Any] | None = None,
        interaction_id: int | None = None,
        message_type: int = 0,
    ) -> SentMessage:
        """Validate, store, record and (unless ephemeral) dispatch MESSAGE_CREATE for a message by the bot.

        A repeated `nonce` with `enforce_nonce` (a retried send) answers the message already made, as Discord does.
        """
        nonce = body.get("nonce")
        if via == "channel" and body.get("enforce_nonce") and nonce is not None:
            for earlier in self.emu.sent_by_nonce.get((channel.id, nonce), ()):
                if not earlier.deleted:
                    return earlier
        self.check(route, body, files, mentions=True)
        if via == "channel":
            self.check_permissions(route, channel, files)
            body = self.checked_reference(channel, body)
        if via == "channel" and not self.world.permissions_in(channel, self.world.bot.id) & Perm.EMBED_LINKS:
            body = {**body, "embeds": []}  # Discord silently drops embeds without Embed Links
        attachments = self.store_files(files, body)
        message = message_payload(
            self.world,
            channel,
            self.world.bot,
            {**body, **(extra or {})},
            message_id=self.world.ids(),
            attachments=attachments,
            message_type=message_type,
        )
        ephemeral = bool(message["flags"] & EPHEMERAL)
        sent = SentMessage(message, route, via, body, [(f.filename, f.data) for f in files], interaction_id, ephemeral)
        self.remember(sent)
        if not ephemeral:
            await self.dispatch("MESSAGE_CREATE", message)
        self.emu.notify()
        return sent

    def remember(self, sent: SentMessage) -> None:
        """Index a bot message (by id, by nonce, in its channel, and in the ordered feed `wait_for_message` reads)."""
        self.world.messages[sent.id] = sent.message
        self.emu.sent.append(sent)
        self.emu.sent_by_id[sent.id] = sent
        if (nonce := sent.message.get("nonce")) is not None:
            self.emu.sent_by_nonce.setdefault((sent.channel_id, nonce), []).append(sent)
        channel = self.world.channels.get(sent.channel_id)
        if channel is not None:
            channel.last_message_id = sent.id

    async def edit(
        self, message: dict[str, Any], body: dict[str, Any], files: list[UploadedFile], *, route: str, mentions: bool
    ) -> dict[str, Any]:
        """Apply an edit (only the keys sent), validate the result like a create, dispatch MESSAGE_UPDATE."""
        merged = {**message, **{key: body[key] for key in EDITABLE if key in body}}
        for key, empty in (("content", ""), ("embeds", []), ("components", [])):
            if merged.get(key) is None:
                merged[key] = empty
        if "attachments" in body and body["attachments"] is not None:
            keep = {str(item.get("id")) for item in body["attachments"] if isinstance(item, dict)}
            merged["attachments"] = [a for a in message.get("attachments") or [] if a["id"] in keep]
        merged["attachments"] = list(merged.get("attachments") or []) + self.store_files(files, body)
        self.check(route, merged, [], mentions=mentions)
        merged.pop("allowed_mentions", None)
        merged.pop("poll", None)
        channel = self.world.channels[int(message["channel_id"])]
        users, roles, everyone = parse_mentions(self.world, channel, merged["content"])
        merged.update(
            edited_timestamp=iso_now(),
            mentions=[self.emu.user_json(user) for user in users],
            mention_roles=[str(role) for role in roles],
            mention_everyone=everyone,
        )
        message.clear()
        message.update(merged)
        sent = self.emu.sent_by_id.get(int(message["id"]))
        if sent is not None:
            sent.edits.append(body)
        if not (sent and sent.ephemeral):
            await self.dispatch("MESSAGE_UPDATE", message)
        self.emu.notify()
        return message

    async def delete(self, message: dict[str, Any]) -> None:
        """Remove a message and dispatch MESSAGE_DELETE."""
        self.world.messages.pop(int(message["id"]), None)
        sent = self.emu.sent_by_id.get(int(message["id"]))
        if sent is not None:
            sent.deleted = True
        channel = self.world.channels[int(message["channel_id"])]
        data: dict[str, Any] = {"id": message["id"], "channel_id": message["channel_id"]}
        if channel.guild_id:
            data["guild_id"] = str(channel.guild_id)
        if not (sent and sent.ephemeral):
            await self.emu.gateway.dispatch(
                "MESSAGE_DELETE", data, guild_id=channel.guild_id, intent=self._intent(channel)
            )
        self.emu.notify()

    async def dispatch(self, event: str, message: dict[str, Any]) -> None:
        """MESSAGE_CREATE/UPDATE to the bot, content-stripped per session when it lacks the MESSAGE_CONTENT intent."""
        channel = self.world.channels[int(message["channel_id"])]
        bot_id = str(self.world.bot.id)
        exempt = (
            channel.type == DM
            or message["author"]["id"] == bot_id
            or any(user["id"] == bot_id for user in message.get("mentions") or [])
        )
        data = gateway_message(self.world, message)
        await self.emu.gateway.dispatch(
            event, data, guild_id=channel.guild_id, intent=self._intent(channel), content_exempt=exempt
        )

    @staticmethod
    def _intent(channel: Channel) -> int:
        return DIRECT_MESSAGES if channel.type == DM else GUILD_MESSAGES
