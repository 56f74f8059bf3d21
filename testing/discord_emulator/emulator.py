"""`DiscordEmulator`: a local Discord (REST + gateway) on 127.0.0.1 for end-to-end tests of a discord.py bot."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from aiohttp import web

from .driving import Driving
from .gateway import GUILD_MEMBERS, PRIVILEGED, Gateway
from .guild_events import GuildEvents
from .messages import MessageStore
from .models import Channel, Guild, Member, Perm, Role, StoredFile, User
from .payloads import attachment_payload, guild_create_payload, user_payload
from .records import FaultRule, InteractionRecord, SentMessage, Violation
from .server import build_app
from .standard import StandardGuild, build_standard_guild
from .state import World
from .waits import Waits

# Application flags: GATEWAY_GUILD_MEMBERS_LIMITED, GATEWAY_MESSAGE_CONTENT_LIMITED, APPLICATION_COMMAND_BADGE.
DEFAULT_APPLICATION_FLAGS = (1 << 15) | (1 << 19) | (1 << 23)


class DiscordEmulator(Driving, Waits, GuildEvents):
    """A Discord API emulator: `async with DiscordEmulator() as emu:` serves http://127.0.0.1:<random port>.

    Build the world (guilds, members, channels) before the bot connects; drive it with `send_message` and
    `send_interaction`; assert with `wait_for_message`, `wait_for_interaction_response` and `assert_no_violations`.
    """

    def __init__(
        self,
        *,
        token: str = "emulator-bot-token",
        bot_name: str = "storybot",
        heartbeat_interval: float = 41.25,
        interaction_deadline: float = 3.0,
        shard_count: int = 1,
        privileged_intents: int = PRIVILEGED,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.world = World(bot_name)
        self.owner = self.world.add_user("app-owner")
        self.token = token
        self.host = host
        self._bind_port = port  # 0: a free port
        self.port: int | None = None
        self.application_flags = DEFAULT_APPLICATION_FLAGS
        self.privileged_intents = privileged_intents
        self.interaction_deadline = interaction_deadline
        self.token_lifetime = 15 * 60.0
        self.max_upload_bytes = 10 * 1024 * 1024
        self.shard_count = shard_count
        self.violations: list[Violation] = []
        self.sent: list[SentMessage] = []
        self.sent_by_id: dict[int, SentMessage] = {}
        self.sent_by_nonce: dict[tuple[int, object], list[SentMessage]] = {}  # a retried send finds its message
        self.user_messages: list[dict[str, Any]] = []
        self.interactions: dict[int, InteractionRecord] = {}
        self.interactions_by_token: dict[str, InteractionRecord] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.requests: list[str] = []
        self.typing: list[int] = []
        self.faults: list[FaultRule] = []
        self.gateway = Gateway(self)
        self.gateway.heartbeat_interval = heartbeat_interval
        self.store = MessageStore(self)
        self._changed = asyncio.Event()
        self._consumed: set[int] = set()
        self._scan_from = 0  # self.sent[:_scan_from] are all consumed (waits.py)
        self._runner: web.AppRunner | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------------

    async def start(self) -> DiscordEmulator:
        """Serve on a free port of 127.0.0.1 (or the host and port given)."""
        self._runner = web.AppRunner(build_app(self), access_log=None, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, self._bind_port))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        """Close gateway connections and the server."""
        if self._runner is not None:
            await self.gateway.close_all()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordEmulator:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- addresses -------------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT (attachments are served under it)."""
        assert self.port is not None, "the emulator is not started"
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """What `discord.http.Route.BASE` must be set to."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """The websocket address (`GET /gateway/bot` url, and `DiscordWebSocket.DEFAULT_GATEWAY`)."""
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        """READY's resume_gateway_url."""
        return f"ws://{self.host}:{self.port}/gateway/resume"

    @property
    def application_id(self) -> int:
        """The application's id (the bot user's id, as on Discord)."""
        return self.world.bot.id

    # -- world building --------------------------------------------------------------------------------------------

    @property
    def bot(self) -> User:
        """The bot's user."""
        return self.world.bot

    def add_user(self, username: str, *, bot: bool = False) -> User:
        """A user who is in no guild yet."""
        return self.world.add_user(username, bot=bot)

    def add_guild(self, name: str = "Test Guild", **options: Any) -> Guild:
        """A guild with @everyone, an owner, the bot's member and a #general (see `World.add_guild`)."""
        return self.world.add_guild(name, **options)

    def add_role(self, guild: Guild, name: str, permissions: Any = 0, *, mentionable: bool = False) -> Role:
        """A role (permissions: an int bitfield or `discord.Permissions`)."""
        return self.world.add_role(guild, name, permissions, mentionable=mentionable)

    def add_member(
        self, guild: Guild, user: User | str | None = None, *, roles: Any = (), permissions: Any = None, **options: Any
    ) -> Member:
        """A member with roles (Role, id or name) and optionally extra permissions through a personal role."""
        return self.world.add_member(guild, user, roles=roles, permissions=permissions, **options)

    def add_text_channel(self, guild: Guild, name: str, **options: Any) -> Channel:
        """A text channel (topic=, overwrites={Role|Member: (allow, deny)})."""
        return self.world.add_text_channel(guild, name, **options)

    def add_thread(self, parent: Channel, name: str, **options: Any) -> Channel:
        """An active thread."""
        return self.world.add_thread(parent, name, **options)

    def dm_channel(self, user: User | Member) -> Channel:
        """The DM channel between the bot and that user."""
        return self.world.dm_channel(user.user if isinstance(user, Member) else user)

    def add_standard_guild(self, name: str = "Story Guild", *, shard: tuple[int, int] | None = None) -> StandardGuild:
        """Owner, admin (Manage Server), moderator role, plain members, another bot, channels, a thread and a DM;
        `shard` (shard id, shard count) gives the guild an id that Discord routes to that shard."""
        return build_standard_guild(self.world, name, shard)

    async def refresh_guild(self, guild: Guild) -> None:
        """Re-send GUILD_CREATE so a connected bot sees roles, channels or members added after it connected."""
        members = any(session.intents & GUILD_MEMBERS for session in self.gateway.sessions.values())
        payload = guild_create_payload(guild, self.bot, all_members=members)
        await self.gateway.dispatch("GUILD_CREATE", payload, guild_id=guild.id)

    # -- records ---------------------------------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake every waiter: something changed."""
        self._changed.set()
        self._changed = asyncio.Event()

    def record(self, kind: str, route: str, reason: str, payload: Any) -> Violation:
        """Record a violation (tests fail on it at teardown)."""
        violation = Violation(kind, route, reason, payload)
        self.violations.append(violation)
        self.notify()
        return violation

    def take_violations(self, kind: str | None = None) -> list[Violation]:
        """Remove and return the violations (of one kind): for tests that provoke them on purpose."""
        taken = [v for v in self.violations if kind is None or v.kind == kind]
        self.violations = [v for v in self.violations if v not in taken]
        return taken

    def forget_history(self) -> None:
        """Drop every recorded message, request and consumed mark (violations stay): keeps long soaks flat."""
        records: Any
        everything = (self.sent, self.sent_by_id, self.sent_by_nonce, self.user_messages, self.requests, self._consumed)
        for records in everything:
            records.clear()
        self._scan_from = 0
        self.world.messages.clear()
        self.gateway.received.clear()
        for session in self.gateway.sessions.values():
            session.log.clear()  # the resume replay log: nothing to replay once everything was delivered

    def assert_no_violations(self) -> None:
        """Fail listing every violation: route, reason and a payload excerpt."""
        if self.violations:
            listing = "\n".join(f"  {i}. {v}" for i, v in enumerate(self.violations, 1))
            raise AssertionError(f"{len(self.violations)} Discord violation(s):\n{listing}")

    def fail_next(
        self,
        route_pattern: str,
        status: int = 429,
        count: int = 1,
        retry_after: float = 0.2,
        *,
        is_global: bool = False,
        scope: str = "user",
        code: int = 0,
    ) -> FaultRule:
        """Make the next `count` REST calls matching a glob ("POST /channels/*/messages") answer `status` (a 403 or
        404 with Discord's error `code`, e.g. 50013 Missing Permissions, 10008 Unknown Message)."""
        assert status in (403, 404, 429, 500, 502, 503, 504), f"unsupported fault status {status}"
        assert status not in (403, 404) or code, "a 403 or 404 needs Discord's error code"
        fault = FaultRule(route_pattern, status, count, retry_after, is_global, scope, code=code)
        self.faults.append(fault)
        return fault

    def bot_messages(self, channel: Channel | int | None = None) -> list[SentMessage]:
        """What the bot has posted (in one channel), oldest first."""
        wanted = None if channel is None else int(getattr(channel, "id", channel))
        return [s for s in self.sent if wanted is None or s.channel_id == wanted]

    # -- payload helpers used by the routes ------------------------------------------------------------------------

    def attachment(self, stored: StoredFile, *, description: str | None = None) -> dict[str, Any]:
        """An attachment object served by this emulator."""
        return attachment_payload(stored, self.base_url, description=description)

    def user_json(self, user: User) -> dict[str, Any]:
        """A user object."""
        return user_payload(user)


__all__ = ["DiscordEmulator", "Perm"]
