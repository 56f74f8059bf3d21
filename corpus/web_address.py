"""Web addresses of articles: which ones may be fetched (http(s), no credentials, public hosts only), the address
stored for citing, and the key that says two addresses name the same article.

Every refusal is an ArticleRefused whose message is one sentence naming the address and its problem. The address
checks here are the first half of the guard against server-side request forgery; the second half, checking what a
host name resolves to and connecting only to those checked addresses, is in corpus/web_fetch.py.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, urlencode

from yarl import URL

from corpus.files import UploadRefused

MAX_URL_CHARS = 2_000
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Query parameters that only say how a reader arrived (campaigns, click ids): never part of an article's address.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "ttclid", "igshid", "mc_cid", "mc_eid",
        "_ga", "_gl", "ocid", "cmpid", "smid", "sr_share", "ref_src", "ref_url", "guccounter", "guce_referrer",
        "guce_referrer_sig", "at_medium", "at_campaign", "at_custom1", "at_custom2", "itm_source", "itm_medium",
        "itm_campaign", "wt_mc", "spm", "share", "s_cid", "__twitter_impression",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "vero_")
# inet_aton's spellings of an IPv4 address: one to four parts, each decimal, octal (0…) or hexadecimal (0x…).
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}\.?", re.IGNORECASE)
_UNPRINTABLE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


class ArticleRefused(UploadRefused):
    """An article address or page that cannot be added; the message is one sentence saying why."""


def shown(url: str) -> str:
    """The address as a refusal quotes it between backticks: printable, a backtick as `%60` (what it is in an
    address), at most 200 characters."""
    text = url.encode("unicode_escape").decode("ascii") if not url.isprintable() else url
    text = text.replace("`", "%60")
    return text if len(text) <= 200 else text[:199] + "…"


def parse_article_url(text: str, *, allow_private_hosts: bool = False, exempt: frozenset[str] = frozenset()) -> URL:
    """Check an address a moderator gave (or a redirect named) and return it parsed, without its fragment.

    Refused: other schemes than http and https, user names or passwords, spaces, control characters and
    backslashes, IPv4 addresses spelled as one number or in octal or hexadecimal, and (unless
    `allow_private_hosts`) the names `localhost` and `*.localhost` and any IP address that is not public (but
    those in `exempt`: see FetchLimits.exempt_addresses).
    """
    text = text.strip().removeprefix("<").removesuffix(">")  # Discord's way of not embedding a link
    quoted = f"`{shown(text)}`"
    if not text:
        raise ArticleRefused("Give the article's address, like `https://example.com/news/story`.")
    if len(text) > MAX_URL_CHARS:
        raise ArticleRefused(f"The address is {len(text):,} characters long, over the {MAX_URL_CHARS:,} allowed.")
    if _UNPRINTABLE.search(text):
        raise ArticleRefused(f"{quoted} contains a space, a control character or a backslash, so it is no address.")
    scheme = text.partition(":")[0].lower() if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", text) else ""
    if scheme not in {"http", "https"}:
        if not scheme or ("://" not in text and "." in scheme):
            raise ArticleRefused(f"{quoted} has no `https://` in front; give the whole address.")
        raise ArticleRefused(f"{quoted} is a `{scheme}:` address; only http and https pages can be added.")
    try:
        url = URL(text)
    except ValueError as error:  # yarl's message may quote the address: only its port complaint is passed on
        detail = " (its port is not a number from 0 to 65535)" if "port" in str(error).lower() else ""
        raise ArticleRefused(f"{quoted} is not a valid address{detail}.") from None
    if url.raw_user is not None or url.raw_password is not None:
        raise ArticleRefused(f"{quoted} has a user name or password in it, which the bot never sends.")
    host = (url.raw_host or "").rstrip(".").lower()
    if not host:
        raise ArticleRefused(f"{quoted} has no host name.")
    if not allow_private_hosts and host.strip("[]") not in exempt:
        refuse_private_host(host, quoted)
    return url.with_fragment(None)


def refuse_private_host(host: str, quoted: str) -> None:
    """Refuse the local names, private IP literals and odd IPv4 spellings; a name is checked after DNS."""
    if host == "localhost" or host.endswith(".localhost"):
        raise ArticleRefused(f"{quoted} names `localhost`, the bot's own machine, which it does not fetch from.")
    literal = ip_literal(host)
    if literal is not None:
        problem = address_problem(literal)
        if problem is not None:
            raise ArticleRefused(f"{quoted} points at {literal}, {problem}, which the bot does not fetch from.")
        return
    if _NUMERIC_HOST.fullmatch(host):
        meaning = inet_aton_address(host)
        if meaning is None:
            raise ArticleRefused(f"{quoted} has a numeric host `{host}` that is not an IP address.")
        problem = address_problem(meaning)
        if problem is not None:
            unusual = f"{meaning}, {problem} written in an unusual form"
            raise ArticleRefused(f"{quoted} points at {unusual}, which the bot does not fetch from.")
        raise ArticleRefused(f"{quoted} writes the IP address {meaning} in an unusual form; write it as {meaning}.")


def ip_literal(host: str) -> IPAddress | None:
    """The address if the host is written as a plain IP address (dotted IPv4 or IPv6), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def inet_aton_address(host: str) -> ipaddress.IPv4Address | None:
    """What the C library's inet_aton makes of a numeric host (`2130706433`, `0x7f.1`, `0177.0.0.1`), if anything."""
    try:
        numbers = [_inet_aton_part(part) for part in host.rstrip(".").split(".")]
    except ValueError:
        return None
    *leading, last = numbers
    if any(number > 255 for number in leading) or last >= 256 ** (4 - len(leading)):
        return None
    value = last
    for position, number in enumerate(leading):
        value += number << (8 * (3 - position))
    return ipaddress.IPv4Address(value)


