"""The aiohttp application: routes, authentication, injected faults, and loud 404s for unknown endpoints."""

from __future__ import annotations

import hashlib
import math
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from .app_commands import CommandRoutes
from .http_util import API_PREFIX, DiscordError, json_response, route_of
from .interactions import InteractionRoutes
from .records import FaultRule
from .rest import RestRoutes

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNAUTHENTICATED = ("/webhooks/", "/interactions/")  # interaction webhooks authenticate by their token
REASONS = {
    403: "Missing Permissions",
    404: "Unknown Message",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def fault_response(fault: FaultRule, route: str) -> web.Response:
    """The injected failure: a 429 shaped like Discord's (Via, retry_after, X-RateLimit-*), a 403/404 with its
    Discord error code, or a 5xx."""
    fault.remaining -= 1
    fault.served.append(route)
    if fault.status in (403, 404):
        return json_response({"message": REASONS[fault.status], "code": fault.code}, fault.status)
    if fault.status != 429:
        message = f"{fault.status}: {REASONS.get(fault.status, 'Error')}"
        return json_response({"message": message, "code": 0}, fault.status)
    body = {"message": "You are being rate limited.", "retry_after": fault.retry_after, "global": fault.is_global}
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(max(1, math.ceil(fault.retry_after))),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + fault.retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{fault.retry_after:.3f}",
        "X-RateLimit-Bucket": hashlib.sha1(route.encode()).hexdigest()[:16],
        "X-RateLimit-Scope": "global" if fault.is_global else fault.scope,
    }
    if fault.is_global:
        headers["X-RateLimit-Global"] = "true"
    return json_response(body, 429, headers)


def build_app(emu: DiscordEmulator) -> web.Application:
    """The REST API under /api/v10, attachments under /attachments, the gateway websocket under /gateway."""

    @web.middleware
    async def discord_like(request: web.Request, handler: Handler) -> web.StreamResponse:
        """Record calls, check the bot token, serve injected faults, turn errors into Discord-style JSON."""
        if request.path.startswith("/gateway"):
            return await handler(request)
        route = route_of(request)
        try:
            if request.path.startswith(API_PREFIX):
                emu.requests.append(route)
                path = route.split(" ", 1)[1]
                authorized = request.headers.get("Authorization") == f"Bot {emu.token}"
                if not authorized and not path.startswith(UNAUTHENTICATED):
                    emu.record("auth", route, "missing or wrong Authorization header", None)
                    return json_response({"message": "401: Unauthorized", "code": 0}, 401)
                fault = next((f for f in emu.faults if f.matches(request.method, path)), None)
                if fault is not None:
                    return fault_response(fault, route)
            return await handler(request)
        except DiscordError as error:
            return error.response()
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
            emu.record("unknown_endpoint", route, "the emulator does not implement this endpoint", None)
            return json_response({"message": "404: Not Found", "code": 0}, 404)
        except Exception as exc:  # a bug in the emulator: recorded, and a 400 so discord.py does not retry for 25 s
            emu.record("emulator_error", route, "".join(traceback.format_exception(exc))[-1500:], None)
            return json_response({"message": f"emulator error: {exc!r}", "code": 0}, 400)

    app = web.Application(middlewares=[discord_like], client_max_size=64 * 1024 * 1024)
    app.router.add_routes(RestRoutes(emu).routes())
    app.router.add_routes(CommandRoutes(emu).routes())
    app.router.add_routes(InteractionRoutes(emu).routes())
    app.router.add_get("/gateway", emu.gateway.handle)
    app.router.add_get("/gateway/resume", emu.gateway.handle)
    return app
