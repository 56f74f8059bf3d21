"""Shared fixtures: the Discord emulator (see tests/discord_emulator/) for the end-to-end tests."""

from tests.discord_emulator.fixtures import discord_emulator  # noqa: F401  (a pytest fixture)
