"""Reading an article's narrative for attribution: the people it names, speech verbs' subjects, what pronouns mean.

The narrative is read with every quotation's inside masked (see `index.quotes`), so quoted words never name anyone.
A subject is a person (capitalised words; titles such as "Vice President" dropped; a bare surname expanded to the
first full name the article, or `known_names`, gave it), a pronoun, `another`, or a phrase headed by a speaker noun
(official, critics, campaign, video, ad, voiceover, …); anything else is no subject, which keeps precision high.
she/he mean the latest person who was the subject of a sentence or of a speech verb within four paragraphs,
skipping anyone the article shows to be of the other gender (`Harris herself`, `Ms.`, `Harris … at her rally`), and
nobody when someone else named nearby could be meant; it/they mean the latest non-person subject. `another`,
`the video` and `both ads` borrow the modifiers of the latest fuller mention ("a Trump campaign ad").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

Key = tuple[int, int]  # a subject phrase: (paragraph, offset of its first character)
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
    "remarked posted tweeted concluded call calls called labeled labelled dubbed branded described describes"
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


class Token(NamedTuple):
    """A word (w), quote marks or masked quotation (q), sentence-ending (s) or other (p) punctuation."""

    kind: str
    text: str
    start: int
    sentence: int

    @property
    def low(self) -> str:
        """The text in lower case."""
        return self.text.lower()


def tokenize(masked: str) -> list[Token]:
    """Tokens of a masked paragraph, numbered by sentence (closing marks after a full stop stay in its sentence)."""
    tokens: list[Token] = []
    sentence, pending = 0, False
    for match in TOKEN.finditer(masked):
        kind, text = match.lastgroup or "p", match.group()
        closing = kind == "q" and not set(text) - set("”’\"'")
        if pending and not closing:
            sentence += text[0].isupper() or text[0].isdigit() or kind == "q"
            pending = False
        initial = bool(tokens) and tokens[-1].kind == "w" and len(tokens[-1].text) == 1 and tokens[-1].text.isupper()
        pending = pending or (kind == "s" and not initial)
        tokens.append(Token(kind, text, match.start(), sentence))
    return tokens


def is_name(word: str) -> bool:
    """A capitalised word that can be part of a person's name (possessive allowed)."""
    return word not in NOT_NAMES and NAME_WORD.fullmatch(POSSESSIVE.sub("", word)) is not None


def is_verb(token: Token, verbs: frozenset[str]) -> bool:
    """A lower-case word among `verbs` ("States" in "United States" is not one)."""
    return token.kind == "w" and token.text.islower() and token.low in verbs


def _adverb(token: Token) -> bool:
    return token.kind == "w" and (token.low in ADVERBS or (token.text.islower() and token.low.endswith("ly")))


def _speaker_noun(word: str) -> bool:
    low = word.lower()
    return low in SPEAKER_NOUNS or (low.endswith("s") and low[:-1] in SPEAKER_NOUNS) or low[:-3] + "y" in SPEAKER_NOUNS


def _plural(head: str) -> bool:
    return head.lower().endswith("s") and head.lower() not in SPEAKER_NOUNS and _speaker_noun(head)


def _name_runs(tokens: Sequence[Token]) -> list[tuple[tuple[str, ...], tuple[str, ...], int]]:
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


class People:
    """The people an article names: confirmed full names, what a bare surname stands for, and stated gender.

    A full name counts when a title precedes it, its surname is also used alone, or `known_names` has it.
    """

    def __init__(self, token_lists: Sequence[Sequence[Token]], known_names: Iterable[str]) -> None:
        runs = [run for tokens in token_lists for run in _name_runs(tokens)]
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


