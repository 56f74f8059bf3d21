"""Which article addresses may be fetched, and when two addresses name the same article (corpus/web_address.py)."""

from __future__ import annotations

import ipaddress

import pytest
from yarl import URL

from corpus.web_address import (
    ArticleRefused,
    address_problem,
    citation_url,
    inet_aton_address,
    parse_article_url,
    same_article_key,
)
from corpus.web_import import article_file_name


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.3.4", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("100.64.0.1", "not a public address"),  # carrier-grade NAT
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.10", "private"),  # documentation range
        ("198.18.0.1", "private"),  # benchmarking range
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("ff02::1", "multicast"),
        ("fec0::1", "site-local"),
        ("::ffff:127.0.0.1", "carries 127.0.0.1, a loopback"),
        ("::ffff:10.0.0.1", "carries 10.0.0.1, a private"),
        ("::ffff:169.254.169.254", "carries 169.254.169.254, a link-local"),
        ("2002:7f00:1::", "carries 127.0.0.1"),  # 6to4
        ("2002:a00:1::", "carries 10.0.0.1"),
        ("64:ff9b::a00:1", "carries 10.0.0.1"),  # NAT64
        ("::7f00:1", "carries 127.0.0.1"),  # IPv4-compatible
        ("2001:db8::1", "private"),  # documentation range
    ],
)
def test_addresses_that_are_not_public_are_named(address: str, problem: str) -> None:
    found = address_problem(ipaddress.ip_address(address))
    assert found is not None and problem in found


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1/x", "127.0.0.1, a loopback address"),
        ("https://10.0.0.7:8443/a", "10.0.0.7, a private address"),
        ("http://[::1]:8080/", "::1, a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "carries 127.0.0.1"),
        ("http://[fe80::1%25eth0]/", "link-local"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://0.0.0.0:8000/", "unspecified"),
        ("http://localhost:8000/", "`localhost`"),
        ("http://LOCALHOST./", "`localhost`"),
        ("http://api.localhost/", "`localhost`"),
        ("http://2130706433/", "127.0.0.1, a loopback address written in an unusual form"),
        ("http://0x7f000001/", "127.0.0.1, a loopback address written in an unusual form"),
        ("http://0177.0.0.1/", "127.0.0.1, a loopback address written in an unusual form"),
        ("http://0x7f.1/", "127.0.0.1, a loopback address written in an unusual form"),
        ("http://127.1/", "127.0.0.1, a loopback address written in an unusual form"),
        ("http://127.000.000.001/", "127.0.0.1, a loopback address written in an unusual form"),
        ("http://167772161/", "10.0.0.1, a private address written in an unusual form"),
        ("http://134744072/", "IP address 8.8.8.8 in an unusual form; write it as 8.8.8.8"),
        ("http://99999999999/", "not an IP address"),
        ("http://user:secret@news.example/a", "user name or password"),
        ("https://news.example@10.0.0.1/", "user name or password"),
        ("http://:pw@news.example/", "user name or password"),
        ("file:///etc/passwd", "a `file:` address"),
        ("ftp://news.example/a", "a `ftp:` address"),
        ("javascript:alert(1)", "a `javascript:` address"),
        ("gopher://127.0.0.1:6379/_INFO", "a `gopher:` address"),
        ("news.example/story", "no `https://` in front"),
        ("http://news.example\\@127.0.0.1/", "backslash"),
        ("http://news.example/a b", "space"),
        ("http://news.example/\x00", "control character"),
        ("http:///path-only", "no host name"),
        ("http://news.example:99999/", "not a valid address"),
        ("", "Give the article's address"),
        ("https://news.example/" + "a" * 2_100, "over the 2,000 allowed"),
    ],
)
def test_addresses_refused_before_anything_is_fetched(url: str, words: str) -> None:
    with pytest.raises(ArticleRefused) as refused:
        parse_article_url(url)
    message = str(refused.value)
    assert words in message
    assert message.count("\n") == 0 and message.endswith("."), "one sentence"


