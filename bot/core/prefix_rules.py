"""What a text-command prefix may be: something members can see, type and read back the same way.

Refused: spaces anywhere; invisible or control characters (zero-width, bidi overrides, control codes, private use,
unassigned code points); a leading combining mark; Discord markdown and mention syntax (`` ` * _ ~ | \\ < @ ``); a
leading `/` (Discord's slash-command picker takes it). Emoji are welcome, with their joiners and variation selectors.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator

MAX_VISIBLE = 5  # characters a member sees (an emoji with its modifiers counts once)
MAX_CODE_POINTS = 40  # what the database keeps at most (five family emoji of seven code points each fit)
MARKUP = frozenset("`*_~|\\<@")
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"})
ZERO_WIDTH_JOINER = "\u200d"
EMOJI_PARTS = frozenset({"So", "Sk", "Mn", "Me"})  # a joiner is fine between these (👨‍👩‍👧, 🏳️‍🌈)


def code_point(char: str) -> str:
    """A character as members can look it up: `U+200B ZERO WIDTH SPACE`."""
    fallback = "a control character" if unicodedata.category(char) == "Cc" else "an unnamed character"
    return f"U+{ord(char):04X} {unicodedata.name(char, fallback)}"


def _decorates(char: str) -> bool:
    """Combines with the character before it: combining marks, variation selectors, skin tones."""
    return unicodedata.category(char) in ("Mn", "Me", "Mc") or 0x1F3FB <= ord(char) <= 0x1F3FF


def visible_length(prefix: str) -> int:
    """Characters as a member counts them: joiners and combining marks join the character before them."""
    count = 0
    previous_joiner = False
    for char in prefix:
        if char == ZERO_WIDTH_JOINER:
            previous_joiner = True
            continue
        if not _decorates(char) and not previous_joiner:
            count += 1
        previous_joiner = False
    return count


def _joins_emoji(prefix: str, index: int) -> bool:
    """Whether the zero-width joiner at `index` sits inside an emoji sequence (where it is visible as one glyph)."""
    before = prefix[index - 1] if index > 0 else ""
    after = prefix[index + 1] if index + 1 < len(prefix) else ""
    if not before or not after:
        return False
    return unicodedata.category(before) in EMOJI_PARTS and unicodedata.category(after) == "So"


def prefix_problem(prefix: str) -> str | None:
    """Why this prefix would break the server's text commands (None: it is fine)."""
    if not prefix:
        return "A prefix needs at least one character, e.g. `?`."
    if any(char.isspace() for char in prefix):
        return "A prefix can't contain spaces: members would have to type them exactly, and Discord trims them."
    for index, char in enumerate(prefix):
        if char == ZERO_WIDTH_JOINER and _joins_emoji(prefix, index):
            continue
        if unicodedata.category(char) in INVISIBLE_CATEGORIES:
            return f"A prefix can't contain invisible or control characters ({code_point(char)})."
    if _decorates(prefix[0]):
        return f"A prefix can't start with a combining mark ({code_point(prefix[0])}): it has nothing to attach to."
    if prefix[0] == "/":
        return "A prefix can't start with `/`: Discord opens its slash-command picker instead."
    markup = sorted({char for char in prefix if char in MARKUP})
    if markup:
        shown = " ".join(f"`{char}`" if char != "`" else "a backtick" for char in markup)
        return f"A prefix can't contain Discord markdown or mention characters ({shown})."
    if visible_length(prefix) > MAX_VISIBLE:
        return f"A prefix is at most {MAX_VISIBLE} characters."
    if len(prefix) > MAX_CODE_POINTS:
        return f"A prefix is at most {MAX_CODE_POINTS} code points (this one has {len(prefix)}: fewer modifiers)."
    return None


def _typeable(prefix: str) -> str:
    problem = prefix_problem(prefix)
    if problem:
        raise ValueError(problem)
    return prefix


Prefix = Annotated[str, AfterValidator(_typeable)]
"""A text-command prefix, validated by `prefix_problem` (the bot's default in config.toml and each guild's own)."""
