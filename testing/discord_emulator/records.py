"""What the emulator records for tests to assert on: violations, sent messages, interactions, injected faults."""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from typing import Any

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def excerpt(value: Any, limit: int = 300) -> str:
    """A short JSON rendering of a payload for failure messages."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} chars)"


@dataclass
class Violation:
    """Something Discord would refuse (or the project forbids) that the bot did.

    kind is one of: limits, empty, mentions, interaction, commands, unknown_endpoint, auth, permissions, gateway.
    """

    kind: str
    route: str
    reason: str
    payload: Any = None

    def __str__(self) -> str:
        return f"[{self.kind}] {self.route}: {self.reason} — payload {excerpt(self.payload)}"


@dataclass
class SentMessage:
    """A message the bot made visible: a channel message, an interaction response or a followup.

    `message` is the live message object (edits update it in place); `payload` is what the bot sent to create it.
    """

    message: dict[str, Any]
    route: str
    via: str
    payload: dict[str, Any]
    files: list[tuple[str, bytes]] = field(default_factory=list)
    interaction_id: int | None = None
    ephemeral: bool = False
    edits: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False

    @property
    def id(self) -> int:
        """The message id."""
        return int(self.message["id"])

    @property
    def channel_id(self) -> int:
        """The channel the message is in."""
        return int(self.message["channel_id"])

    @property
    def content(self) -> str:
        """The message's current content."""
        return self.message.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """The message's current embeds."""
        return list(self.message.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        """The message's current components."""
        return list(self.message.get("components") or [])

    def text(self) -> str:
        """Content plus every embed's title, description, fields and footer: handy for `in` assertions."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            parts += [f"{f.get('name')}\n{f.get('value')}" for f in embed.get("fields") or []]
            parts.append((embed.get("footer") or {}).get("text") or "")
        return "\n".join(part for part in parts if part)

    def __str__(self) -> str:
        return f"<{self.via} message {self.id} in {self.channel_id}: {excerpt(self.text(), 120)}>"


@dataclass
class InteractionRecord:
    """An interaction the test sent, and everything the bot answered to it."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    created_at: float
    channel_id: int
    user_id: int
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    original: SentMessage | None = None
    followups: list[SentMessage] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    loading: bool = False

    @property
    def acknowledged(self) -> bool:
        """A callback was accepted."""
        return bool(self.callbacks)

    @property
    def response(self) -> dict[str, Any] | None:
        """The accepted callback body ({type, data}), if any."""
        return self.callbacks[0] if self.callbacks else None

    @property
    def response_type(self) -> int | None:
        """4 message, 5 deferred, 6 deferred update, 7 update, 8 autocomplete, 9 modal."""
        return self.callbacks[0]["type"] if self.callbacks else None

    @property
    def choices(self) -> list[dict[str, Any]]:
        """An autocomplete answer's choices."""
        return list((self.response or {}).get("data", {}).get("choices") or [])

    @property
    def messages(self) -> list[SentMessage]:
        """The original response (once it has content) and the followups."""
        first = [self.original] if self.original is not None and not self.loading else []
        return first + self.followups

    def answered(self) -> bool:
        """A visible answer exists: a message, an update, choices, a modal, or an edit/followup after a defer."""
        if self.response_type in (4, 7, 8, 9):
            return True
        return self.response_type in (5, 6) and (bool(self.edits) or bool(self.followups))

    def describe(self) -> str:
        """Everything received so far, for failure messages."""
        lines = [f"interaction {self.id} (type {self.type}):"]
        lines += [f"  callback {excerpt(c)}" for c in self.callbacks] or ["  no callback"]
        lines += [f"  edit {excerpt(e)}" for e in self.edits]
        lines += [f"  followup {f}" for f in self.followups]
        lines += [f"  refused: {reason}" for reason in self.failures]
        return "\n".join(lines)


@dataclass
class FaultRule:
    """`fail_next`: the next `count` REST calls matching `pattern` answer `status` instead of being served (with
    Discord's error `code`, e.g. 50013 Missing Permissions for a 403)."""

    pattern: str
    status: int
    remaining: int
    retry_after: float = 0.2
    is_global: bool = False
    scope: str = "user"
    served: list[str] = field(default_factory=list)
    code: int = 0

    def matches(self, method: str, path: str) -> bool:
        """Glob match against "METHOD /path" (or just the path when the pattern names no method)."""
        if self.remaining <= 0:
            return False
        first = self.pattern.split(" ", 1)[0]
        subject = f"{method} {path}" if first in HTTP_METHODS else path
        return fnmatch.fnmatchcase(subject, self.pattern)
