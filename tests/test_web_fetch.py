"""Fetching a page safely (corpus/web_fetch.py), against a local server on 127.0.0.1 and a fake DNS: no test
reaches beyond 127.0.0.1 (a refused address is refused before any connection)."""

from __future__ import annotations

import socket
import zlib
from collections.abc import AsyncIterator
from urllib.parse import quote

import pytest
import pytest_asyncio

from corpus.web_address import ArticleRefused
from corpus.web_body import BoundedInflate
from corpus.web_fetch import FetchLimits, PinnedResolver, fetch_page
from tests.page_server import PageServer, gzip_bomb, serving_pages

LOCAL = FetchLimits(timeout_seconds=5, max_bytes=1_000_000, max_redirects=5, allow_private_hosts=True)
# Private addresses refused as in production, except the local server's own address.
GUARDED = FetchLimits(timeout_seconds=5, max_bytes=1_000_000, exempt_addresses=frozenset({"127.0.0.1"}))


class FakeDNS:
    """A resolver for the tests: fixed answers per host (a list per call, the last one repeating), calls counted."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        sequence = self.answers[host]
        return sequence[min(self.calls.count(host), len(sequence)) - 1]


@pytest_asyncio.fixture
async def server() -> AsyncIterator[PageServer]:
    async with serving_pages() as running:
        yield running


async def refusal(url: str, limits: FetchLimits = LOCAL, lookup: FakeDNS | None = None) -> str:
    with pytest.raises(ArticleRefused) as refused:
        await fetch_page(url, limits, lookup or FakeDNS({}))
    message = str(refused.value)
    assert "\n" not in message and message.endswith("."), "one sentence"
    return message


@pytest.mark.asyncio
async def test_a_saved_page_is_fetched_without_its_fragment(server: PageServer) -> None:
    page = await fetch_page(server.url("/pages/wire-port-strike#comments"), LOCAL, FakeDNS({}))
    assert "ROTTERDAM, Netherlands (Wire)" in page.html
    assert str(page.url) == server.url("/pages/wire-port-strike") == str(page.requested)


@pytest.mark.asyncio
async def test_a_latin1_page_is_read_as_a_browser_reads_it(server: PageServer) -> None:
    page = await fetch_page(server.url("/pages/latin1-cafe"), LOCAL, FakeDNS({}))
    assert "Fermé depuis l’incendie" in page.html and "une œuvre collective" in page.html  # windows-1252 bytes


@pytest.mark.asyncio
async def test_redirects_are_followed_up_to_the_limit(server: PageServer) -> None:
    page = await fetch_page(server.url("/chain/3"), LOCAL, FakeDNS({}))
    assert str(page.url) == server.url("/pages/wire-port-strike") and str(page.requested) == server.url("/chain/3")
    message = await refusal(server.url("/chain/20"))
    assert "redirects more than 5 times" in message


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("file:///etc/passwd", "a `file:` address"),
        ("gopher://127.0.0.1:70/", "a `gopher:` address"),
        ("http://user:pw@127.0.0.1/", "user name or password"),
        ("http://10.0.0.5/admin", "10.0.0.5, a private address"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://127.0.0.2/", "127.0.0.2, a loopback address"),
        ("http://[::ffff:127.0.0.2]/", "carries 127.0.0.2"),
        ("http://2130706434/", "unusual form"),
        ("http://localhost/", "`localhost`"),
    ],
)
@pytest.mark.asyncio
async def test_each_redirect_is_checked_like_the_first_address(server: PageServer, target: str, words: str) -> None:
    message = await refusal(server.url("/redirect?to=" + quote(target, safe="")), GUARDED)
    assert words in message
    assert len(server.hosts) == 1, "nothing was asked of the redirect's target"


@pytest.mark.asyncio
async def test_a_host_is_refused_when_any_of_its_addresses_is_private(server: PageServer) -> None:
    port = server.base.rsplit(":", 1)[1]
    dns = FakeDNS({"news.example": [["127.0.0.1"]], "mixed.example": [["127.0.0.1", "10.9.8.7"]],
                   "inner.example": [["192.168.0.10"]], "six.example": [["fd00::1"]]})  # fmt: skip
    page = await fetch_page(f"http://news.example:{port}/pages/wire-port-strike", GUARDED, dns)
    assert "ROTTERDAM" in page.html and server.hosts == [f"news.example:{port}"]

    message = await refusal(f"http://mixed.example:{port}/pages/wire-port-strike", GUARDED, dns)
    assert "resolves to 10.9.8.7 (among 2 addresses), a private address" in message
    assert "192.168.0.10, a private" in await refusal(f"http://inner.example:{port}/", GUARDED, dns)
    assert "fd00::1, a private" in await refusal(f"http://six.example:{port}/", GUARDED, dns)
    redirected = server.url("/redirect?to=" + quote(f"http://mixed.example:{port}/", safe=""))
    assert "10.9.8.7" in await refusal(redirected, GUARDED, dns)
    assert len(server.hosts) == 2, "only the public host and the redirect were asked"


@pytest.mark.asyncio
async def test_dns_rebinding_cannot_swap_the_checked_address(server: PageServer) -> None:
    port = server.base.rsplit(":", 1)[1]
    dns = FakeDNS({"rebind.example": [["127.0.0.1"], ["10.0.0.1"]]})  # checked once; a second answer is private
    page = await fetch_page(f"http://rebind.example:{port}/pages/wire-port-strike", GUARDED, dns)
    assert "ROTTERDAM" in page.html
    assert dns.calls == ["rebind.example"], "resolved once, connected to what was checked"
    with pytest.raises(ArticleRefused, match="had not checked"):
        await PinnedResolver().resolve("rebind.example", 80)


@pytest.mark.asyncio
async def test_an_idn_host_is_asked_for_in_its_ascii_form(server: PageServer) -> None:
    port = server.base.rsplit(":", 1)[1]
    dns = FakeDNS({"xn--bcher-kva.example": [["127.0.0.1"]]})
    page = await fetch_page(f"http://bücher.example:{port}/pages/wire-port-strike", GUARDED, dns)
    assert page.url.raw_host == "xn--bcher-kva.example" and server.hosts == [f"xn--bcher-kva.example:{port}"]
    assert "could not be found" in await refusal(f"http://nowhere.example:{port}/", GUARDED, dns)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/typed/pdf", "is a PDF document (application/pdf), not a web page"),
        ("/typed/png", "is an image (image/png), not a web page"),
        ("/typed/json", "is JSON data (application/json)"),
        ("/huge", "is 2,147,483,648 bytes, over the 1,000,000-byte limit"),
        ("/endless", "is more than 1,000,000 bytes"),
        ("/encoded/bomb", "is more than 1,000,000 bytes"),
        ("/encoded/double", "compressed as `gzip, gzip`"),
        ("/encoded/damaged", "sent damaged compressed data"),
        ("/encoded/br", "compressed as `br`"),
        ("/status/404", "answered 404 Not Found, not the page"),
        ("/status/503", "answered 503 Service Unavailable"),
    ],
)
@pytest.mark.asyncio
async def test_what_is_not_an_html_page_of_a_sane_size_is_refused(server: PageServer, path: str, words: str) -> None:
    message = await refusal(server.url(path))
    assert words in message and "**Bold**" not in message and "<@&1>" not in message


@pytest.mark.asyncio
async def test_compressed_pages_and_pages_without_a_type(server: PageServer) -> None:
    for url in (server.url("/encoded/gzip"), server.url("/encoded/deflate-raw"), server.raw_url("/untyped/html")):
        assert "ROTTERDAM" in (await fetch_page(url, LOCAL, FakeDNS({}))).html, url
    assert "does not say what it is" in await refusal(server.raw_url("/untyped/binary"))


@pytest.mark.asyncio
async def test_a_server_sending_a_byte_at_a_time_is_cut_off_at_the_time_limit(server: PageServer) -> None:
    slow = FetchLimits(timeout_seconds=1, max_bytes=1_000_000, allow_private_hosts=True)
    assert "did not send the whole page within 1 s" in await refusal(server.url("/slow"), slow)


@pytest.mark.asyncio
async def test_a_closed_port_is_a_failed_connection() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert "could not be fetched: the connection failed" in await refusal(f"http://127.0.0.1:{port}/")


def test_decompression_never_makes_more_than_the_room_left() -> None:
    bomb = gzip_bomb()  # 200 MB of spaces in about 200 KB
    inflate = BoundedInflate(16 + zlib.MAX_WBITS)
    made = inflate.feed(bomb, 1_000_001)
    assert len(made) <= 1_000_001
    assert len(inflate.finish(5)) <= 5, "what is left is not decompressed past the room either"
