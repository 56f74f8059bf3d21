"""Application command routes: bulk overwrite (validated like Discord) and listing, global and per guild."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .command_limits import command_problems
from .http_util import API_PREFIX as API
from .http_util import DiscordError, json_response, not_found, read_body, route_of, snowflake
from .limits import form_error

if TYPE_CHECKING:
    from .emulator import DiscordEmulator


class CommandRoutes:
    """`PUT`/`GET /applications/{app}/commands` and `/applications/{app}/guilds/{guild}/commands`."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self._ids: dict[tuple[int | None, int, str], int] = {}

    def routes(self) -> list[web.RouteDef]:
        """The route table."""
        global_path = f"{API}/applications/{{application_id}}/commands"
        guild_path = f"{API}/applications/{{application_id}}/guilds/{{guild_id}}/commands"
        return [
            web.put(global_path, self.overwrite),
            web.get(global_path, self.listing),
            web.get(f"{global_path}/{{command_id}}", self.one),
            web.put(guild_path, self.overwrite),
            web.get(guild_path, self.listing),
            web.get(f"{guild_path}/{{command_id}}", self.one),
        ]

    def _scope(self, request: web.Request) -> int | None:
        if snowflake(request, "application_id") != self.emu.application_id:
            self.emu.record("commands", route_of(request), "wrong application id", None)
            raise not_found(10002, "Application")
        if "guild_id" not in request.match_info:
            return None
        guild = self.emu.world.guilds.get(snowflake(request, "guild_id"))
        if guild is None:
            raise not_found(10004, "Guild")
        if self.emu.world.bot.id not in guild.members:
            raise DiscordError(403, 50001, "Missing Access")
        return guild.id

    async def overwrite(self, request: web.Request) -> web.Response:
        """Bulk overwrite: refuse (400, recorded) any broken limit, else store with stable ids and answer them."""
        scope = self._scope(request)
        payload = (await read_body(request)).payload
        problems = command_problems(payload if payload is not None else [])
        if problems:
            for problem in problems:
                self.emu.record("commands", route_of(request), str(problem), payload)
            raise DiscordError(400, 50035, "Invalid Form Body", {"errors": form_error(problems)["errors"]})
        stored = [self._store(scope, command) for command in payload]
        self.emu.commands[scope] = stored
        self.emu.notify()
        return json_response(stored)

    def _store(self, scope: int | None, command: dict[str, Any]) -> dict[str, Any]:
        kind = int(command.get("type", 1))
        key = (scope, kind, command["name"])
        command_id = self._ids.setdefault(key, self.emu.world.ids())
        stored = {
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
            "options": [],
            **command,
            "id": str(command_id),
            "application_id": str(self.emu.application_id),
            "version": str(self.emu.world.ids()),
            "type": kind,
            "description": command.get("description") or "",
        }
        if stored["default_member_permissions"] is not None:  # Discord answers the bitfield as a string
            stored["default_member_permissions"] = str(int(stored["default_member_permissions"]))
        if scope is not None:
            stored["guild_id"] = str(scope)
        return stored

    async def listing(self, request: web.Request) -> web.Response:
        """The stored commands of that scope."""
        return json_response(self.emu.commands.get(self._scope(request), []))

    async def one(self, request: web.Request) -> web.Response:
        """One stored command."""
        wanted = request.match_info["command_id"]
        for command in self.emu.commands.get(self._scope(request), []):
            if command["id"] == wanted:
                return json_response(command)
        raise not_found(10063, "application command")
