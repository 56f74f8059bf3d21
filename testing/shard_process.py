"""Test-only launcher: `python testing/shard_process.py [run options]` runs storybot's normal entry (`python -m bot
run`) in its own process, pointed at the Discord emulator whose address is in TEST_DISCORD_URL.

The address is patched into discord.py here, in a file that only tests use: the bot itself has no setting that
sends it to another API host. Everything else (settings, shards, database) comes from the environment, exactly as
in production. Waits that only make sense against the real Discord are shortened: the pause after READY for
guilds to arrive, and the cluster's spacing between IDENTIFYs (TEST_IDENTIFY_SPACING, default 0.3 s); and
how long a claimed shard is waited for (TEST_CLAIM_WAIT, default the real 15 s).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yarl
from discord.asset import Asset
from discord.gateway import DiscordWebSocket
from discord.http import Route

import bot.store.cluster
import bot.store.shard_claims
from bot.discord.app import StoryBot
from bot.terminal.cli import main


def point_at_emulator(base_url: str) -> None:
    """Send REST calls, the gateway connection and CDN URLs to the emulator at `base_url` (http://127.0.0.1:PORT)."""
    Route.BASE = f"{base_url}/api/v10"
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(base_url.replace("http://", "ws://", 1) + "/gateway")
    Asset.BASE = f"{base_url}/cdn"


def shorten_real_discord_waits(identify_spacing: float, claim_wait: float) -> None:
    """No 2 s wait for guilds after READY (the emulator sends them at once); IDENTIFY turns `identify_spacing` apart;
    a shard claimed by another process refused after `claim_wait` seconds."""
    bot.store.cluster.IDENTIFY_SPACING_SECONDS = identify_spacing
    bot.store.shard_claims.CLAIM_WAIT_SECONDS = claim_wait
    original = StoryBot.__init__

    def quick_ready(self: StoryBot, *args: object, **options: object) -> None:
        options.setdefault("guild_ready_timeout", 0.1)
        original(self, *args, **options)  # type: ignore[arg-type]

    StoryBot.__init__ = quick_ready  # type: ignore[method-assign]


if __name__ == "__main__":
    point_at_emulator(os.environ["TEST_DISCORD_URL"])
    shorten_real_discord_waits(
        float(os.environ.get("TEST_IDENTIFY_SPACING", "0.3")),
        float(os.environ.get("TEST_CLAIM_WAIT", "15")),
    )
    sys.exit(main(["run", *sys.argv[1:]]))
