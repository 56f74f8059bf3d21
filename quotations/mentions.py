"""Subject phrases found by attribution, what they refer to, and how a description reads in an answer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from quotations.people import AUX, DETS, FINITE, PLAIN_ADJECTIVES, PREPS, PROPER_GROUPS, People, is_plural_group


@dataclass(frozen=True)
class Mention:
    """A subject phrase: a pronoun, a name, `another`, or a speaker-noun phrase ("the voiceover in the video")."""

    paragraph: int
    start: int
    kind: str  # pronoun, name, another or thing
    words: tuple[str, ...] = ()  # name words, or a thing's modifiers
    head: str = ""
    det: str = ""
    owner: tuple[str, ...] = ()  # "Trump’s attacks": the possessor's name
    prep: str = ""
    of: Mention | None = None  # "… in the video": the phrase after the preposition


class Entity(NamedTuple):
    """What a subject phrase refers to: a person's full name, or a description such as "critics"."""

    name: str
    person: bool
    plural: bool = False


def render(mention: Mention, people: People, masked: Sequence[str]) -> str:
    """A readable description: "critics", "a White House official", "the voiceover in the campaign video"."""
    singular = mention.head.lower()[:-1] if is_plural_group(mention.head) else mention.head.lower()
    head = mention.head if singular in PROPER_GROUPS else mention.head.lower()
    words = [*mention.words, head]
    if mention.owner:
        text = f"{people.resolve(mention.owner)}’s {' '.join(words)}"
    elif mention.det in ("the", "both", "these", "those", "this", "that"):
        if not mention.words:
            earlier, _ = described_before(masked, frozenset({singular}), mention.paragraph, mention.start)
            words = [*earlier.split(), head]
        text = "the " + " ".join(words)
    elif mention.det in ("her", "his", "their", "its"):
        text = " ".join(words) if is_plural_group(head) else "the " + " ".join(words)
    elif mention.det or len(words) > 1 or is_plural_group(head):
        text = " ".join([mention.det, *words]).strip()
    else:
        text = f"{'an' if head[0] in 'aeiou' else 'a'} {head}"
    return f"{text} {mention.prep} {render(mention.of, people, masked)}" if mention.of else text


def described_before(
    masked: Sequence[str], heads: frozenset[str], p: int, start: int, plural: bool | None = None
) -> tuple[str, str]:
    """Modifiers and noun of the latest fuller mention of a head noun before a point ("Trump campaign", "ads")."""
    pattern = re.compile(r"((?:\S+\s+){1,4})(" + "|".join(sorted(heads)) + r")(s?)\b")
    for q in range(p, max(-1, p - 6), -1):
        for match in reversed(list(pattern.finditer(masked[q][: start if q == p else None]))):
            mods: list[str] = []
            for word in reversed(match.group(1).split()[-3:]):
                if not word.isalpha() or word.lower() in DETS | PREPS | AUX | PLAIN_ADJECTIVES | FINITE:
                    break
                mods.insert(0, word)
            if mods and plural in (None, bool(match.group(3))):
                return " ".join(mods), match.group(2) + match.group(3)
    return "", ""
