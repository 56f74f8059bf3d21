"""pytest fixtures for the PostgreSQL tests: one server per session (`postgres_server`), a fresh database per test
(`postgres_url`). Skips with the reason when PostgreSQL can't run here, or fails when REQUIRE_POSTGRES_TESTS=1."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from testing.postgres_server import PostgresServer, PostgresUnavailable, running_server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole test session, stopped at its end."""
    try:
        with running_server() as server:
            yield server
    except PostgresUnavailable as missing:
        if os.environ.get("REQUIRE_POSTGRES_TESTS") == "1":
            pytest.fail(f"PostgreSQL is required here (REQUIRE_POSTGRES_TESTS=1): {missing}")
        pytest.skip(f"PostgreSQL tests skipped: {missing}")


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)
