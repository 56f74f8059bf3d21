"""What a Discord client would render live in a text the bot sent: links, mentions, formatting, hidden characters.

`live_syntax(text)` lists every construct that is live (not backslash-escaped) and that the bot does not make on
purpose. The bot's own syntax is allowed: `**bold**` pairs, code spans holding an id or a command, and links whose
text is the address itself, for the addresses the test names (the articles' own links). Everything else an article
or a member wrote must come out inert. The rules follow Discord's Markdown: a backslash before any ASCII punctuation
makes it literal; inside a code span nothing is parsed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

HIDDEN = set("\u061c\u200b\u200c\u200e\u200f\u2060\ufeff") | {chr(c) for c in range(0x202A, 0x202F)}
HIDDEN |= {chr(c) for c in range(0x2066, 0x206A)}
ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
INERT = "\x00"  # stands for an escaped character in the live view
CODE_SPAN = re.compile(r"`([^`\n]*)`")
OWN_CODE = re.compile(r"^[\w\-/!?.:<>\[\]|…() ]*$")  # ids, commands and their usage: what the bot puts in code spans
ANGLE_LINK = re.compile(r"<((?:https?|steam):/[^ >]+)>")
BARE_LINK = re.compile(r"(?:https?|steam)://[^\s<]+[^<.,:;\"')\]\s]")
RULES = (
    ("masked link", re.compile(r"\[[^\]\n]*\]\([^)\n]*\)")),
    ("`](http`", re.compile(r"\]\(\s*<?(?:https?|steam):")),
    ("spoiler", re.compile(r"\|\|")),
    ("heading", re.compile(r"(?m)^\s*(?:#{1,3}|-#)\s")),
    ("bullet", re.compile(r"(?m)^\s*[-*+]\s")),
    ("quote", re.compile(r"(?m)^\s*>")),
    ("timestamp", re.compile(r"<t:-?\d+(?::\w)?>")),
    ("custom emoji", re.compile(r"<a?:\w+:\d+>")),
    ("mention", re.compile(r"<(?:@[!&]?|#|/[^>]*:)\d+>|<id:\w+>|@everyone|@here")),
    ("underline or italics", re.compile(r"__|(?<![\w*])_(?=\S)|(?<=\S)_(?![\w*])")),
    ("strike", re.compile(r"~~")),
    ("backtick", re.compile(r"`")),
)
NUMBERED = re.compile(r"(?m)^\s*\d+\.\s")


def live_view(text: str, allowed_links: Iterable[str] = ()) -> str:
    """The text with escaped characters, the bot's own code spans and the allowed links made inert."""
    allowed = {link for link in allowed_links if link}
    view = ESCAPED.sub(INERT, text)
    view = CODE_SPAN.sub(lambda found: INERT if OWN_CODE.match(found.group(1)) else found.group(), view)
    view = ANGLE_LINK.sub(lambda found: INERT if found.group(1) in allowed else found.group(), view)
    return BARE_LINK.sub(lambda found: INERT if found.group() in allowed else found.group(), view)


def live_syntax(text: str, allowed_links: Iterable[str] = (), *, numbered_ok: bool = False) -> list[str]:
    """Every live construct in `text` the bot must not send for an article's or a member's words."""
    problems = [f"hidden character U+{ord(char):04X}" for char in text if char in HIDDEN]
    problems += [f"zero-width joiner outside an emoji at {i}" for i in _loose_joiners(text)]
    view = live_view(text, allowed_links)
    problems += [f"live link {found.group()!r}" for found in ANGLE_LINK.finditer(view)]
    problems += [f"live link {found.group()!r}" for found in BARE_LINK.finditer(view)]
    for name, rule in RULES:
        problems += [f"{name} {found.group()!r}" for found in rule.finditer(view)]
    if not numbered_ok:
        problems += [f"numbered list {found.group()!r}" for found in NUMBERED.finditer(view)]
    without_bold = view.replace("**", "")
    if view.count("**") % 2:
        problems.append("unbalanced bold marks")
    problems += [f"lone asterisk at {i}" for i, char in enumerate(without_bold) if char == "*"]
    return [f"{problem} in {text[:160]!r}" for problem in problems]


def embeds_problems(content: str, embeds: Iterable[dict[str, Any]], allowed_links: Iterable[str] = ()) -> list[str]:
    """`live_syntax` over everything a message shows: its content, and each embed's title, description, field
    names and values, footer and author."""
    allowed = list(allowed_links)
    problems = live_syntax(content or "", allowed)
    for embed in embeds:
        for key in ("title", "description"):
            problems += live_syntax(embed.get(key) or "", allowed)
        for field in embed.get("fields") or []:
            problems += live_syntax(field.get("name") or "", allowed, numbered_ok=True)  # the bot's own numbering
            problems += live_syntax(field.get("value") or "", allowed)
        problems += live_syntax((embed.get("footer") or {}).get("text") or "")
        problems += live_syntax((embed.get("author") or {}).get("name") or "")
    return problems


def message_problems(message: Any, allowed_links: Iterable[str] = ()) -> list[str]:
    """`embeds_problems` of a message the emulator recorded (its current content and embeds)."""
    return embeds_problems(message.content, message.embeds, allowed_links)


def _loose_joiners(text: str) -> list[int]:
    """Positions of zero-width joiners not between two emoji (👩‍💻 keeps its joiner)."""
    loose = []
    for index, char in enumerate(text):
        if char != "\u200d":
            continue
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        emoji_before = before and (unicodedata.category(before) in ("So", "Sk") or before == "\ufe0f")
        if not (emoji_before and after and unicodedata.category(after) == "So"):
            loose.append(index)
    return loose
