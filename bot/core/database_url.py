"""Database URLs: which store a `[database] url` selects, how to name it without its password, why it failed."""

from __future__ import annotations

import os
import socket
from urllib.parse import parse_qs, unquote, urlsplit

POSTGRES_SCHEMES = ("postgresql", "postgres")


def url_problem(url: str) -> str | None:
    """Why `url` is not a usable `postgresql://user@host:port/dbname` URL, or None when it is."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number from 0 to 65535)
    except ValueError as error:
        return f"is not a valid URL ({error})"
    if parts.scheme not in POSTGRES_SCHEMES:
        shown = parts.scheme or url[:20]
        return (
            f"must be a postgresql://user@host:port/dbname URL (got {shown!r}); leave it unset for the SQLite "
            "file in the state folder"
        )
    if not parts.path.strip("/"):
        return "names no database: postgresql://user@host:port/dbname"
    return None


def has_password(url: str) -> bool:
    """Whether the URL carries a password (user:password@ or ?password=)."""
    parts = urlsplit(url)
    return parts.password is not None or "password" in parse_qs(parts.query)


def describe_url(url: str) -> str:
    """`PostgreSQL storybot@db:5432/storybot`: the address as an operator recognises it, never the password."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    host = parts.hostname or (query.get("host") or [os.environ.get("PGHOST") or "(local)"])[0]
    if ":" in host and not host.startswith("/"):
        host = f"[{host}]"
    user = f"{unquote(parts.username)}@" if parts.username else ""
    try:
        port = parts.port or 5432
    except ValueError:
        port = "?"
    database = unquote(parts.path.lstrip("/")) or "(default)"
    return f"PostgreSQL {user}{host}:{port}/{database}"


def connection_problem(where: str, error: BaseException) -> str:
    """One line: the database, what went wrong, and what to check."""
    import asyncpg  # only PostgreSQL's errors come here; `bot.core.settings` imports this module without needing it

    if isinstance(error, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        reason = f"it refused the login ({error}); check the user in [database] url and PGPASSWORD"
    elif isinstance(error, asyncpg.InvalidCatalogNameError):
        reason = f"{error}; create it (createdb) or fix the name in [database] url"
    elif isinstance(error, socket.gaierror):
        reason = "the host name does not resolve; check [database] url"
    elif isinstance(error, TimeoutError):
        reason = "no answer in time; check [database] url, the network and that the server is running"
    elif isinstance(error, OSError) and error.errno:
        reason = f"{os.strerror(error.errno)}; check [database] url and that the server is running"
    elif isinstance(error, asyncpg.InternalClientError | asyncpg.ConnectionDoesNotExistError):
        reason = "the server closed the connection (restarted, or the connection was cut)"
    elif isinstance(error, asyncpg.DuplicateTableError):
        reason = f"it holds tables storybot did not create ({error}): give storybot a database of its own"
    elif isinstance(error, asyncpg.CannotConnectNowError | asyncpg.AdminShutdownError):
        reason = f"the server is starting or shutting down ({error})"
    else:
        text = " ".join(str(error).split()) or type(error).__name__
        reason = f"{text} ({type(error).__name__})"
    return f"the settings database {where} cannot be used: {reason}"
