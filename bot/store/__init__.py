"""Per-guild settings and the moderation log: SQLite in the state folder by default, PostgreSQL with `[database] url`.

`open_store(settings)` picks the backend; both implement `GuildStore` and pass the same tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.store.base import (
    Action,
    Change,
    GuildSettings,
    GuildStore,
    SchemaTooNew,
    SettingRefused,
    StoreUnavailable,
    readable_settings,
)
from bot.store.sqlite import DATABASE_FILE, GuildSettingsStore

if TYPE_CHECKING:
    from bot.core.settings import Settings

__all__ = [
    "DATABASE_FILE",
    "Action",
    "Change",
    "GuildSettings",
    "GuildSettingsStore",
    "GuildStore",
    "SchemaTooNew",
    "SettingRefused",
    "StoreUnavailable",
    "guild_defaults",
    "open_store",
    "readable_settings",
]


def guild_defaults(settings: Settings) -> GuildSettings:
    """What a guild gets before its admins change anything."""
    return GuildSettings(results=settings.search.results, prefix=settings.prefix)


async def open_store(settings: Settings, defaults: GuildSettings | None = None) -> GuildStore:
    """The store `[database] url` selects: PostgreSQL for a postgresql:// URL, else SQLite in the state folder.

    Raises StoreUnavailable (one line, no password) when the database cannot be reached or is too new.
    """
    defaults = defaults if defaults is not None else guild_defaults(settings)
    if settings.database.url is not None:
        from bot.store.postgres import PostgresGuildStore

        return await PostgresGuildStore.open(settings.database.url.get_secret_value(), defaults)
    return await GuildSettingsStore.open(settings.state_dir, defaults)
