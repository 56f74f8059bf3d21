"""Check compose.yaml end to end, inside the compose network (run by tests/container/compose.check.yaml; see
tests/container/README.md): the Discord emulator as the `discord` service, the two bot services pointed at it.

Builds four guilds, one per shard, then checks: both bot containers connect their shard ranges; each guild's
question is answered once; slash commands are synced once; an admin's prefix set in one process is kept; a
moderator's reload in one process (after this script adds an article to the shared corpus volume) is served by
the other within seconds. Prints `CHECK PASSED` or `CHECK FAILED: why`, then keeps serving for `--linger` seconds
so that `python -m bot health` can be run in the bot containers.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from testing.discord_emulator import DiscordEmulator, StandardGuild

SHARDS = 4
NEW_TITLE = "Zanzibarian ferries return"
NEW_ARTICLE = f"{NEW_TITLE} to the harbour\n\n---\n\nThe zanzibarian ferries sail again on Monday.\n\n---\n"


async def reply_to(emu: DiscordEmulator, world: StandardGuild, content: str, author: object = None) -> str:
    """Post in #general and return the text of the next bot message there."""
    await emu.send_message(world.general, author or world.member, content)
    return (await emu.wait_for_message(world.general, timeout=30)).text()


async def check(emu: DiscordEmulator, corpus: Path) -> None:
    """The checks; AssertionError names the first that fails."""
    worlds = [emu.add_standard_guild(f"Guild on shard {n}", shard=(n, SHARDS)) for n in range(SHARDS)]
    started = time.monotonic()
    await emu.wait_until(
        lambda: {s.shard[0] for s in emu.gateway.live_sessions()} == set(range(SHARDS)),
        timeout=300,
        describe=lambda: f"live shards: {sorted(s.shard for s in emu.gateway.live_sessions())}",
    )
    print(f"all {SHARDS} shards connected after {time.monotonic() - started:.0f} s", flush=True)
    await emu.wait_for_commands(None, timeout=60)
    for world in worlds:
        assert "border czar" in (await reply_to(emu, world, "!who said border czar")).lower()
    await asyncio.sleep(1)
    assert [len(emu.bot_messages(w.general)) for w in worlds] == [1] * SHARDS, "each guild answered once"
    syncs = [r for r in emu.requests if r.startswith("PUT") and "/commands" in r]
    assert len(syncs) == 1, f"one slash-command sync: {syncs}"
    print("each guild answered once; one command sync", flush=True)

    on_b = worlds[2]
    assert (await reply_to(emu, on_b, "!config prefix ?", on_b.admin)).startswith("The prefix is now")
    assert "border czar" in (await reply_to(emu, on_b, "?who said border czar")).lower()

    (corpus / "zanzibar-ferries.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    assert (await reply_to(emu, worlds[0], "!reload", worlds[0].admin)).startswith("Reloaded")
    began = time.monotonic()
    while NEW_TITLE not in await reply_to(emu, worlds[3], "!ask zanzibarian ferries"):
        assert time.monotonic() - began < 15, "the other process serves the reload within 15 s"
        await asyncio.sleep(0.5)
    print(f"the reload in shards-0-1 was served by shards-2-3 after {time.monotonic() - began:.1f} s", flush=True)
    emu.assert_no_violations()


async def main(port: int, public_host: str, corpus: Path, linger: float) -> int:
    """Serve the emulator on 0.0.0.0:port inside the compose network, run the checks, linger, exit 0 or 1."""
    emu = DiscordEmulator(host="0.0.0.0", port=port, heartbeat_interval=5.0)
    await emu.start()
    emu.host = public_host  # the address the bots know it by, for the URLs it hands out
    try:
        try:
            await check(emu, corpus)
        except AssertionError as failure:
            print(f"CHECK FAILED: {failure}", flush=True)
            return 1
        print("CHECK PASSED", flush=True)
        await asyncio.sleep(linger)
        return 0
    finally:
        await emu.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--public-host", default="discord")
    parser.add_argument("--corpus", type=Path, default=Path("/data/corpus"))
    parser.add_argument("--linger", type=float, default=120.0)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.port, args.public_host, args.corpus, args.linger)))
