"""The gateway: a websocket speaking plain JSON text frames (HELLO, IDENTIFY/READY, RESUME, heartbeats, dispatch)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .payloads import guild_create_payload, me_payload, member_payload

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

GUILDS, GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT = 1 << 0, 1 << 1, 1 << 8, 1 << 15
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE, RESUME = 0, 1, 2, 3, 4, 6
RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 7, 8, 9, 10, 11


@dataclass
class GatewaySession:
    """One identified session: its intents and shard, its sequence and the log of dispatches (replayed on RESUME)."""

    id: str
    intents: int
    shard: tuple[int, int]
    ws: web.WebSocketResponse | None = None
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    invalid: bool = False

    def covers(self, guild_id: int | None) -> bool:
        """Whether the guild belongs to this session's shard (DMs go to shard 0)."""
        shard_id, count = self.shard
        return (guild_id >> 22) % count == shard_id if guild_id is not None else shard_id == 0


def _valid_shard(value: Any) -> tuple[int, int] | None:
    """IDENTIFY's `shard`: [shard_id, num_shards] with 0 <= shard_id < num_shards, as Discord requires."""
    if not isinstance(value, list | tuple) or len(value) != 2 or not all(type(part) is int for part in value):
        return None
    shard_id, count = value
    return (shard_id, count) if 0 <= shard_id < count else None


