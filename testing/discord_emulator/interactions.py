"""Interaction routes: the 3-second callback (once only) and the webhook routes for @original and followups."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .http_util import API_PREFIX as API
from .http_util import Body, DiscordError, json_response, no_content, not_found, read_body, route_of, snowflake
from .limits import autocomplete_problems, form_error, modal_problems
from .messages import EPHEMERAL
from .payloads import message_payload
from .records import InteractionRecord, SentMessage

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

LOADING = 1 << 7
# Interaction type -> callback types Discord accepts for it (1 ping, 2 command, 3 component, 4 autocomplete, 5 modal).
ALLOWED_CALLBACKS = {1: {1}, 2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


class InteractionRoutes:
    """`POST /interactions/{id}/{token}/callback` and `/webhooks/{application_id}/{token}/...`."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu

    def routes(self) -> list[web.RouteDef]:
        """The route table."""
        hook = f"{API}/webhooks/{{application_id}}/{{token}}"
        return [
            web.post(f"{API}/interactions/{{interaction_id}}/{{token}}/callback", self.callback),
            web.get(f"{hook}/messages/@original", self.get_message),
            web.patch(f"{hook}/messages/@original", self.edit_message),
            web.delete(f"{hook}/messages/@original", self.delete_message),
            web.post(hook, self.followup),
            web.get(f"{hook}/messages/{{message_id}}", self.get_message),
            web.patch(f"{hook}/messages/{{message_id}}", self.edit_message),
            web.delete(f"{hook}/messages/{{message_id}}", self.delete_message),
        ]

    def _fail(
        self, record: InteractionRecord | None, route: str, reason: str, payload: Any, error: DiscordError
    ) -> None:
        self.emu.record("interaction", route, reason, payload)
        if record is not None:
            record.failures.append(reason)
            self.emu.notify()
        raise error

    def _extra(self, record: InteractionRecord) -> dict[str, Any]:
        """Fields Discord adds to messages made by an interaction response."""
        user = record.payload.get("user") or record.payload["member"]["user"]
        app_id = str(self.emu.application_id)
        metadata = {
            "id": str(record.id),
            "type": record.type,
            "user": user,
            "authorizing_integration_owners": record.payload.get("authorizing_integration_owners", {}),
        }
        extra: dict[str, Any] = {"webhook_id": app_id, "application_id": app_id, "interaction_metadata": metadata}
        if record.type == 2:
            extra["interaction"] = {
                "id": str(record.id),
                "type": 2,
                "name": record.payload["data"]["name"],
                "user": user,
            }
        return extra

    # -- the callback ----------------------------------------------------------------------------------------------

    async def callback(self, request: web.Request) -> web.Response:
        """Answer an interaction: within `emu.interaction_deadline` seconds, once, with a type its kind allows."""
        route = route_of(request)
        record = self.emu.interactions.get(snowflake(request, "interaction_id"))
        body = await read_body(request)
        payload = body.payload if isinstance(body.payload, dict) else {}
        if record is None or record.token != request.match_info["token"]:
            self._fail(None, route, "unknown interaction id or token", payload, not_found(10062, "interaction"))
        assert record is not None
        age = asyncio.get_running_loop().time() - record.created_at
        if age > self.emu.interaction_deadline:
            reason = f"answered {age:.2f}s after creation (limit {self.emu.interaction_deadline}s)"
            self._fail(record, route, reason, payload, not_found(10062, "interaction"))
        if record.acknowledged:
            error = DiscordError(400, 40060, "Interaction has already been acknowledged.")
            self._fail(record, route, "interaction answered twice", payload, error)
        kind = payload.get("type")
        if kind not in ALLOWED_CALLBACKS.get(record.type, set()):
            reason = f"callback type {kind} is not valid for an interaction of type {record.type}"
            self._fail(record, route, reason, payload, DiscordError(400, 50035, "Invalid Form Body"))
        try:
            resource = await self._respond(record, int(kind), payload.get("data") or {}, body, route)
        except DiscordError as error:
            record.failures.append(f"{error.status} {error.body}")
            self.emu.notify()
            raise
        record.callbacks.append(payload)
        self.emu.notify()
        if "with_response" not in request.query:
            return no_content()
        answer: dict[str, Any] = {"interaction": {"id": str(record.id), "type": record.type}}
        if resource is not None:
            answer["interaction"].update(
                response_message_id=resource["id"],
                response_message_loading=bool(resource["flags"] & LOADING),
                response_message_ephemeral=bool(resource["flags"] & EPHEMERAL),
            )
            answer["resource"] = {"type": kind, "message": resource}
        return json_response(answer)

    async def _respond(
        self, record: InteractionRecord, kind: int, data: dict[str, Any], body: Body, route: str
    ) -> dict[str, Any] | None:
        """Carry out one callback type; the message it made or updated, if any."""
        channel = self.emu.world.channels[record.channel_id]
        if kind == 4:
            message_type = 20 if record.type == 2 else 0
            record.original = await self.emu.store.create(
                channel,
                data,
                body.files,
                route=route,
                via="interaction",
                extra=self._extra(record),
                interaction_id=record.id,
                message_type=message_type,
            )
            return record.original.message
        if kind == 5:
            flags = (int(data.get("flags") or 0) & EPHEMERAL) | LOADING
            message = message_payload(
                self.emu.world,
                channel,
                self.emu.world.bot,
                {"flags": flags, **self._extra(record)},
                message_id=self.emu.world.ids(),
                message_type=20 if record.type == 2 else 0,
            )
            record.original = SentMessage(message, route, "interaction", data, interaction_id=record.id)
            record.original.ephemeral = bool(flags & EPHEMERAL)
            record.loading = True
            self.emu.store.remember(record.original)
            if not record.original.ephemeral:
                await self.emu.store.dispatch("MESSAGE_CREATE", message)
            return message
        if kind in (6, 7):
            target = self._component_message(record)
            if kind == 7:
                return await self.emu.store.edit(target, data, body.files, route=route, mentions=False)
            return None
        problems = autocomplete_problems(data) if kind == 8 else modal_problems(data) if kind == 9 else []
        if problems:
            for problem in problems:
                self.emu.record("limits", route, str(problem), data)
            raise DiscordError(400, 50035, "Invalid Form Body", {"errors": form_error(problems)["errors"]})
        return None

    def _component_message(self, record: InteractionRecord) -> dict[str, Any]:
        message_id = int((record.payload.get("message") or {}).get("id", 0))
        message = self.emu.world.messages.get(message_id)
        if message is None:
            raise not_found(10008, "Message")
        return message

    # -- webhook routes --------------------------------------------------------------------------------------------

    def _record(self, request: web.Request) -> InteractionRecord:
        route = route_of(request)
        record = self.emu.interactions_by_token.get(request.match_info["token"])
        if snowflake(request, "application_id") != self.emu.application_id or record is None:
            self._fail(None, route, "unknown webhook (application id or token)", None, not_found(10015, "Webhook"))
        assert record is not None
        if asyncio.get_running_loop().time() - record.created_at > self.emu.token_lifetime:
            self._fail(
                record, route, "interaction token expired", None, DiscordError(401, 50027, "Invalid Webhook Token")
            )
        if not record.acknowledged:
            reason = "webhook call before the interaction was acknowledged"
            self._fail(record, route, reason, None, not_found(10015, "Webhook"))
        return record

    def _target(self, request: web.Request, record: InteractionRecord) -> dict[str, Any]:
        wanted = request.match_info.get("message_id", "@original")
        if wanted == "@original":
            if record.original is not None and not record.original.deleted:
                return record.original.message
            if record.response_type in (6, 7):
                return self._component_message(record)
        else:
            for sent in ([record.original] if record.original else []) + record.followups:
                if str(sent.id) == wanted and not sent.deleted:
                    return sent.message
        raise not_found(10008, "Message")

    async def get_message(self, request: web.Request) -> web.Response:
        """`GET .../messages/@original` or `.../messages/{id}`."""
        record = self._record(request)
        return json_response(self._target(request, record))

    async def edit_message(self, request: web.Request) -> web.Response:
        """`PATCH .../messages/@original|{id}`; the first edit of a deferred response is when it really posts."""
        record = self._record(request)
        message = self._target(request, record)
        body = await read_body(request)
        payload = body.payload if isinstance(body.payload, dict) else {}
        return json_response(await self._edit(record, message, payload, body, route_of(request)))

    async def _edit(
        self, record: InteractionRecord, message: dict[str, Any], payload: dict[str, Any], body: Body, route: str
    ) -> dict[str, Any]:
        filling = record.loading and record.original is not None and message is record.original.message
        ephemeral = int(message.get("flags") or 0) & EPHEMERAL
        try:
            edited = await self.emu.store.edit(message, payload, body.files, route=route, mentions=filling)
        except DiscordError as error:
            record.failures.append(f"{error.status} {error.body}")
            raise
        if filling:
            edited["flags"] = (int(edited.get("flags") or 0) & ~(LOADING | EPHEMERAL)) | ephemeral
            record.loading = False
        record.edits.append(payload)
        self.emu.notify()
        return edited

    async def delete_message(self, request: web.Request) -> web.Response:
        """`DELETE .../messages/@original|{id}`."""
        record = self._record(request)
        await self.emu.store.delete(self._target(request, record))
        return no_content()

    async def followup(self, request: web.Request) -> web.Response:
        """`POST /webhooks/{app}/{token}`: a followup; after a defer, the first one fills the "thinking" message."""
        record = self._record(request)
        route = route_of(request)
        body = await read_body(request)
        payload = body.payload if isinstance(body.payload, dict) else {}
        if record.loading and record.original is not None:
            message = await self._edit(record, record.original.message, payload, body, route)
        else:
            channel = self.emu.world.channels[record.channel_id]
            try:
                sent = await self.emu.store.create(
                    channel,
                    payload,
                    body.files,
                    route=route,
                    via="followup",
                    extra=self._extra(record),
                    interaction_id=record.id,
                )
            except DiscordError as error:
                record.failures.append(f"{error.status} {error.body}")
                raise
            record.followups.append(sent)
            message = sent.message
        self.emu.notify()
        wait = request.query.get("wait", "false").lower() in ("1", "true")
        return json_response(message) if wait else no_content()
