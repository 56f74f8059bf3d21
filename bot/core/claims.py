"""The quotation or claim in a chat message, for "Find the source": what to look for in the story.

A message quotes the story in many ways: a tweet pasted with its handle, counts and link; a quote in straight or
curly quotes with its attribution (`— Kamala Harris`); a Discord blockquote (`> …`); or a bare sentence with
commentary around it. `claim_of` keeps what can be found:

- Text in quotes comes first: straight and curly double quotes (`"…"`, `“…”`, `„…“`, `«…»`) and single curly
  quotes (`‘…’`, whose closing mark is not an apostrophe inside a word). A quotation of fewer than
  MIN_QUOTED_WORDS words is a scare quote, not a quotation ("she 'panicked'"): the whole message is read then.
- Else the lines of a blockquote, else the whole message.
- Discord syntax and chat noise never count as words: mentions (`<@1>`, `@everyone`, a pasted `@handle`), channel,
  slash-command and timestamp syntax, links (a masked link keeps its text), custom and Unicode emoji (`:joy:` too),
  code blocks and inline code, and Markdown marks.

A dash after a quotation (`— Kamala Harris`, `- Harris`, `~ Trump`) is its attribution. Each part is cut to
MAX_PART_CHARS at a word boundary; at most MAX_QUOTATIONS quotations are kept, and MAX_PARTS parts looked for.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_PART_CHARS = 300
MAX_QUOTATIONS = 3
MAX_PARTS = 6
MAX_TEXT_CHARS = 4 * MAX_PART_CHARS  # the text's sentences are looked for in its beginning only
MIN_QUOTED_WORDS = 2

_FENCED_CODE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_INLINE_CODE = re.compile(r"``[^`]+``|`[^`\n]+`")
_MASKED_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*<?https?://[^)\s]*>?\s*\)")
_LINK = re.compile(r"<?(?:https?://|www\.)[^\s>]*>?", re.IGNORECASE)
# User, role and channel mentions, slash-command mentions, timestamps, custom emoji, guild navigation, @everyone and
# @here, and a pasted @handle (a tweet's author): none are words of the story.
_DISCORD_SYNTAX = re.compile(
    r"<(?:@[!&]?\d+|#\d+|/[^:<>\n]{1,100}:\d+|t:-?\d+(?::[tTdDfFsSR])?|a?:\w{1,32}:\d+|id:\w+)>"
    r"|(?<![\w@])@(?:everyone|here|\w{1,32})\b"
)
_SHORTCODE = re.compile(r"(?<![\w:]):[a-z0-9_+\-]{2,32}:(?![\w:])", re.IGNORECASE)
_KEYCAP = re.compile("[0-9#*]\ufe0f?\u20e3")
_EMOJI_PARTS = {"\u200d", "\ufe0e", "\ufe0f", "\u20e3"}
_MARKDOWN_MARKS = re.compile(r"\*+|~~|\|\||__")
_LINE_MARKS = re.compile(r"^[ \t]*(?:-#[ \t]+|#{1,3}[ \t]+|[-*•][ \t]+|\d{1,3}[.)][ \t]+)", re.MULTILINE)
_BLOCKQUOTE = re.compile(r"^[ \t]*>(?:>>)?[ \t]?(.*)$", re.MULTILINE)
# Opening mark → closing marks. Straight double quotes pair in order.
_CLOSERS = {'"': '"”', "“": '”"', "”": "”", "„": "“”", "«": "»", "‘": "’"}
# After the last quotation: a dash (or tilde) and a name, on the same line or the next (`— Kamala Harris`).
_ATTRIBUTION = re.compile(r"\A[\s,]*(?:[—–~]|-{1,2})[ \t]*(?P<name>[^\W\d_][\w.'’\- \t]{0,60})")
_BLOCKQUOTE_MARK = re.compile(r"^[ \t]*>(?:>>)?[ \t]?", re.MULTILINE)
# Chat interjections: never words of a news story, and they would count against a claim pasted among them.
_CHAT_FILLERS = re.compile(
    r"(?<![\w'’])(?:lol|lmao|lmfao|rofl|smh|omg|wtf|tbh|imo|imho|ngl|btw|idk|ikr|lmk|bruh|yikes|jk|ok|okay|wow)"
    r"(?![\w'’])",
    re.IGNORECASE,
)
# Between sentences (an end mark and a space before a capital, a digit or a quote mark), and at line breaks.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])[\"”’)]*\s+(?=[\"“‘(]*[A-Z0-9])|\n+")
_WORDS = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass(frozen=True)
class Claim:
    """What a message says that can be looked for: its quotations, and its whole text (without chat noise)."""

    quotations: tuple[str, ...]
    text: str
    attributed_to: str = ""
    was_cut: bool = False
    sentences: tuple[str, ...] = ()  # the text's sentences and lines, when it has several

    @property
    def empty(self) -> bool:
        """No words to look for (a message of links, emoji, mentions or code only)."""
        return not self.text

    @property
    def parts(self) -> tuple[str, ...]:
        """What to look for: the quotations; and when they are less than half of the text (a pasted sentence
        holding a quoted phrase says more than the phrase) or there are none, the whole text and each of its
        sentences (chat around a pasted sentence must not hide it). At most MAX_PARTS."""
        if not self.text:
            return ()
        quoted_words = sum(map(word_count, self.quotations))
        if self.quotations and quoted_words * 2 >= word_count(self.text):
            return self.quotations
        return tuple(dict.fromkeys((*self.quotations, self.text, *self.sentences)))[:MAX_PARTS]

    @property
    def shown(self) -> str:
        """What an answer's heading echoes: the quotations, each in quotes, else the text."""
        return " … ".join(f"“{part}”" for part in self.quotations) if self.quotations else self.text


