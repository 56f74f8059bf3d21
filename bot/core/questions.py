"""A member's question as every front end prepares it before the search: Discord, the terminal and `ask --json`.

Discord mention syntax is taken out (ids are not words of the story, and would only dilute the match), a who-said
question loses its `who said` frame, and a question longer than MAX_QUERY_CHARS is cut, with a note saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY_CHARS = 300
MENTION = re.compile(r"<(?:@[!&]?|#)\d+>|@(?:everyone|here)\b")
# `who said …`, `who says …`, `who say …`, or a bare `said …` (as `!who said …` leaves it); a bare `say` is a word of
# the quotation (`say it to my face`).
_WHO_SAID = re.compile(r"^\s*(?:who\s+(?:said|says|say)|said|says)\b\s*", re.IGNORECASE)


def without_mentions(text: str) -> str:
    """The text without Discord mention syntax (`<@123>`, `<@&5>`, `<#7>`, `@everyone`, `@here`), spaces folded."""
    return " ".join(MENTION.sub(" ", text).split())


def who_words(text: str) -> str:
    """The words a who-said question asks about: `who said border czar` and `said border czar` → `border czar`;
    `who said` alone → "" (the front end asks for words)."""
    return _WHO_SAID.sub("", text, count=1).strip()


@dataclass(frozen=True)
class Question:
    """What is searched for (`text`), whether it asks who said it, and whether the member's text was cut."""

    text: str
    who: bool = False
    was_cut: bool = False

    @classmethod
    def typed(cls, typed: str, *, who: bool = False) -> Question:
        """The question a member typed, prepared: no mention syntax, no `who said` frame (when `who`), cut to
        MAX_QUERY_CHARS."""
        text = without_mentions(typed)
        if who:
            text = who_words(text)
        cut = len(text) > MAX_QUERY_CHARS
        return cls(text[:MAX_QUERY_CHARS] if cut else text, who, cut)

    @property
    def empty(self) -> bool:
        """Nothing left to search for (a who-said question without words, say)."""
        return not self.text.strip()

    @property
    def cut_note(self) -> str:
        """The sentence telling the member their question was cut ("" when it was not)."""
        return f"Your question was cut to its first {MAX_QUERY_CHARS} characters." if self.was_cut else ""
