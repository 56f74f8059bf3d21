"""The body of a fetched page: HTML only, at most a given size after decompression, decoded as a browser would.

The body is read in chunks and decompressed here (aiohttp's own decompression is off), never more than the room
left under the cap at a time, so neither a huge page nor a gzip bomb is held in memory past the cap.
"""

from __future__ import annotations

import codecs
import re
import zlib

import aiohttp
from yarl import URL

from corpus.web_address import ArticleRefused, shown

HTML_TYPES = {"text/html", "application/xhtml+xml"}
CHUNK_BYTES = 64 * 1024
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE)
# What browsers decode these labels as (WHATWG Encoding): a page saying Latin-1 is read as windows-1252.
_BROWSER_CHARSETS = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252",
                     "ascii": "cp1252", "iso8859-1": "cp1252", "l1": "cp1252"}  # fmt: skip


async def read_html(response: aiohttp.ClientResponse, url: URL, max_bytes: int) -> str:
    """The body as text: HTML only, at most `max_bytes` after decompression, decoded by its declared charset."""
    quoted = f"`{shown(str(url))}`"
    mime = response.content_type.lower() if "Content-Type" in response.headers else ""
    if mime and mime not in HTML_TYPES:
        raise ArticleRefused(f"{quoted} is {_describe_type(mime)}, not a web page; only HTML pages can be added.")
    length = response.content_length
    if length is not None and length > max_bytes:
        raise ArticleRefused(f"{quoted} is {length:,} bytes, over the {max_bytes:,}-byte limit for a page.")
    decoder = _decoder(response.headers.get("Content-Encoding", ""), quoted)
    body = bytearray()
    received = 0
    async for chunk in response.content.iter_chunked(CHUNK_BYTES):
        received += len(chunk)
        body += decoder.feed(chunk, max_bytes + 1 - len(body))
        if len(body) > max_bytes or received > max_bytes:
            raise ArticleRefused(f"{quoted} is more than {max_bytes:,} bytes, the limit for a page.")
    body += decoder.finish(max_bytes + 1 - len(body))
    if len(body) > max_bytes:
        raise ArticleRefused(f"{quoted} is more than {max_bytes:,} bytes, the limit for a page.")
    if not mime and not _looks_like_html(bytes(body[:1024])):
        raise ArticleRefused(f"{quoted} does not say what it is and does not look like a web page.")
    return bytes(body).decode(_charset(response, body), errors="replace")


class _Identity:
    def feed(self, chunk: bytes, room: int) -> bytes:
        return chunk

    def finish(self, room: int) -> bytes:
        return b""


class BoundedInflate:
    """zlib decompression that never produces more than `room` bytes per call (a gzip bomb stops at the cap)."""

    def __init__(self, wbits: int, quoted: str = "The page") -> None:
        self._quoted = quoted
        self._wbits = wbits
        self._decompressor = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, chunk: bytes, room: int) -> bytes:
        """The decompressed bytes of `chunk` (with what an earlier call left), at most `room` of them."""
        if not self._started and self._wbits == zlib.MAX_WBITS and chunk and (chunk[0] & 0x0F) != 8:
            self._decompressor = zlib.decompressobj(-zlib.MAX_WBITS)  # "deflate" sent raw, as some servers do
        self._started = True
        try:
            return self._decompressor.decompress(self._decompressor.unconsumed_tail + chunk, max(room, 1))
        except zlib.error as error:
            raise ArticleRefused(f"{self._quoted} sent damaged compressed data ({error}).") from None

    def finish(self, room: int) -> bytes:
        """What is left to decompress once the body has all arrived, at most `room` bytes of it."""
        return self.feed(b"", room) if self._decompressor.unconsumed_tail else b""


def _decoder(encoding: str, quoted: str) -> _Identity | BoundedInflate:
    codings = [part.strip().lower() for part in encoding.split(",") if part.strip()]
    codings = [coding for coding in codings if coding != "identity"]
    if not codings:
        return _Identity()
    if codings in (["gzip"], ["x-gzip"]):
        return BoundedInflate(16 + zlib.MAX_WBITS, quoted)
    if codings == ["deflate"]:
        return BoundedInflate(zlib.MAX_WBITS, quoted)
    raise ArticleRefused(f"{quoted} is compressed as `{shown(encoding)}`, which the bot does not read.")


def _describe_type(mime: str) -> str:
    names = {"application/pdf": "a PDF document", "application/json": "JSON data", "text/plain": "plain text",
             "application/xml": "XML data", "text/xml": "XML data"}  # fmt: skip
    for prefix, name in (("image/", "an image"), ("video/", "a video"), ("audio/", "a sound file")):
        if mime.startswith(prefix):
            return f"{name} ({mime})"
    return f"{names[mime]} ({mime})" if mime in names else f"of type `{shown(mime)}`"


def _looks_like_html(start: bytes) -> bool:
    head = start.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<!--")) or b"<html" in head


def _charset(response: aiohttp.ClientResponse, body: bytearray) -> str:
    """The declared charset (header, then BOM, then a <meta> near the top), as a browser would read it; UTF-8."""
    candidates = [response.charset]
    if body.startswith(codecs.BOM_UTF8):
        candidates.insert(0, "utf-8-sig")
    match = _META_CHARSET.search(bytes(body[:4096]))
    if match:
        candidates.append(match.group(1).decode("ascii"))
    for label in candidates:
        if label:
            name = _BROWSER_CHARSETS.get(label.strip().lower(), label.strip())
            try:
                return codecs.lookup(name).name
            except LookupError:
                continue
    return "utf-8"
