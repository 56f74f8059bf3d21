"""Bounded waits for tests; on timeout they fail with an AssertionError listing what did arrive."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .gateway import GatewaySession
from .records import InteractionRecord, SentMessage

if TYPE_CHECKING:
    from .emulator import DiscordEmulator
    from .models import Channel, Guild

T = TypeVar("T")
LOADING = 1 << 7
POLL = 0.05  # re-check at least this often, so conditions outside the emulator (bot state) work too


class Waits:
    """Mixin of `DiscordEmulator`: the waiting helpers."""

    async def wait_until(
        self: DiscordEmulator,
        check: Callable[[], T | None],
        *,
        timeout: float,  # noqa: ASYNC109 (the API takes timeouts)
        describe: Callable[[], str],
    ) -> T:
        """Return check()'s first truthy result, re-checked on every change (and every 50 ms, so the condition may look
        at the bot too); AssertionError(describe()) on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s: {describe()}")
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=min(remaining, POLL))

    async def wait_for_message(
        self: DiscordEmulator,
        channel: Channel | int | None = None,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 (the API takes timeouts)
        *,
        include_ephemeral: bool = True,
    ) -> SentMessage:
        """The oldest bot message (channel message, interaction response or followup) not yet returned by this
        method that matches; already-posted messages count, so no race with a fast bot. `.message` is Discord's
        message object, `.payload` what the bot sent, `.text()` content plus embed text."""
        wanted = None if channel is None else int(getattr(channel, "id", channel))

        def check() -> SentMessage | None:
            # Messages before the first unconsumed one are never returned again: skip them once, not on every
            # check (a soak or load run consumes thousands, and every waiter checks on every change).
            start, history = self._scan_from, self.sent
            while start < len(history) and history[start].id in self._consumed:
                start += 1
            self._scan_from = start
            for sent in itertools.islice(history, start, None):
                if sent.id in self._consumed or sent.deleted or int(sent.message.get("flags") or 0) & LOADING:
                    continue
                if wanted is not None and sent.channel_id != wanted:
                    continue
                if (sent.ephemeral and not include_ephemeral) or (predicate and not predicate(sent)):
                    continue
                self._consumed.add(sent.id)
                return sent
            return None

        def describe() -> str:
            where = f"in channel {wanted}" if wanted else "anywhere"
            seen = [str(s) for s in self.bot_messages(wanted)] or ["(none)"]
            return f"no matching bot message {where}; the bot posted:\n  " + "\n  ".join(seen) + self._violations_hint()

        return await self.wait_until(check, timeout=timeout, describe=describe)

    async def wait_for_interaction_response(
        self: DiscordEmulator,
        interaction: InteractionRecord,
        timeout: float = 5.0,  # noqa: ASYNC109 (the API takes timeouts)
        *,
        followups: int = 0,
    ) -> InteractionRecord:
        """Wait until the interaction has a visible answer (after a defer: an edit or a followup) and at least
        `followups` followups; returns the record (.response, .original, .followups, .edits, .choices)."""

        def check() -> InteractionRecord | None:
            if not interaction.answered() or len(interaction.followups) < followups:
                return None
            self._consumed.update(sent.id for sent in interaction.messages)  # wait_for_message will skip them
            return interaction

        def describe() -> str:
            return interaction.describe() + self._violations_hint()

        return await self.wait_until(check, timeout=timeout, describe=describe)

    async def wait_for_ready(self: DiscordEmulator, timeout: float = 10.0, *, count: int = 1) -> GatewaySession:  # noqa: ASYNC109 (the API takes timeouts)
        """Wait until READY and the GUILD_CREATEs were sent `count` times in all (a live session is returned).

        The bot's own `on_ready` comes later (after its `guild_ready_timeout`): use `bot.wait_until_ready()` too."""

        def check() -> GatewaySession | None:
            live = self.gateway.live_sessions()
            return live[-1] if self.gateway.ready_count >= count and live else None

        return await self.wait_until(check, timeout=timeout, describe=self._gateway_summary)

    async def wait_for_resumed(self: DiscordEmulator, timeout: float = 10.0, *, count: int = 1) -> GatewaySession:  # noqa: ASYNC109 (the API takes timeouts)
        """Wait until `count` RESUMEs in all have succeeded."""

        def check() -> GatewaySession | None:
            live = self.gateway.live_sessions()
            return live[-1] if self.gateway.resumed_count >= count and live else None

        return await self.wait_until(check, timeout=timeout, describe=self._gateway_summary)

    async def wait_for_commands(
        self: DiscordEmulator,
        guild: Guild | int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 (the API takes timeouts)
    ) -> list[dict[str, Any]]:
        """Wait until commands are synced (to that guild, or globally) and return them."""
        scope = None if guild is None else int(getattr(guild, "id", guild))

        def describe() -> str:
            return (
                f"no commands synced to {scope or 'global'}; synced: { {k: len(v) for k, v in self.commands.items()} }"
            )

        def check() -> tuple[list[dict[str, Any]]] | None:
            return (self.commands[scope],) if scope in self.commands else None  # a tuple: an empty sync counts

        return (await self.wait_until(check, timeout=timeout, describe=describe))[0]

    def _gateway_summary(self: DiscordEmulator) -> str:
        ops = [frame.get("op") for frame in self.gateway.received]
        return (
            f"gateway: {len(self.gateway.connections)} connection(s), {self.gateway.ready_count} READY, "
            f"{self.gateway.resumed_count} RESUMED, {self.gateway.refused_resumes} refused resume(s); "
            f"opcodes received {ops[-20:]}; REST calls {self.requests[-10:]}" + self._violations_hint()
        )

    def _violations_hint(self: DiscordEmulator) -> str:
        if not self.violations:
            return ""
        return "\nviolations so far:\n  " + "\n  ".join(str(v) for v in self.violations)