def _inet_aton_part(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    return int(part, 8) if len(part) > 1 and part.startswith("0") else int(part)


def address_problem(address: IPAddress) -> str | None:
    """Why the bot must not connect to this address ("a loopback address", …), or None for a public one.

    IPv6 addresses that carry an IPv4 address (IPv4-mapped, 6to4, NAT64, IPv4-compatible) are judged by it.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner = address_problem(embedded)
            return f"which carries {embedded}, {inner}" if inner else None
    checks = (
        ("is_unspecified", "the unspecified address"),
        ("is_loopback", "a loopback address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
    )
    for attribute, problem in checks:
        if getattr(address, attribute):
            return problem
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "a site-local address"
    if not address.is_global:
        return "not a public address"
    return None


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _NAT64_LOCAL:
        return ipaddress.IPv4Address("10.0.0.0")  # a local-use NAT64 prefix: treat as private whatever it embeds
    return None


def is_tracking(name: str) -> bool:
    """Whether a query parameter only tracks how a reader arrived."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def citation_url(url: URL) -> str:
    """The address stored with an article: no fragment, no tracking parameters, other parameters in their order."""
    kept = [(name, value) for name, value in parse_qsl(url.raw_query_string, keep_blank_values=True)
            if not is_tracking(name)]  # fmt: skip
    cleaned = url.with_fragment(None).with_query(None)
    return str(cleaned.with_query(urlencode(kept)) if kept else cleaned)


def same_article_key(url: str | URL) -> str:
    """A key equal for addresses of the same article: the scheme, `www.`, a default port, a trailing slash, the
    fragment, tracking parameters and the order of the others do not count; an IDN host counts in its ASCII form."""
    parsed = url if isinstance(url, URL) else URL(url)
    host = (parsed.raw_host or "").rstrip(".").lower().removeprefix("www.")
    port = "" if parsed.port in {None, 80, 443} else f":{parsed.port}"
    path = parsed.raw_path.rstrip("/") or "/"
    query = sorted((name, value) for name, value in parse_qsl(parsed.raw_query_string, keep_blank_values=True)
                   if not is_tracking(name))  # fmt: skip
    return f"{host}{port}{path}" + (f"?{urlencode(query)}" if query else "")
