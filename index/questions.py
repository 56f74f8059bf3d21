"""A member's question without its question frame: `who is Symone Sanders` searches for `Symone Sanders`.

The opening question word and its auxiliary (`who is`, `what did`, `when was`, `how long is`, or a bare `did`/`is`
opening a yes-no question) say what kind of answer is wanted, not what it is about. On a story of a few dozen
paragraphs BM25 gives them a large idf by chance ("what" and "do" are in 2 of the 41 paragraphs), so `what did
Harris call on Trump to do` would rank `… what’s happening …, Everything you’re doing …` first. Only the frame at the
start goes; the same words later in a question (`say it to my face`, `who will fix`) still count. Scores are
unchanged for the words that remain (still equal to rank-bm25's).
"""

from __future__ import annotations

import re

_AUXILIARY = r"(?:did|does|do|is|are|was|were|has|have|had|can|could|would|should|will)"
_FRAME = re.compile(
    rf"^\s*(?:(?:who|whom|whose|what|when|where|why|how|which)(?:\s+(?:long|much|many|often))?(?:\s+{_AUXILIARY})?"
    rf"|{_AUXILIARY})\b[\s,]*",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w")


def without_question_frame(question: str) -> str:
    """The question without its opening question word and auxiliary; unchanged when nothing else would remain."""
    rest = _FRAME.sub("", question, count=1)
    return rest if _WORD.search(rest) else question
