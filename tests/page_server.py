"""A local web server on 127.0.0.1 for the article-by-link tests: the saved pages of tests/pages/, and hostile
answers (redirect chains, huge, endless and slow bodies, gzip bombs, other content types). Every loop it runs is
bounded in count and time, and it stops with its context."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import json
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

PAGES = Path(__file__).resolve().parent / "pages"
ENDLESS_LIMIT_BYTES = 20_000_000
SLOW_LIMIT_SECONDS = 5.0


def page_bytes(name: str) -> tuple[bytes, str]:
    """A saved page's bytes and the charset it is served with."""
    expected = PAGES / f"{name}.expected.json"
    charset = json.loads(expected.read_text(encoding="utf-8")).get("charset", "utf-8") if expected.exists() else "utf-8"
    return (PAGES / f"{name}.html").read_bytes(), charset


def expected_article(name: str) -> dict:
    """The hand-written title, date and paragraphs of a saved page."""
    return json.loads((PAGES / f"{name}.expected.json").read_text(encoding="utf-8"))


@functools.cache
def gzip_bomb() -> bytes:
    """200 MB of spaces after an HTML start, gzipped to about 200 KB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * 1_000_000
    parts = [compressor.compress(b"<html><body><p>"), *(compressor.compress(block) for _ in range(200))]
    return b"".join([*parts, compressor.flush()])


@dataclass
class PageServer:
    """The running server: `url(path)` gives an address on it; `hosts` records each request's Host header.

    `raw_url(path)` is a second listener that writes fixed answers aiohttp's server would not (no Content-Type)."""

    base: str
    raw_base: str = ""
    hosts: list[str] = field(default_factory=list)
    overrides: dict[str, bytes] = field(default_factory=dict)

    def url(self, path: str) -> str:
        """`http://127.0.0.1:<port><path>`."""
        return self.base + path

    def raw_url(self, path: str) -> str:
        """An address on the raw listener: `/untyped/html` (a page without Content-Type), `/untyped/binary`."""
        return self.raw_base + path


async def _raw_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """One request, one fixed answer without a Content-Type, then close."""
    try:
        request_line = await asyncio.wait_for(reader.readline(), 5)
        while (await asyncio.wait_for(reader.readline(), 5)) not in {b"\r\n", b"\n", b""}:
            pass
        html = b"/untyped/html" in request_line
        body = page_bytes("wire-port-strike")[0] if html else bytes(range(256)) * 4
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        await writer.drain()
    except (TimeoutError, ConnectionError):
        pass
    finally:
        writer.close()


def _routes(server: PageServer) -> web.Application:
    app = web.Application()

    @web.middleware
    async def record(request: web.Request, handler):  # type: ignore[no-untyped-def]
        server.hosts.append(request.headers.get("Host", ""))
        return await handler(request)

    app.middlewares.append(record)

    async def page(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name in server.overrides:
            return web.Response(body=server.overrides[name], content_type="text/html", charset="utf-8")
        if not (PAGES / f"{name}.html").exists():
            raise web.HTTPNotFound()
        body, charset = page_bytes(name)
        return web.Response(body=body, content_type="text/html", charset=charset)

    async def redirect_chain(request: web.Request) -> web.Response:
        left = int(request.match_info["left"])
        target = "/pages/wire-port-strike" if left == 0 else f"/chain/{left - 1}"
        raise web.HTTPFound(target)

    async def redirect_to(request: web.Request) -> web.Response:
        return web.Response(status=int(request.query.get("status", "302")), headers={"Location": request.query["to"]})

    async def typed(request: web.Request) -> web.Response:
        kinds = {"pdf": ("application/pdf", b"%PDF-1.7\n"), "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
                 "json": ("application/json", b"{}")}  # fmt: skip
        mime, body = kinds[request.match_info["kind"]]
        return web.Response(body=body, content_type=mime)

    async def claims_huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html", "Content-Length": str(2 * 1024**3)})
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            await response.write(b"<html>")
        return response

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        chunk = b"<p>" + b"word " * 2_000 + b"</p>\n"
        with contextlib.suppress(ConnectionError):
            for _ in range(ENDLESS_LIMIT_BYTES // len(chunk)):
                await response.write(chunk)
        return response

    async def slow(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            for _ in range(int(SLOW_LIMIT_SECONDS / 0.1)):  # one byte every 0.1 s, stopping by itself
                await response.write(b"<")
                await asyncio.sleep(0.1)
        return response

    async def encoded(request: web.Request) -> web.Response:
        kind = request.match_info["kind"]
        page = page_bytes("wire-port-strike")[0]
        if kind == "gzip":
            body, coding = gzip.compress(page), "gzip"
        elif kind == "deflate-raw":
            compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            body, coding = compressor.compress(page) + compressor.flush(), "deflate"
        elif kind == "bomb":
            body, coding = gzip_bomb(), "gzip"
        elif kind == "damaged":
            body, coding = gzip.compress(page)[:40] + b"\xff" * 200, "gzip"
        elif kind == "double":
            body, coding = gzip.compress(gzip.compress(page)), "gzip, gzip"
        else:
            body, coding = page, "br"
        return web.Response(body=body, headers={"Content-Type": "text/html", "Content-Encoding": coding})

    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="no", reason="**Bold** <@&1> lie")

    app.router.add_get("/pages/{name}", page)
    app.router.add_get("/chain/{left}", redirect_chain)
    app.router.add_get("/redirect", redirect_to)
    app.router.add_get("/typed/{kind}", typed)
    app.router.add_get("/huge", claims_huge)
    app.router.add_get("/endless", endless)
    app.router.add_get("/slow", slow)
    app.router.add_get("/encoded/{kind}", encoded)
    app.router.add_get("/status/{code}", status)
    return app


@contextlib.asynccontextmanager
async def serving_pages() -> AsyncIterator[PageServer]:
    """Run the page server on 127.0.0.1 (a free port) for the duration of the block."""
    server = PageServer(base="")
    runner = web.AppRunner(_routes(server), handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.base = f"http://127.0.0.1:{port}"
    raw = await asyncio.start_server(_raw_answer, "127.0.0.1", 0)
    server.raw_base = f"http://127.0.0.1:{raw.sockets[0].getsockname()[1]}"
    try:
        yield server
    finally:
        raw.close()
        await raw.wait_closed()
        await runner.cleanup()