def test_allow_private_hosts_lets_the_local_test_server_through_but_not_credentials_or_other_schemes() -> None:
    assert parse_article_url("http://127.0.0.1:8080/a#top", allow_private_hosts=True) == URL("http://127.0.0.1:8080/a")
    assert parse_article_url("http://localhost/a", allow_private_hosts=True).host == "localhost"
    for url in ("http://u:p@127.0.0.1/", "file:///etc/passwd"):
        with pytest.raises(ArticleRefused):
            parse_article_url(url, allow_private_hosts=True)


def test_a_refusal_cannot_break_out_of_its_code_span() -> None:
    with pytest.raises(ArticleRefused) as refused:
        parse_article_url("gopher://x`**@everyone**`/")
    assert str(refused.value).count("`") % 2 == 0 and "%60**@everyone**%60" in str(refused.value)


def test_discord_angle_brackets_and_idn_hosts() -> None:
    assert parse_article_url("<https://news.example/a>") == URL("https://news.example/a")
    assert parse_article_url("https://bücher.example/ä").raw_host == "xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("host", "address"),
    [("2130706433", "127.0.0.1"), ("0x7f.0.0.1", "127.0.0.1"), ("0300.0250.0.1", "192.168.0.1"), ("10.1", "10.0.0.1"),
     ("192.168.257", "192.168.1.1"), ("08.0.0.1", None), ("256.0.0.1", None), ("1.2.3.4.5", None)],
)  # fmt: skip
def test_inet_aton_spellings_are_understood(host: str, address: str | None) -> None:
    found = inet_aton_address(host)
    assert (str(found) if found else None) == address


def test_the_same_article_behind_tracking_fragments_case_slashes_and_www() -> None:
    base = same_article_key("https://news.example/world/story?id=7&page=2")
    for variant in (
        "https://news.example/world/story?page=2&id=7",
        "http://www.NEWS.example/world/story/?id=7&page=2&utm_source=x&utm_medium=social",
        "https://news.example:443/world/story?fbclid=abc&id=7&gclid=1&page=2#comments",
        "https://news.example./world/story?id=7&page=2&mc_cid=1&_ga=2",
    ):
        assert same_article_key(variant) == base, variant
    for other in (
        "https://news.example/world/story?id=8&page=2",
        "https://news.example/World/story?id=7&page=2",
        "https://news.example:8443/world/story?id=7&page=2",
        "https://other.example/world/story?id=7&page=2",
    ):
        assert same_article_key(other) != base, other  # fmt: skip
    assert same_article_key("https://bücher.example/a") == same_article_key("https://xn--bcher-kva.example/a")


def test_the_cited_address_drops_the_fragment_and_trackers_and_keeps_the_rest() -> None:
    url = URL("https://news.example/a/story?id=7&utm_source=x&page=2&fbclid=q#comments")
    assert citation_url(url) == "https://news.example/a/story?id=7&page=2"
    assert citation_url(URL("https://news.example/story?utm_campaign=z")) == "https://news.example/story"


@pytest.mark.parametrize(
    ("url", "stem"),
    [
        ("https://wire.example/world/europe/dockworkers-walk-out-rotterdam", "dockworkers-walk-out-rotterdam-"),
        ("https://blog.example/2023/11/05/why-my-sourdough-stopped-rising/", "why-my-sourdough-stopped-rising-"),
        ("https://news.example/story.html?utm_source=x", "story-"),
        ("https://www.news.example/article/123456", "news-example-123456-"),
        ("https://news.example/?p=42", "news-example-"),
        ("https://news.example/CON", "con-"),
        ("https://xn--bcher-kva.example/über-uns", "uber-uns-"),
        ("https://news.example/новости/12", "news-example-12-"),
        ("https://news.example/" + "long-words-" * 20, "long-words-long"),
    ],
)
def test_file_names_come_from_the_address(url: str, stem: str) -> None:
    name = article_file_name(URL(url))
    assert name.startswith(stem) and name.endswith(".json") and len(name) <= 72
    assert name == article_file_name(URL(url + "#frag")), "the same address gives the same file"
