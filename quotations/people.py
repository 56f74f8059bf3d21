"""The people an article names, and the words that attribution reads: tokens, titles, speech verbs, pronouns.

Read on an article's paragraphs with every quotation's inside masked (see `quotations.quotes`), so quoted words never
name anyone. A full name counts when a title precedes it ("Vice President Kamala Harris"), its surname is also used
alone, or the rest of the story gives it (`known_names`); a bare surname then stands for the first full name with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

TOKEN = re.compile(
    r"(?P<w>(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|St|Jr|Sr|Prof)\.|(?:[A-Z]\.){2,}|[^\W_]+(?:[’'.\-][^\W_]+)*[’']?)"
    r"|(?P<q>[“”‘’\"'\ufffc]+)|(?P<s>[.!?…]+)|(?P<p>[,;:—–()])"
)
NAME_WORD = re.compile(r"(?:O[’']|Mc|Mac)?[A-Z][a-z]+(?:[A-Z][a-z]+)?(?:-[A-Z][a-z]+)?")
POSSESSIVE = re.compile(r"(?:[’']s|[’'])$")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


TITLES = _words(
    "President Vice Former Senator Sen. Rep. Representative Governor Gov. Secretary Mayor Judge Justice Dr. Mr. Mrs. "
    "Ms. Prof. Prime Minister Chancellor General Gen. Attorney Ambassador Speaker Sheriff Commissioner"
)
NOT_NAMES = _words(
    "The A An Both This That These Those While When But And As If In On At By For From It He She They We I His Her "
    "Their Its Our After Before During Under With Without Another One Other Some Many Monday Tuesday Wednesday "
    "Thursday Friday Saturday Sunday January February March April May June July August September October November "
    "December"
)
HONORIFIC = {"Mr.": "m", "Mrs.": "f", "Ms.": "f"}
PRONOUNS = {"she": "f", "he": "m", "it": "", "they": ""}
GENDERED = {"she": "f", "her": "f", "herself": "f", "he": "m", "him": "m", "his": "m", "himself": "m"}
SINGULAR_DETS = _words("a an another one this that")
DETS = _words("the a an her his their its both these those this that another one other two three several")
PREPS = _words("in of from for at on by with to as about into over after before during than against")
AUX = _words("is are was were be been being has have had will would can could should may might must do does did")
CLAUSE_LINKS = _words("by when while after before without and then in on with who which that")
CONNECTIVES = _words("while but and as so yet still meanwhile however also then instead now later earlier")
ADVERBS = _words("also later then again herself himself themselves itself first")
FINITE = _words(
    "said says say told tells tell added adds stated states continued continues asked asks wrote writes explained "
    "noted insisted argued replied responded declared warned announced admitted acknowledged claimed recalled "
    "remarked posted tweeted concluded call calls called labeled labelled dubbed branded described describes "
    "blamed accused criticized criticised praised touted vowed promised urged slammed"
)
PARTICIPLES = _words(
    "saying telling adding stating concluding asking writing explaining noting insisting arguing replying responding "
    "declaring warning announcing admitting claiming calling labeling labelling dubbing branding describing casting"
)
SPEAKER_NOUNS = _words(
    "official aide adviser advisor spokesperson spokesman spokeswoman critic supporter opponent republican democrat "
    "campaign administration source statement report video ad advert commercial voiceover narrator announcer spot "
    "post letter memo release lawmaker senator leader expert analyst consultant strategist reporter activist group "
    "agency department government team attack clip message tweet email"
)
MEDIA = _words("ad advert commercial video clip spot statement post letter memo report release message")
PROPER_GROUPS = _words("republican democrat")
ROLE_WORDS = _words("president vice senator governor official aide adviser minister secretary wife husband")
PLAIN_ADJECTIVES = _words("new old latest recent first last other same short long second third previous next")


class Piece(NamedTuple):
    """A word (w), quote marks or masked quotation (q), sentence-ending (s) or other (p) punctuation."""

    kind: str
    text: str
    start: int
    sentence: int

    @property
    def low(self) -> str:
        """The text in lower case."""
        return self.text.lower()


def tokenize(masked: str) -> list[Piece]:
    """Tokens of a masked paragraph, numbered by sentence (closing marks after a full stop stay in its sentence)."""
    tokens: list[Piece] = []
    sentence, pending = 0, False
    for match in TOKEN.finditer(masked):
        kind, text = match.lastgroup or "p", match.group()
        closing = kind == "q" and not set(text) - set("”’\"'")
        if pending and not closing:
            sentence += text[0].isupper() or text[0].isdigit() or kind == "q"
            pending = False
        initial = bool(tokens) and tokens[-1].kind == "w" and len(tokens[-1].text) == 1 and tokens[-1].text.isupper()
        pending = pending or (kind == "s" and not initial)
        tokens.append(Piece(kind, text, match.start(), sentence))
    return tokens


def is_name(word: str) -> bool:
    """A capitalised word that can be part of a person's name (possessive allowed)."""
    return word not in NOT_NAMES and NAME_WORD.fullmatch(POSSESSIVE.sub("", word)) is not None


