"""Shared fixtures: the Discord emulator (see testing/discord_emulator/) for the end-to-end tests, and a PostgreSQL
server for the store's and the cluster's tests (tests/postgres_fixtures.py)."""

from testing.discord_emulator.fixtures import discord_emulator  # noqa: F401  (a pytest fixture)
from tests.postgres_fixtures import postgres_server, postgres_url  # noqa: F401  (pytest fixtures)
