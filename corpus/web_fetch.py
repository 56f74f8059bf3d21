"""Fetching one article page safely: public hosts only, connecting to the checked addresses, bounded in time, size,
redirects and decompression, HTML only.

A host name is resolved once per hop, every address it resolves to is checked (one private address refuses the
host: DNS answers that mix public and private addresses are refused), and aiohttp then connects through a resolver
that knows only those checked addresses, so a second DNS answer (rebinding) cannot swap in another one. Redirects
are followed by hand, each target checked like the first address. The body is read by corpus/web_body.py.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from corpus.web_address import ArticleRefused, address_problem, ip_literal, parse_article_url, shown
from corpus.web_body import read_html

Lookup = Callable[[str, int], Awaitable[list[str]]]

USER_AGENT = "storybot/0.1 (article import for a Discord bot; one page per moderator command)"
REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class FetchLimits:
    """How far one fetch may go (`[articles]` settings)."""

    timeout_seconds: float = 20.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    allow_private_hosts: bool = False
    # Addresses let through although not public: only the tests' local server (127.0.0.1), so that the refusals of
    # private addresses met later (redirects, other hosts) are tested against a real server. Not a setting.
    exempt_addresses: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FetchedPage:
    """A fetched HTML page: the address asked for, the one the page came from (after redirects), its text."""

    requested: URL
    url: URL
    html: str


async def system_lookup(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for a host, each once, in its order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class PinnedResolver(AbstractResolver):
    """aiohttp's resolver for one fetch: answers only with the addresses checked for each host, never asks DNS."""

    def __init__(self) -> None:
        self._pins: dict[str, list[str]] = {}

    def pin(self, host: str, addresses: list[str]) -> None:
        """Let `host` be reached at these (checked) addresses only."""
        self._pins[host.rstrip(".").lower()] = addresses

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[Any]:
        """The pinned addresses of `host`; a host that was never checked is an error, not a lookup."""
        addresses = self._pins.get(host.rstrip(".").lower())
        if not addresses:
            raise ArticleRefused(f"The bot was asked to connect to `{shown(host)}`, which it had not checked.")
        results: list[ResolveResult] = []
        for address in addresses:
            address_family = socket.AF_INET6 if ":" in address else socket.AF_INET
            if family in {socket.AF_UNSPEC, address_family}:
                flags = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV
                results.append(ResolveResult(hostname=host, host=address, port=port, family=address_family,
                                             proto=0, flags=flags))  # fmt: skip
        return results

    async def close(self) -> None:
        """Nothing to release."""


async def fetch_page(url: str, limits: FetchLimits, lookup: Lookup = system_lookup) -> FetchedPage:
    """Fetch an HTML page, following at most `limits.max_redirects` redirects, all within the time limit.

    Raises ArticleRefused, one sentence naming the address and its problem, for anything it will not or cannot do.
    """
    requested = parse_article_url(url, allow_private_hosts=limits.allow_private_hosts, exempt=limits.exempt_addresses)
    resolver = PinnedResolver()
    connector = aiohttp.TCPConnector(resolver=resolver, use_dns_cache=False, limit=2, force_close=True)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=limits.timeout_seconds)
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml",
        "Accept-Encoding": "gzip, deflate",
    }
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, headers=headers, auto_decompress=False, trust_env=False
    ) as session:
        try:
            async with asyncio.timeout(limits.timeout_seconds):
                return await _follow(session, resolver, requested, limits, lookup)
        except TimeoutError:
            raise ArticleRefused(
                f"`{shown(str(requested))}` did not send the whole page within {limits.timeout_seconds:g} s."
            ) from None
        except aiohttp.ClientError as error:
            raise ArticleRefused(f"`{shown(str(requested))}` could not be fetched: {_client_error(error)}.") from None


async def _follow(
    session: aiohttp.ClientSession, resolver: PinnedResolver, requested: URL, limits: FetchLimits, lookup: Lookup
) -> FetchedPage:
    url = requested
    for hop in range(limits.max_redirects + 1):
        await _check_and_pin(url, resolver, limits, lookup)
        async with session.get(url, allow_redirects=False) as response:
            if response.status in REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise ArticleRefused(f"`{shown(str(url))}` redirects without saying where to.")
                if hop == limits.max_redirects:
                    raise ArticleRefused(
                        f"`{shown(str(requested))}` redirects more than {limits.max_redirects} times; give the "
                        "article's final address."
                    )
                target = _redirect_target(url, location)
                url = parse_article_url(
                    target, allow_private_hosts=limits.allow_private_hosts, exempt=limits.exempt_addresses
                )
                continue
            if response.status != 200:
                raise ArticleRefused(f"`{shown(str(url))}` answered {_status(response.status)}, not the page.")
            html = await read_html(response, url, limits.max_bytes)
            return FetchedPage(requested=requested, url=url, html=html)
    raise AssertionError("unreachable: the loop returns or raises")


def _redirect_target(url: URL, location: str) -> str:
    """The absolute address a Location header names (relative ones are resolved against the current address)."""
    try:
        return str(url.join(URL(location.strip())))
    except ValueError:
        return location.strip()  # parse_article_url names what is wrong with it


async def _check_and_pin(url: URL, resolver: PinnedResolver, limits: FetchLimits, lookup: Lookup) -> None:
    """Resolve the host (an IP literal is its own address), refuse it if any address is not public, pin the rest."""
    host = (url.raw_host or "").rstrip(".").lower()
    literal = ip_literal(host)
    if literal is not None:
        resolver.pin(host, [str(literal)])  # aiohttp connects to a literal itself; it was checked when parsed
        return
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        addresses = await lookup(host, port)
    except (OSError, UnicodeError):
        addresses = []
    if not addresses:
        raise ArticleRefused(f"`{shown(str(url))}`: the host `{host}` could not be found.")
    if not limits.allow_private_hosts:
        for text in addresses:
            address = ip_literal(text)
            problem = "not an IP address" if address is None else address_problem(address)
            if problem is not None and text not in limits.exempt_addresses:
                also = f" (among {len(addresses)} addresses)" if len(addresses) > 1 else ""
                raise ArticleRefused(
                    f"`{shown(str(url))}`: the host `{host}` resolves to {text}{also}, {problem}, which the bot "
                    "does not fetch from."
                )
    resolver.pin(host, addresses)


def _status(code: int) -> str:
    """`404 Not Found`: the standard phrase, never the server's own words (they would be shown to moderators)."""
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


def _client_error(error: aiohttp.ClientError) -> str:
    if isinstance(error, aiohttp.ClientConnectorCertificateError):
        return "its TLS certificate is not valid"
    if isinstance(error, aiohttp.ClientConnectorError):
        return "the connection failed"
    if isinstance(error, aiohttp.ClientPayloadError):
        return "the page arrived broken"
    if isinstance(error, aiohttp.ClientResponseError):
        return f"the server's answer was malformed ({error.status})"
    if isinstance(error, aiohttp.InvalidURL):
        return "aiohttp refused the address"
    return type(error).__name__