def is_verb(token: Piece, verbs: frozenset[str]) -> bool:
    """A lower-case word among `verbs` ("States" in "United States" is not one)."""
    return token.kind == "w" and token.text.islower() and token.low in verbs


def is_adverb(token: Piece) -> bool:
    """An adverb that may stand between a subject and its verb (`also`, `then`, `herself`, `repeatedly`)."""
    return token.kind == "w" and (token.low in ADVERBS or (token.text.islower() and token.low.endswith("ly")))


def is_speaker_noun(word: str) -> bool:
    """A noun that can say something (official, critics, campaign, video, ad, …), singular or plural."""
    low = word.lower()
    return low in SPEAKER_NOUNS or (low.endswith("s") and low[:-1] in SPEAKER_NOUNS) or low[:-3] + "y" in SPEAKER_NOUNS


def is_plural_group(head: str) -> bool:
    """A plural speaker noun (`critics`, `officials`), which `they` can refer to."""
    return head.lower().endswith("s") and head.lower() not in SPEAKER_NOUNS and is_speaker_noun(head)


def name_runs(tokens: Sequence[Piece]) -> list[tuple[tuple[str, ...], tuple[str, ...], int]]:
    """Capitalised sequences as (name words, titles, offset of the first name word); a possessive ends one."""
    runs = []
    n = 0
    while n < len(tokens):
        end = n
        while (
            end < len(tokens) and tokens[end].kind == "w" and (tokens[end].text in TITLES or is_name(tokens[end].text))
        ):
            end += 1
            if POSSESSIVE.search(tokens[end - 1].text):
                break
        names = [token for token in tokens[n:end] if token.text not in TITLES]
        if names:
            titles = tuple(token.text for token in tokens[n:end] if token.text in TITLES)
            runs.append((tuple(POSSESSIVE.sub("", token.text) for token in names), titles, names[0].start))
        n = max(end, n + 1)
    return runs


def full_name_in(text: str, surname: str) -> str | None:
    """The first full name ending in `surname` that `text` gives ("President Joe Biden" → "Joe Biden"), or None."""
    for names, _, _ in name_runs(tokenize(text)):
        if len(names) > 1 and names[-1] == surname:
            return " ".join(names)
    return None


class People:
    """The people an article names: confirmed full names, what a bare surname stands for, and stated gender.

    A full name counts when a title precedes it, its surname is also used alone, or `known_names` has it.
    """

    def __init__(self, token_lists: Sequence[Sequence[Piece]], known_names: Iterable[str]) -> None:
        runs = [run for tokens in token_lists for run in name_runs(tokens)]
        singles = {names[0] for names, _, _ in runs if len(names) == 1}
        self.titled = {names[0] for names, titles, _ in runs if len(names) == 1 and titles}
        known = [name.strip() for name in known_names if len(name.split()) > 1]
        self.full: list[str] = []
        for names, titles, _ in runs:
            name = " ".join(names)
            if len(names) > 1 and (titles or names[-1] in singles or name in known) and name not in self.full:
                self.full.append(name)
        self.surnames: dict[str, str] = {}
        for name in [*self.full, *known]:
            self.surnames.setdefault(name.split()[-1], name)
        self.gender: dict[str, str] = {}
        for names, titles, _ in runs:
            for title in set(titles) & HONORIFIC.keys():
                self.note_gender(self.resolve(names), HONORIFIC[title])

    def resolve(self, names: Sequence[str]) -> str:
        """The full name for a name as written: a bare surname becomes the first full name with it."""
        return " ".join(names) if len(names) > 1 else self.surnames.get(names[0], names[0])

    def is_person(self, names: Sequence[str]) -> bool:
        """Two capitalised words, or a surname the article (or the story) uses for a person."""
        return len(names) > 1 or names[0] in self.surnames or names[0] in self.titled

    def note_gender(self, name: str, gender: str) -> None:
        """Record stated gender; conflicting evidence makes it unknown ("?")."""
        self.gender[name] = gender if self.gender.get(name, gender) == gender else "?"
