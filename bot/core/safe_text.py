"""Text from articles and members, made safe to show: nothing invisible, reordered or live.

`visible` is for every front-end: it drops the characters that hide or reorder text (bidirectional overrides and
isolates, zero-width characters, control characters) and turns line breaks into spaces. `escape_markdown` is for
Discord: `visible`, then a backslash before every character that Discord's Markdown could read as syntax, so no
article or question can make a link, a mention, a heading, a list, a quote, a spoiler, code or a timestamp.
Escape a whole text at once (snippets do: answers/snippets.py), never in pieces: a line start or a link is context.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit

# Invisible characters that can hide or reorder what a reader sees: soft hyphen, Arabic letter mark, Hangul and
# Khmer fillers, Mongolian vowel separator, zero-width space and non-joiner, left-to-right and right-to-left marks,
# the bidirectional embeddings, overrides and isolates, word joiner, invisible operators, deprecated format
# characters, byte order mark, interlinear annotation marks. The zero-width joiner is handled apart (emoji).
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]"
)
_ZERO_WIDTH_JOINER = re.compile("\u200d")
_TAGS = re.compile("[\U000e0000-\U000e007f]+")  # invisible, except inside a subdivision flag emoji
_BLACK_FLAG, _CANCEL_TAG = "\U0001f3f4", "\U000e007f"
_LINE_BREAKS = re.compile("[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
# Characters Discord's Markdown reads as syntax anywhere in a line: emphasis, underline, strike, spoiler, code,
# masked links, autolinks (`https:`, `steam:`), angle-bracket syntax (user, role and channel mentions, timestamps,
# custom emoji, slash-command mentions), `@everyone`/`@here`, and the escape character itself.
_ANYWHERE = re.compile(r"[\\*_~|`<\[\]:@]")
# ... and only at the start of a line: headings, subtext, quotes, bulleted and numbered lists. `visible` leaves no
# line break inside a text, so the text's own start is the only line start it can have.
_LINE_START = re.compile(r"^(\s*)(\d+(?=\.)|[-+#>])")
# Characters kept as they are in a displayed URL; anything else is percent-encoded, so the text shown is the
# address the link opens, and no `<`, `>`, `]`, `(` or space can end the link early or join a masked link.
_URL_SAFE = "/:?#!$&'*+,;=%@-._~"


def visible(text: str) -> str:
    """The text without the characters that hide or reorder it; line breaks and tabs become one space."""
    text = _INVISIBLE.sub("", text)
    if "\u200d" in text:
        text = _ZERO_WIDTH_JOINER.sub(lambda found: _joiner(text, found.start()), text)
    if not text.isascii() and _TAGS.search(text):
        text = _TAGS.sub(lambda found: _tags(text, found), text)
    return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", text))


def escape_markdown(text: str) -> str:
    """`visible(text)` with every Markdown character backslashed: Discord shows it literally, as written."""
    escaped = _ANYWHERE.sub(lambda found: "\\" + found.group(), visible(text))
    return _LINE_START.sub(_escape_line_start, escaped, count=1)


def display_url(url: str) -> str | None:
    """An article's address as shown to members: percent-encoded where Markdown or the reader could be misled.

    None for an address with a user name (`https://discord.com@evil.example/`): it reads as one site and opens
    another, so it is not shown as a link at all.
    """
    try:
        parts = urlsplit(url)
        if parts.username is not None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
    except ValueError:
        return None
    return quote(url, safe=_URL_SAFE)


def _escape_line_start(found: re.Match[str]) -> str:
    """`\\#`, `\\-`, `\\>` …; a list number keeps its digits and escapes its dot (`1\\.`)."""
    spaces, marker = found.groups()
    return spaces + (marker + "\\" if marker[0].isdigit() else "\\" + marker)


def _joiner(text: str, index: int) -> str:
    """Keep a zero-width joiner only inside an emoji sequence (👩‍💻), where it joins two pictures into one."""
    before = text[index - 1] if index else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    pictures = before and after and unicodedata.category(after) == "So"
    return "\u200d" if pictures and (unicodedata.category(before) in ("So", "Sk") or before == "\ufe0f") else ""


def _tags(text: str, found: re.Match[str]) -> str:
    """Keep tag characters only as a subdivision flag's letters (🏴 + tags + cancel tag); elsewhere they are
    invisible text that a reader cannot see but a copy keeps."""
    flag = found.start() and text[found.start() - 1] == _BLACK_FLAG and found.group().endswith(_CANCEL_TAG)
    return found.group() if flag else ""