class Gateway:
    """The emulated gateway, with controls for tests: disconnect, invalidate, refuse resumes, reconnect requests."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.heartbeat_interval = 41.25
        self.ack_heartbeats = True
        self.refuse_resumes = False
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[web.WebSocketResponse] = []
        self.connection_paths: list[str] = []
        self.received: list[dict[str, Any]] = []
        self.ready_count = 0
        self.resumed_count = 0
        self.refused_resumes = 0
        # (monotonic time, shard) of every accepted IDENTIFY; with `identify_spacing` set, two IDENTIFYs closer
        # than that (Discord: 5 s per max_concurrency bucket, whatever process sends them) are a violation.
        self.identified: list[tuple[float, tuple[int, int]]] = []
        self.identify_spacing: float | None = None
        self._lock = asyncio.Lock()

    # -- connection ------------------------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """One websocket connection (the `compress`/`encoding` query is ignored: frames are plain JSON text)."""
        ws = web.WebSocketResponse(max_msg_size=0, timeout=5.0)
        await ws.prepare(request)
        self.connections.append(ws)
        self.connection_paths.append(request.path_qs)
        session: GatewaySession | None = None
        try:
            await self._send(ws, {"op": HELLO, "d": {"heartbeat_interval": int(self.heartbeat_interval * 1000)}})
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(message.data)
                self.received.append(frame)
                session = await self._on_frame(ws, frame, session)
        finally:
            self.connections.remove(ws)
            if session is not None and session.ws is ws:
                session.ws = None
            self.emu.notify()
        return ws

    async def _on_frame(
        self, ws: web.WebSocketResponse, frame: dict[str, Any], session: GatewaySession | None
    ) -> GatewaySession | None:
        op, data = frame.get("op"), frame.get("d")
        if op == HEARTBEAT:
            if self.ack_heartbeats:
                await self._send(ws, {"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            if session is not None:
                await self._close(ws, 4005, "Already authenticated")
                return session
            return await self._identify(ws, data or {})
        elif op == RESUME:
            return await self._resume(ws, data or {})
        elif op == REQUEST_MEMBERS and session is not None:
            await self._request_members(session, data or {})
        elif op not in (PRESENCE, VOICE):
            self.emu.record("gateway", f"gateway op {op}", "unknown opcode", frame)
        return session

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> GatewaySession | None:
        if data.get("token") != self.emu.token:
            self.emu.record("auth", "gateway IDENTIFY", "wrong token", {"token": "…"})
            await self._close(ws, 4004, "Authentication failed")
            return None
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED & ~self.emu.privileged_intents:
            self.emu.record("gateway", "gateway IDENTIFY", f"privileged intents not enabled: {intents}", data)
            await self._close(ws, 4014, "Disallowed intent(s)")
            return None
        shard = _valid_shard(data.get("shard", [0, 1]))
        if shard is None:
            self.emu.record("gateway", "gateway IDENTIFY", f"invalid shard {data.get('shard')!r}", data.get("shard"))
            await self._close(ws, 4010, "Invalid shard")
            return None
        now = time.monotonic()
        if self.identify_spacing and self.identified and now - self.identified[-1][0] < self.identify_spacing:
            gap = now - self.identified[-1][0]
            self.emu.record("gateway", "gateway IDENTIFY", f"identified {gap:.2f} s after the previous one", shard)
        self.identified.append((now, shard))
        session = GatewaySession(uuid.uuid4().hex, intents, shard, ws)
        self.sessions[session.id] = session
        bot = self.emu.world.bot
        guilds = [g for g in self.emu.world.guilds.values() if bot.id in g.members and session.covers(g.id)]
        ready = {
            "v": 10,
            "user": me_payload(bot),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.emu.resume_gateway_url,
            "shard": list(session.shard),
            "application": {"id": str(self.emu.application_id), "flags": self.emu.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "auth": {},
        }
        await self._dispatch_to(session, "READY", ready)
        for guild in guilds:
            payload = guild_create_payload(guild, bot, all_members=bool(intents & GUILD_MEMBERS))
            await self._dispatch_to(session, "GUILD_CREATE", payload)
        self.ready_count += 1
        self.emu.notify()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> GatewaySession | None:
        session = self.sessions.get(str(data.get("session_id")))
        if self.refuse_resumes or session is None or session.invalid or data.get("token") != self.emu.token:
            if session is not None:
                session.invalid = True
            self.refused_resumes += 1
            await self._send(ws, {"op": INVALID_SESSION, "d": False})
            self.emu.notify()
            return None
        old, session.ws = session.ws, ws
        if old is not None and old is not ws and not old.closed:
            await self._close(old, 4000, "Session resumed elsewhere")
        last = int(data.get("seq") or 0)
        async with self._lock:
            for frame in [f for f in session.log if f["s"] > last]:
                await self._write(ws, frame)
        await self._dispatch_to(session, "RESUMED", {})
        self.resumed_count += 1
        self.emu.notify()
        return session

    async def _request_members(self, session: GatewaySession, data: dict[str, Any]) -> None:
        guild = self.emu.world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        query, wanted = str(data.get("query") or "").lower(), {int(u) for u in data.get("user_ids") or []}
        members = [
            m
            for m in guild.members.values()
            if (not wanted or m.user.id in wanted) and m.user.username.lower().startswith(query)
        ]
        limit = int(data.get("limit") or 0)
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": [member_payload(m) for m in (members[:limit] if limit else members)],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._dispatch_to(session, "GUILD_MEMBERS_CHUNK", chunk)

    # -- sending ---------------------------------------------------------------------------------------------------

    async def _write(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        if ws.closed:
            return
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_str(json.dumps(frame))

    async def _send(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        async with self._lock:
            await self._write(ws, {"s": None, "t": None, **frame})

    async def _close(self, ws: web.WebSocketResponse, code: int, message: str) -> None:
        with contextlib.suppress(asyncio.TimeoutError, ConnectionError, RuntimeError):
            await asyncio.wait_for(ws.close(code=code, message=message.encode()), timeout=5)

    async def _dispatch_to(self, session: GatewaySession, event: str, data: dict[str, Any]) -> None:
        async with self._lock:
            session.seq += 1
            frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
            session.log.append(frame)
            if session.ws is not None:
                await self._write(session.ws, frame)

    async def dispatch(
        self,
        event: str,
        data: dict[str, Any],
        *,
        guild_id: int | None = None,
        intent: int | None = None,
        content_exempt: bool = True,
    ) -> None:
        """Send an event to every valid session of the right shard that has the intent (queued while disconnected).

        Without MESSAGE_CONTENT, non-exempt messages lose content, embeds, attachments, components and poll.
        """
        for session in list(self.sessions.values()):
            if session.invalid or not session.covers(guild_id) or (intent and not session.intents & intent):
                continue
            payload = data
            if not content_exempt and not session.intents & MESSAGE_CONTENT:
                payload = {**data, "content": "", "embeds": [], "attachments": [], "components": []}
                payload.pop("poll", None)
            await self._dispatch_to(session, event, payload)

    # -- controls for tests ----------------------------------------------------------------------------------------

    async def disconnect(self, code: int = 4000) -> None:
        """Close every live connection with this close code (4000: discord.py resumes)."""
        await asyncio.gather(*(self._close(ws, code, "Emulator disconnect") for ws in list(self.connections)))

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send INVALID_SESSION (d=resumable) on every live session; unresumable sessions are forgotten."""
        for session in list(self.sessions.values()):
            if session.ws is None or session.invalid:
                continue
            session.invalid = not resumable
            await self._send(session.ws, {"op": INVALID_SESSION, "d": resumable})

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client closes and resumes."""
        for ws in list(self.connections):
            await self._send(ws, {"op": RECONNECT, "d": None})

    def sessions_of(self, guild_id: int) -> list[GatewaySession]:
        """The live sessions that receive this guild's events (Discord's `(guild_id >> 22) % num_shards`)."""
        return [session for session in self.live_sessions() if session.covers(guild_id)]

    def live_sessions(self) -> list[GatewaySession]:
        """Sessions with an open connection."""
        return [s for s in self.sessions.values() if s.ws is not None and not s.ws.closed and not s.invalid]

    async def close_all(self) -> None:
        """Close every connection (1001 going away): used when the emulator stops."""
        await self.disconnect(code=1001)