class Narrative:
    """An article's masked paragraphs read for subjects: of each sentence, of each speech verb, and their referents."""

    def __init__(self, masked: Sequence[str], known_names: Iterable[str] = ()) -> None:
        self.masked = list(masked)
        self.tokens = [tokenize(text) for text in self.masked]
        self.people = People(self.tokens, known_names)
        self.mentions: dict[Key, Mention] = {}
        self.entities: dict[Key, Entity | None] = {}
        self.verb_subject: dict[Key, Key] = {}  # (paragraph, token index of a finite speech verb) -> its subject
        self.sentence_subject: dict[Key, Key] = {}  # (paragraph, sentence) -> its opening subject
        self.starts = [[token.start for token in tokens] for tokens in self.tokens]
        self.bounds: list[dict[int, list[int]]] = []  # per paragraph: sentence -> [first, last] token index
        for tokens in self.tokens:
            self.bounds.append({})
            for n, token in enumerate(tokens):
                self.bounds[-1].setdefault(token.sentence, [n, n])[1] = n
        self.named = [
            (p, start, self.people.resolve(names))
            for p, tokens in enumerate(self.tokens)
            for names, _, start in _name_runs(tokens)
            if self.people.is_person(names)
        ]
        for p, tokens in enumerate(self.tokens):
            for n, token in enumerate(tokens):
                if n == self.lo(p, n):
                    self._sentence_subject(p, n)
                if is_verb(token, FINITE) and (found := self._before(p, n - 1, self.lo(p, n))):
                    self.verb_subject[(p, n)] = self.add(found)

    def lo(self, p: int, n: int) -> int:
        """Index of the first token of token n's sentence."""
        return self.bounds[p][self.tokens[p][n].sentence][0]

    def hi(self, p: int, n: int) -> int:
        """Index of the last token of token n's sentence."""
        return self.bounds[p][self.tokens[p][n].sentence][1]

    def token_at(self, p: int, offset: int) -> int:
        """Index of the token covering (or else last starting before) a character offset."""
        return max(0, bisect_right(self.starts[p], offset) - 1)

    def add(self, mention: Mention) -> Key:
        """Register a subject phrase (once per position) and return its key."""
        key = (mention.paragraph, mention.start)
        if key not in self.mentions or mention.of:  # "A spokesman for the campaign said": the longer reading
            self.mentions[key] = mention
        return key

    def subject_of(self, p: int, v: int) -> Key | None:
        """The subject of the speech verb at token v: its own for a finite verb; for a participle after a comma or
        `by`, its clause's (the nearest earlier speech verb's, else the sentence's); right after a noun, that noun."""
        tokens, lo = self.tokens[p], self.lo(p, v)
        if is_verb(tokens[v], FINITE):
            return self.verb_subject.get((p, v))
        k = v - 1
        while k >= lo and _adverb(tokens[k]):
            k -= 1
        if k < lo or tokens[k].text == "," or tokens[k].low in CLAUSE_LINKS:
            earlier = [n for n in range(lo, v) if (p, n) in self.verb_subject]
            return (
                self.verb_subject[(p, earlier[-1])] if earlier else self.sentence_subject.get((p, tokens[v].sentence))
            )
        found = self._before(p, k, lo)  # "Trump’s attacks falsely casting her as …"
        return self.add(found) if found else None

    def _sentence_subject(self, p: int, n: int) -> None:
        tokens, hi = self.tokens[p], self.hi(p, n)
        sentence = tokens[n].sentence
        while n <= hi and tokens[n].low in CONNECTIVES:
            n += 2 if n < hi and tokens[n + 1].text == "," else 1
        found = self.phrase_after(p, n, hi, people_only=True)
        if found is None:
            return
        self.sentence_subject[(p, sentence)] = self.add(found)
        if found.kind == "name":
            while n <= hi and tokens[n].kind == "w" and (tokens[n].text in TITLES or is_name(tokens[n].text)):
                n += 1
            self._gender_from(found.words, tokens[n : hi + 1])

    def _gender_from(self, names: Sequence[str], rest: Sequence[Token]) -> None:
        """ "Kamala Harris went … at her rally": the first he/she/his/her after the subject, nobody else in between."""
        for m, token in enumerate(rest):
            after = rest[m + 1] if m + 1 < len(rest) else None
            # "him", or "her" before a preposition or article ("asked her to"), is an object: often someone else.
            possessive_her = (
                token.low == "her" and after is not None and after.kind == "w" and after.low not in DETS | PREPS
            )
            if (token.low in GENDERED and token.low not in ("him", "her")) or possessive_her:
                self.people.note_gender(self.people.resolve(names), GENDERED[token.low])
            if token.low in GENDERED or token.kind == "q" or token.text[0].isupper() or token.low in ROLE_WORDS:
                return

    def phrase_after(self, p: int, n: int, hi: int, *, people_only: bool = False) -> Mention | None:
        """The subject phrase starting at token n ("Both Trump campaign ads", "Vice President Kamala Harris")."""
        tokens = self.tokens[p]
        end: int | None = None
        for m in range(n, min(n + 5, hi + 1)):
            word = tokens[m]
            if word.kind != "w" or _adverb(word) or (m > n and word.low in DETS | PREPS | AUX | FINITE | CLAUSE_LINKS):
                break
            if _speaker_noun(word.text) and word.text not in self.people.surnames and word.text not in TITLES:
                end = m
        if end is None:
            end = n
            while end < hi and not POSSESSIVE.search(tokens[end].text) and is_name(tokens[end + 1].text):
                if not (tokens[end].text in TITLES or is_name(tokens[end].text)):
                    break
                end += 1
        found = self._core(p, end, n) if n <= hi else None
        if found is None or (found.start != tokens[n].start and tokens[n].text not in TITLES):
            return None
        return None if found.kind == "name" and people_only and not self.people.is_person(found.words) else found

    def _before(self, p: int, k: int, lo: int) -> Mention | None:
        """The subject phrase ending at token k, across two adverbs (`herself` noted) and an appositive."""
        tokens = self.tokens[p]
        for _ in range(2):
            if k >= lo and _adverb(tokens[k]):
                if tokens[k].low in GENDERED and k > lo and is_name(tokens[k - 1].text):
                    self.people.note_gender(self.people.resolve([tokens[k - 1].text]), GENDERED[tokens[k].low])
                k -= 1
        if k < lo or tokens[k].text != ",":
            return self._core(p, k, lo)
        comma = k - 1  # "Cris Ramon, an immigration consultant, told"
        while comma >= lo and k - comma <= 12 and tokens[comma].kind == "w":
            comma -= 1
        if comma < lo or comma == k - 1 or tokens[comma].text != ",":
            return None
        found = self._core(p, comma - 1, lo)
        return found if found and found.kind in ("name", "thing") else None

    def _core(self, p: int, k: int, lo: int) -> Mention | None:
        tokens = self.tokens[p]
        if k < lo or tokens[k].kind != "w":
            return None
        word = tokens[k]
        if word.low in PRONOUNS or word.low in ("another", "one"):
            return Mention(p, word.start, "pronoun" if word.low in PRONOUNS else "another", (word.low,))
        if not (_speaker_noun(word.text) and word.text not in self.people.surnames):
            n = k
            while (
                n > lo and tokens[n - 1].kind == "w" and (tokens[n - 1].text in TITLES or is_name(tokens[n - 1].text))
            ):
                if POSSESSIVE.search(tokens[n - 1].text):
                    break
                n -= 1
            names = [token for token in tokens[n : k + 1] if token.text not in TITLES]
            if not is_name(word.text) or POSSESSIVE.search(word.text) or not names:
                return None
            return Mention(p, names[0].start, "name", tuple(token.text for token in names))
        n, unsure = k, False
        while n > lo and tokens[n - 1].kind == "w":
            before = tokens[n - 1]
            if before.low in PREPS | AUX | FINITE | CLAUSE_LINKS or _adverb(before):
                break
            if k - n == 4:
                unsure = True  # no clear start within four words
                break
            n -= 1
            if before.low in DETS or POSSESSIVE.search(before.text):
                break
        mods = [token.text for token in tokens[n:k]]
        det, owner = "", ()
        if tokens[n].low in DETS:
            det, mods = tokens[n].low, mods[1:]
        elif POSSESSIVE.search(tokens[n].text) and is_name(tokens[n].text):
            first = n
            while first > lo and is_name(tokens[first - 1].text) and not POSSESSIVE.search(tokens[first - 1].text):
                first -= 1
            owner, mods, n = tuple(POSSESSIVE.sub("", token.text) for token in tokens[first : n + 1]), mods[1:], first
        if unsure or (det in SINGULAR_DETS and _plural(word.text)):  # "in a move critics say": just "critics"
            det, owner, mods, n = "", (), [], k
        found = Mention(p, tokens[n].start, "thing", tuple(mods), word.text, det, owner)
        if n - 2 >= lo and tokens[n - 1].low in ("in", "of", "from", "on", "at", "for"):
            outer = self._core(p, n - 2, lo)  # "the voiceover in the video"
            if outer is not None and outer.kind == "thing" and outer.of is None:
                return replace(outer, prep=tokens[n - 1].low, of=found)
        return found

    def resolve_all(self) -> None:
        """Resolve every subject phrase in reading order, so that a pronoun can refer to the ones before it."""
        history: list[tuple[int, Entity]] = []
        for key in sorted(self.mentions):
            mention = self.mentions[key]
            recent = []
            for paragraph, earlier in reversed(history):
                if paragraph < mention.paragraph - 3:
                    break
                recent.append(earlier)
            entity = self._entity(mention, recent)
            self.entities[key] = entity
            if entity is not None:
                history.append((mention.paragraph, entity))

    def speaker(self, target: Key | str | None) -> str | None:
        """The name for an attribution: a resolved subject phrase's, or a description given as is."""
        if target is None or isinstance(target, str):
            return target
        entity = self.entities.get(target)
        return entity.name if entity else None

    def _entity(self, mention: Mention, recent: list[Entity]) -> Entity | None:
        if mention.kind == "name":
            return Entity(self.people.resolve(mention.words), self.people.is_person(mention.words))
        if mention.kind == "another":
            mods, head = self._described(MEDIA, mention.paragraph, mention.start, plural=True)
            return Entity(f"a {mods} {head[:-1]}", False) if mods else None
        if mention.kind == "thing":
            return Entity(self._render(mention), False, _plural(mention.head))
        pronoun = mention.words[0]
        if pronoun in ("it", "they"):
            return next((e for e in recent if not e.person and e.plural == (pronoun == "they")), None)
        for entity in (e for e in recent if e.person):
            known = self.people.gender.get(entity.name, "?")
            if known == PRONOUNS[pronoun]:
                return entity
            if known == "?":
                window = self.named[
                    bisect_left(self.named, (mention.paragraph - 3,)) : bisect_left(
                        self.named, (mention.paragraph, mention.start)
                    )
                ]
                others = {
                    name
                    for _, _, name in window
                    if name != entity.name and self.people.gender.get(name, "?") in ("?", PRONOUNS[pronoun])
                }
                return None if others else entity  # someone else named nearby could be meant
        return None

    def _render(self, mention: Mention) -> str:
        """A readable description: "critics", "a White House official", "the voiceover in the campaign video"."""
        singular = mention.head.lower()[:-1] if _plural(mention.head) else mention.head.lower()
        head = mention.head if singular in PROPER_GROUPS else mention.head.lower()
        words = [*mention.words, head]
        if mention.owner:
            text = f"{self.people.resolve(mention.owner)}’s {' '.join(words)}"
        elif mention.det in ("the", "both", "these", "those", "this", "that"):
            if not mention.words:
                words = [*self._described(frozenset({singular}), mention.paragraph, mention.start)[0].split(), head]
            text = "the " + " ".join(words)
        elif mention.det in ("her", "his", "their", "its"):
            text = " ".join(words) if _plural(head) else "the " + " ".join(words)
        elif mention.det or len(words) > 1 or _plural(head):
            text = " ".join([mention.det, *words]).strip()
        else:
            text = f"{'an' if head[0] in 'aeiou' else 'a'} {head}"
        return f"{text} {mention.prep} {self._render(mention.of)}" if mention.of else text

    def _described(self, heads: frozenset[str], p: int, start: int, plural: bool | None = None) -> tuple[str, str]:
        """Modifiers and noun of the latest fuller mention of a head noun before a point ("Trump campaign", "ads")."""
        pattern = re.compile(r"((?:\S+\s+){1,4})(" + "|".join(sorted(heads)) + r")(s?)\b")
        for q in range(p, max(-1, p - 6), -1):
            for match in reversed(list(pattern.finditer(self.masked[q][: start if q == p else None]))):
                mods: list[str] = []
                for word in reversed(match.group(1).split()[-3:]):
                    if not word.isalpha() or word.lower() in DETS | PREPS | AUX | PLAIN_ADJECTIVES | FINITE:
                        break
                    mods.insert(0, word)
                if mods and plural in (None, bool(match.group(3))):
                    return " ".join(mods), match.group(2) + match.group(3)
        return "", ""
