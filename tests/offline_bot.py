"""`python tests/offline_bot.py ARGS…` runs `python -m bot ARGS…` with discord.py unable to reach the real Discord.

discord.py's REST and gateway addresses point at `TEST_DISCORD_URL` (a test's emulator, http://127.0.0.1:PORT) or,
when it is unset, at a port of 127.0.0.1 that is bound but never listens, so every connection is refused at once.
The CLI tests use it to see what an operator sees when `run` meets a rejected token or no network, as a real process
(exit status, no lingering thread) without any address outside this machine.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import discord.http
import yarl
from discord.gateway import DiscordWebSocket

from bot.terminal.cli import main

if __name__ == "__main__":
    base = os.environ.get("TEST_DISCORD_URL")
    if base is None:
        closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        closed.bind(("127.0.0.1", 0))  # bound, not listening: connecting is refused
        base = f"http://127.0.0.1:{closed.getsockname()[1]}"
    discord.http.Route.BASE = f"{base}/api/v10"
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(base.replace("http", "ws", 1) + "/gateway")
    sys.exit(main(sys.argv[1:]))
