"""The bot on PostgreSQL through the emulator, while the database goes away and comes back: members keep their
answers (the server's settings are cached), an admin's change is refused with a sentence saying why and that
nothing changed, and works again once the database is back."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.bot_harness import stage
from testing.postgres_server import PostgresServer
from tests.test_store_postgres import terminate_connections


@pytest.mark.asyncio
async def test_a_database_outage_refuses_changes_in_a_sentence_and_answers_keep_coming(
    tmp_path: Path, postgres_url: str, postgres_server: PostgresServer
) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    async with stage(tmp_path, database={"url": postgres_url}) as s:
        assert (await s.say(s.world.admin, "!config prefix ?")).content.startswith("The prefix is now")
        postgres_server.psql(f"ALTER DATABASE {database} ALLOW_CONNECTIONS false")
        try:
            await terminate_connections(postgres_server.url(), database)
            refused = await s.say(s.world.admin, "?config results 5")
            assert "can't reach my settings database" in refused.content and "nothing was changed" in refused.content
            answer = await s.say(s.world.member, "?who said border czar")
            assert answer.embeds, "a member's question is answered from the cached settings"
        finally:
            postgres_server.psql(f"ALTER DATABASE {database} ALLOW_CONNECTIONS true")
        await s.emu.wait_until(lambda: s.bot.guild_store.listening.is_set(), timeout=15, describe=lambda: "no LISTEN")
        assert (await s.say(s.world.admin, "?config results 5")).content.startswith("Answers now show 5")
        assert (await s.bot.guild_store.get(s.world.guild.id)).results == 5
