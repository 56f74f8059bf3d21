"""One process per shard: a cluster whose processes would run the same shard (overlapping ranges, a process left
running every shard, two shard counts) is refused at start-up with one line; a dead process's shards are free."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

import bot.store.shard_claims
from bot.core.settings import Settings
from bot.store.shard_claims import ShardClaim, ShardConflict

QUICK = 0.3  # seconds a claim waits for a taken shard before it is refused


def shards(count: int | None = None, ids: list[int] | None = None) -> Settings:
    discord: dict[str, Any] = {}
    if count is not None:
        discord["shard_count"] = count
    if ids is not None:
        discord["shard_ids"] = ids
    return Settings(discord=discord)


async def refused(url: str, settings: Settings) -> str:
    with pytest.raises(ShardConflict) as conflict:
        await ShardClaim.acquire(url, settings, wait_seconds=QUICK)
    message = str(conflict.value)
    assert "\n" not in message
    return message


@pytest.mark.asyncio
async def test_overlapping_shard_ranges_are_refused_and_disjoint_ones_run(postgres_url: str) -> None:
    first = await ShardClaim.acquire(postgres_url, shards(4, [0, 1]))
    second = await ShardClaim.acquire(postgres_url, shards(4, [2, 3]))
    try:
        message = await refused(postgres_url, shards(4, [1, 2]))
        assert message.startswith("shard 1 is already run by another process of this cluster")
        assert "this process would run shards 1, 2 of 4" in message and "answered twice" in message
        assert "every shard" in await refused(postgres_url, shards())
        assert "every shard" in await refused(postgres_url, shards(4))
    finally:
        await first.release()
    replacement = await ShardClaim.acquire(postgres_url, shards(4, [1, 0]), wait_seconds=QUICK)
    await asyncio.gather(replacement.release(), second.release())


@pytest.mark.asyncio
async def test_a_process_running_every_shard_is_alone(postgres_url: str) -> None:
    whole = await ShardClaim.acquire(postgres_url, shards())
    try:
        assert "another process of this cluster runs shards already" in await refused(postgres_url, shards())
        assert "runs every shard" in await refused(postgres_url, shards(2, [0]))
    finally:
        await whole.release()


@pytest.mark.asyncio
async def test_processes_with_another_shard_count_are_refused(postgres_url: str) -> None:
    first = await ShardClaim.acquire(postgres_url, shards(4, [0, 1]))
    try:
        message = await refused(postgres_url, shards(2, [1]))
        assert "shard_count 2, but other processes of this cluster run with shard_count 4" in message
    finally:
        await first.release()


@pytest.mark.asyncio
async def test_a_claim_lost_with_its_connection_is_taken_again(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.store.shard_claims, "WATCH_SECONDS", 0.1)
    claim = await ShardClaim.acquire(postgres_url, shards(2, [0]))
    try:
        admin = await asyncpg.connect(postgres_url)
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await admin.close()
        await asyncio.sleep(0.2)  # the watch notices the closed connection and claims again

        async def claimed_again() -> bool:
            try:
                await ShardClaim.acquire(postgres_url, shards(2, [0]), wait_seconds=0)
            except ShardConflict:
                return True
            return False

        deadline = asyncio.get_running_loop().time() + 5
        while not await claimed_again():
            assert asyncio.get_running_loop().time() < deadline, "the claim was not taken again"
            await asyncio.sleep(0.1)
    finally:
        await claim.release()
