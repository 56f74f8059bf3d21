"""HTTP plumbing: Discord-style JSON answers and errors, and request bodies (JSON or multipart with files)."""

from __future__ import annotations

import json
import mimetypes
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

JSON_TYPE = "application/json"
FILE_FIELD = re.compile(r"^files\[(\d+)\]$")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON answer with `Content-Type: application/json` exactly (discord.py reads anything else as text)."""
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return web.Response(body=body, status=status, headers={"Content-Type": JSON_TYPE, **(headers or {})})


def no_content() -> web.Response:
    """204 No Content: no body and no content type, as Discord answers deletes and `wait=false` webhook posts."""
    return web.Response(status=204)


class DiscordError(Exception):
    """Raised by a handler to answer a Discord error body: {"message", "code", ...extra}."""

    def __init__(self, status: int, code: int, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code, **(extra or {})}

    def response(self) -> web.Response:
        """The JSON answer."""
        return json_response(self.body, self.status)


def not_found(code: int, what: str) -> DiscordError:
    """404 with Discord's code, e.g. 10003 Unknown Channel."""
    return DiscordError(404, code, f"Unknown {what}")


@dataclass
class UploadedFile:
    """One `files[n]` part of a multipart request."""

    index: int
    filename: str
    data: bytes
    content_type: str


@dataclass
class Body:
    """A request body: the JSON payload (or `payload_json`) and uploaded files."""

    payload: Any = None
    files: list[UploadedFile] = field(default_factory=list)


async def read_body(request: web.Request) -> Body:
    """Parse JSON or multipart/form-data (`payload_json` + `files[n]`), as discord.py sends them."""
    if request.content_type.startswith("multipart/"):
        body = Body(payload={})
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):  # nested multipart: discord.py never sends one
                continue
            raw = bytes(await part.read())
            name = part.name or ""
            if name == "payload_json":
                body.payload = json.loads(raw.decode("utf-8"))
            elif part.filename is not None or FILE_FIELD.match(name):
                match = FILE_FIELD.match(name)
                filename = part.filename or f"file{len(body.files)}"
                guessed = mimetypes.guess_type(filename)[0] or "application/octet-stream"
                content_type = part.headers.get("Content-Type") or guessed
                if content_type == "application/octet-stream":
                    content_type = guessed
                index = int(match.group(1)) if match else len(body.files)
                body.files.append(UploadedFile(index, filename, raw, content_type))
        return body
    if not request.body_exists:
        return Body()
    raw = await request.read()
    if not raw:
        return Body()
    try:
        return Body(payload=json.loads(raw))
    except ValueError as exc:
        raise DiscordError(400, 50109, "The request body contains invalid JSON.") from exc


API_PREFIX = "/api/v10"


def route_of(request: web.Request) -> str:
    """ "METHOD /path" with the /api/v10 prefix removed, as violations and faults name routes."""
    path = request.path[len(API_PREFIX) :] if request.path.startswith(API_PREFIX) else request.path
    return f"{request.method} {path}"


def snowflake(request: web.Request, key: str) -> int:
    """A numeric path parameter, or 404 like Discord answers a malformed id."""
    try:
        return int(request.match_info[key])
    except ValueError as exc:
        raise DiscordError(404, 0, "404: Not Found") from exc
