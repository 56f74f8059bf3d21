"""Shared fixtures: the Discord emulator (see testing/discord_emulator/) for the end-to-end tests."""

from testing.discord_emulator.fixtures import discord_emulator  # noqa: F401  (a pytest fixture)