def word_count(text: str) -> int:
    """How many words (letters or digits, with inner apostrophes) the text has."""
    return len(_WORDS.findall(text))


def without_chat_noise(text: str) -> str:
    """The message's text without code, links, Discord syntax, emoji and Markdown marks; line breaks kept (and
    line-start marks: lists and headings are `without_line_marks`)."""
    text = _FENCED_CODE.sub("\n", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _MASKED_LINK.sub(r"\1", text)
    text = _LINK.sub(" ", text)
    text = _DISCORD_SYNTAX.sub(" ", text)
    text = _SHORTCODE.sub(" ", text)
    text = _KEYCAP.sub(" ", text)
    text = "".join(" " if _is_emoji_part(char) else char for char in text)
    return _MARKDOWN_MARKS.sub("", text)


def without_line_marks(text: str) -> str:
    """The text without list bullets, headings and subtext marks at line starts."""
    return _LINE_MARKS.sub("", text)


def _is_emoji_part(char: str) -> bool:
    """Emoji and what builds them (joiners, variation selectors, skin tones, flags' letters and tags); also other
    pictographs and symbols (`So`), which are never words."""
    if char in _EMOJI_PARTS or "\U000e0000" <= char <= "\U000e007f":
        return True
    category = unicodedata.category(char)
    return category == "So" or (category == "Sk" and "\U0001f3fb" <= char <= "\U0001f3ff")


def folded(text: str) -> str:
    """Whitespace folded to single spaces, ends trimmed, and stray edge punctuation (`, `, `: `) dropped."""
    return " ".join(text.split()).strip(" ,;:·|")


def cut(text: str, limit: int = MAX_PART_CHARS) -> tuple[str, bool]:
    """The text cut to at most `limit` characters at a word boundary, and whether it was cut."""
    if len(text) <= limit:
        return text, False
    head = text[: limit + 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else text[:limit]).rstrip(" ,;:"), True


def quotations(text: str) -> list[tuple[int, int]]:
    """The (start, end) of the inside of each quotation, in order; an opening mark without its closing one runs
    to the end of its line. Single curly quotes inside double quotes are part of the outer quotation."""
    found: list[tuple[int, int]] = []
    position = 0
    while position < len(text):
        char = text[position]
        closers = _CLOSERS.get(char)
        if closers is None or (char == "‘" and _inside_word(text, position)):
            position += 1
            continue
        end = _closing(text, position + 1, closers, single=char == "‘")
        line_end = text.find("\n", position)
        stop = end if end is not None else (line_end if line_end >= 0 else len(text))
        found.append((position + 1, stop))
        position = stop + 1
    return found


def _inside_word(text: str, position: int) -> bool:
    return position > 0 and text[position - 1].isalnum()


def _closing(text: str, start: int, closers: str, *, single: bool) -> int | None:
    """Where the quotation opened before `start` closes (None: it doesn't). A single curly quote closes only where
    it is not an apostrophe (`Trump’s`): not followed by a letter."""
    position = start
    while position < len(text):
        char = text[position]
        if char in closers and not (single and position + 1 < len(text) and text[position + 1].isalpha()):
            return position
        position += 1
    return None


def claim_of(message: str) -> Claim:
    """The quotation(s) and claim of a chat message (see the module's docstring); `empty` when nothing is left."""
    text = without_chat_noise(message)
    spans = [(start, end) for start, end in quotations(text) if word_count(text[start:end]) >= MIN_QUOTED_WORDS]
    attribution = _attribution(text[spans[-1][1] + 1 :]) if spans else ""
    quoted = [folded(without_line_marks(text[start:end])) for start, end in spans]
    text = without_line_marks(text)
    if not quoted:
        blockquote = list(_BLOCKQUOTE.finditer(text))
        block = folded(" ".join(match.group(1) for match in blockquote))
        if word_count(block) >= MIN_QUOTED_WORDS:
            quoted = [block]
            attribution = _attribution(text[blockquote[-1].end() :])
    text = _CHAT_FILLERS.sub(" ", _BLOCKQUOTE_MARK.sub("", text))
    whole, whole_cut = cut(folded(text))
    if not word_count(whole):
        return Claim((), "")
    kept = [cut(part) for part in quoted[:MAX_QUOTATIONS]]
    was_cut = whole_cut or len(quoted) > MAX_QUOTATIONS or any(part_cut for _, part_cut in kept)
    pieces = [folded(piece) for piece in _SENTENCE_BREAK.split(text[:MAX_TEXT_CHARS])]
    pieces = [cut(piece)[0] for piece in pieces if word_count(piece) >= MIN_QUOTED_WORDS]
    sentences = tuple(pieces) if len(pieces) > 1 else ()
    return Claim(tuple(part for part, _ in kept), whole, attribution, was_cut, sentences)


def _attribution(after: str) -> str:
    """The name on a dash after a quotation (`— Kamala Harris`, on its line or the next), "" if none."""
    found = _ATTRIBUTION.match(after)
    if found is None:
        return ""
    name = folded(found.group("name")).rstrip(".-’'")
    return name if 1 <= word_count(name) <= 6 else ""
