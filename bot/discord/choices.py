"""Autocomplete choices for articles: a value that always leads back to its article, a name members can tell apart.

Discord caps a choice's name and value at 100 characters. An id that long is shortened to a key that cannot be an
id (`~` is never in one) and ends with a hash of the whole id; titles keep their beginning and their end, and
titles that still look alike get their id, then a number.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence

from bot.core.safe_text import visible
from corpus.models import Article

CHOICE_CHARS = 100
ID_IN_NAME_CHARS = 40
ELLIPSIS = "…"


def choice_value(article: Article) -> str:
    """The article's id, or for an id over 100 characters its start, `~` and a hash of the whole id."""
    if len(article.id) <= CHOICE_CHARS:
        return article.id
    digest = hashlib.sha256(article.id.encode()).hexdigest()[:20]
    return f"{article.id[: CHOICE_CHARS - len(digest) - 1]}~{digest}"


def article_for_choice(articles: Iterable[Article], value: str) -> Article | None:
    """The article a shortened choice value stands for (None when `value` is not such a key)."""
    if "~" not in value:
        return None
    return next((article for article in articles if choice_value(article) == value), None)


def middle_shortened(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, keeping its start and its end around an ellipsis."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 3 // 5
    tail = limit - 1 - head
    return text[:head].rstrip() + ELLIPSIS + (text[-tail:].lstrip() if tail else "")


def choice_names(articles: Sequence[Article]) -> list[str]:
    """A name per article, at most 100 characters, distinct from the others' wherever the titles allow it."""
    names = [middle_shortened(visible(article.title).strip() or article.id, CHOICE_CHARS) for article in articles]
    for index in _repeated(names):
        article = articles[index]
        suffix = f" · {middle_shortened(article.id, ID_IN_NAME_CHARS)}"
        names[index] = middle_shortened(visible(article.title).strip(), CHOICE_CHARS - len(suffix)) + suffix
    seen: Counter[str] = Counter()
    for index in _repeated(names):
        seen[names[index]] += 1
        number = f" #{seen[names[index]]}"
        names[index] = middle_shortened(names[index], CHOICE_CHARS - len(number)) + number
    return names


def _repeated(names: Sequence[str]) -> list[int]:
    counts = Counter(names)
    return [index for index, name in enumerate(names) if counts[name] > 1]
