"""Reading an article's narrative for attribution: the people it names, speech verbs' subjects, what pronouns mean.

The narrative is read with every quotation's inside masked (see `quotations.quotes`), so quoted words never name anyone.
A subject is a person (capitalised words; titles such as "Vice President" dropped; a bare surname expanded to the
first full name the article, or `known_names`, gave it), a pronoun, `another`, or a phrase headed by a speaker noun
(official, critics, campaign, video, ad, voiceover, …); anything else is no subject, which keeps precision high.
she/he mean the latest person who was the subject of a sentence or of a speech verb within four paragraphs,
skipping anyone the article shows to be of the other gender (`Harris herself`, `Ms.`, `Harris … at her rally`), and
nobody when someone else named nearby could be meant; it/they mean the latest non-person subject. `another`,
`the video` and `both ads` borrow the modifiers of the latest fuller mention ("a Trump campaign ad").
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import replace

from quotations.mentions import Entity, Mention, described_before, render
from quotations.people import (
    AUX,
    CLAUSE_LINKS,
    CONNECTIVES,
    DETS,
    FINITE,
    GENDERED,
    MEDIA,
    POSSESSIVE,
    PREPS,
    PRONOUNS,
    ROLE_WORDS,
    SINGULAR_DETS,
    TITLES,
    People,
    Piece,
    is_adverb,
    is_name,
    is_plural_group,
    is_speaker_noun,
    is_verb,
    name_runs,
    tokenize,
)

Key = tuple[int, int]  # a subject phrase: (paragraph, offset of its first character)


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
            for index, token in enumerate(tokens):
                self.bounds[-1].setdefault(token.sentence, [index, index])[1] = index
        self.named = [
            (paragraph, start, self.people.resolve(names))
            for paragraph, tokens in enumerate(self.tokens)
            for names, _, start in name_runs(tokens)
            if self.people.is_person(names)
        ]
        for paragraph, tokens in enumerate(self.tokens):
            for index, token in enumerate(tokens):
                if index == self.sentence_first(paragraph, index):
                    self._sentence_subject(paragraph, index)
                if not is_verb(token, FINITE):
                    continue
                if found := self._before(paragraph, index - 1, self.sentence_first(paragraph, index)):
                    self.verb_subject[(paragraph, index)] = self.add(found)
                elif (
                    index > 0
                    and tokens[index - 1].low in ("and", "then")
                    and (paragraph, token.sentence) in self.sentence_subject
                ):
                    self.verb_subject[(paragraph, index)] = self.sentence_subject[
                        (paragraph, token.sentence)
                    ]  # "…, then blamed Trump"

    def sentence_first(self, paragraph: int, index: int) -> int:
        """Index of the first token of the sentence of token `index`."""
        return self.bounds[paragraph][self.tokens[paragraph][index].sentence][0]

    def sentence_last(self, paragraph: int, index: int) -> int:
        """Index of the last token of the sentence of token `index`."""
        return self.bounds[paragraph][self.tokens[paragraph][index].sentence][1]

    def token_at(self, paragraph: int, offset: int) -> int:
        """Index of the token covering (or else last starting before) a character offset."""
        return max(0, bisect_right(self.starts[paragraph], offset) - 1)

    def add(self, mention: Mention) -> Key:
        """Register a subject phrase (once per position) and return its key."""
        key = (mention.paragraph, mention.start)
        if key not in self.mentions or mention.of:  # "A spokesman for the campaign said": the longer reading
            self.mentions[key] = mention
        return key

    def subject_of(self, paragraph: int, verb_at: int) -> Key | None:
        """The subject of the speech verb at token `verb_at`: its own for a finite verb; for a participle after a
        comma or `by`, its clause's (the nearest earlier speech verb's, else the sentence's); right after a noun, that
        noun."""
        tokens, sentence_first = self.tokens[paragraph], self.sentence_first(paragraph, verb_at)
        if is_verb(tokens[verb_at], FINITE):
            return self.verb_subject.get((paragraph, verb_at))
        scan = verb_at - 1
        while scan >= sentence_first and is_adverb(tokens[scan]):
            scan -= 1
        if scan < sentence_first or tokens[scan].text == "," or tokens[scan].low in CLAUSE_LINKS:
            earlier = [index for index in range(sentence_first, verb_at) if (paragraph, index) in self.verb_subject]
            return (
                self.verb_subject[(paragraph, earlier[-1])]
                if earlier
                else self.sentence_subject.get((paragraph, tokens[verb_at].sentence))
            )
        found = self._before(paragraph, scan, sentence_first)  # "Trump’s attacks falsely casting her as …"
        return self.add(found) if found else None

    def _sentence_subject(self, paragraph: int, index: int) -> None:
        tokens, sentence_last = self.tokens[paragraph], self.sentence_last(paragraph, index)
        sentence = tokens[index].sentence
        while index <= sentence_last and tokens[index].low in CONNECTIVES:
            index += 2 if index < sentence_last and tokens[index + 1].text == "," else 1
        found = self.phrase_after(paragraph, index, sentence_last, people_only=True)
        if found is None:
            return
        self.sentence_subject[(paragraph, sentence)] = self.add(found)
        if found.kind == "name":
            while (
                index <= sentence_last
                and tokens[index].kind == "w"
                and (tokens[index].text in TITLES or is_name(tokens[index].text))
            ):
                index += 1
            self._gender_from(found.words, tokens[index : sentence_last + 1])

    def _gender_from(self, names: Sequence[str], rest: Sequence[Piece]) -> None:
        """ "Kamala Harris went … at her rally": the first he/she/his/her after the subject, nobody else in between."""
        for ahead, token in enumerate(rest):
            after = rest[ahead + 1] if ahead + 1 < len(rest) else None
            # "him", or "her" before a preposition or article ("asked her to"), is an object: often someone else.
            possessive_her = (
                token.low == "her" and after is not None and after.kind == "w" and after.low not in DETS | PREPS
            )
            if (token.low in GENDERED and token.low not in ("him", "her")) or possessive_her:
                self.people.note_gender(self.people.resolve(names), GENDERED[token.low])
            if token.low in GENDERED or token.kind == "q" or token.text[0].isupper() or token.low in ROLE_WORDS:
                return

    def phrase_after(
        self, paragraph: int, index: int, sentence_last: int, *, people_only: bool = False
    ) -> Mention | None:
        """The subject phrase starting at token `index` ("Both Trump campaign ads", "Vice President Kamala Harris")."""
        tokens = self.tokens[paragraph]
        end: int | None = None
        for ahead in range(index, min(index + 5, sentence_last + 1)):
            word = tokens[ahead]
            if (
                word.kind != "w"
                or is_adverb(word)
                or (ahead > index and word.low in DETS | PREPS | AUX | FINITE | CLAUSE_LINKS)
            ):
                break
            if is_speaker_noun(word.text) and word.text not in self.people.surnames and word.text not in TITLES:
                end = ahead
        if end is None:
            end = index
            while end < sentence_last and not POSSESSIVE.search(tokens[end].text) and is_name(tokens[end + 1].text):
                if not (tokens[end].text in TITLES or is_name(tokens[end].text)):
                    break
                end += 1
        found = self._core(paragraph, end, index) if index <= sentence_last else None
        if found is None or (found.start != tokens[index].start and tokens[index].text not in TITLES):
            return None
        return None if found.kind == "name" and people_only and not self.people.is_person(found.words) else found

    def _before(self, paragraph: int, scan: int, sentence_first: int) -> Mention | None:
        """The subject phrase ending at token `scan`, across two adverbs (`herself` noted) and an appositive."""
        tokens = self.tokens[paragraph]
        for _ in range(2):
            if scan >= sentence_first and is_adverb(tokens[scan]):
                if tokens[scan].low in GENDERED and scan > sentence_first and is_name(tokens[scan - 1].text):
                    self.people.note_gender(self.people.resolve([tokens[scan - 1].text]), GENDERED[tokens[scan].low])
                scan -= 1
        if scan < sentence_first or tokens[scan].text != ",":
            return self._core(paragraph, scan, sentence_first)
        comma = scan - 1  # "Cris Ramon, an immigration consultant, told"
        while comma >= sentence_first and scan - comma <= 12 and tokens[comma].kind == "w":
            comma -= 1
        if comma < sentence_first or comma == scan - 1 or tokens[comma].text != ",":
            return None
        found = self._core(paragraph, comma - 1, sentence_first)
        return found if found and found.kind in ("name", "thing") else None

    def _core(self, paragraph: int, scan: int, sentence_first: int) -> Mention | None:
        tokens = self.tokens[paragraph]
        if scan < sentence_first or tokens[scan].kind != "w":
            return None
        word = tokens[scan]
        if word.low in PRONOUNS or word.low in ("another", "one"):
            return Mention(paragraph, word.start, "pronoun" if word.low in PRONOUNS else "another", (word.low,))
        if not (is_speaker_noun(word.text) and word.text not in self.people.surnames):
            index = scan
            while (
                index > sentence_first
                and tokens[index - 1].kind == "w"
                and (tokens[index - 1].text in TITLES or is_name(tokens[index - 1].text))
            ):
                if POSSESSIVE.search(tokens[index - 1].text):
                    break
                index -= 1
            names = [token for token in tokens[index : scan + 1] if token.text not in TITLES]
            if not is_name(word.text) or POSSESSIVE.search(word.text) or not names:
                return None
            return Mention(paragraph, names[0].start, "name", tuple(token.text for token in names))
        index, unsure = scan, False
        while index > sentence_first and tokens[index - 1].kind == "w":
            before = tokens[index - 1]
            if before.low in PREPS | AUX | FINITE | CLAUSE_LINKS or is_adverb(before):
                break
            if scan - index == 4:
                unsure = True  # no clear start within four words
                break
            index -= 1
            if before.low in DETS or POSSESSIVE.search(before.text):
                break
        mods = [token.text for token in tokens[index:scan]]
        det, owner = "", ()
        if tokens[index].low in DETS:
            det, mods = tokens[index].low, mods[1:]
        elif POSSESSIVE.search(tokens[index].text) and is_name(tokens[index].text):
            first = index
            while (
                first > sentence_first
                and is_name(tokens[first - 1].text)
                and not POSSESSIVE.search(tokens[first - 1].text)
            ):
                first -= 1
            owner, mods, index = (
                tuple(POSSESSIVE.sub("", token.text) for token in tokens[first : index + 1]),
                mods[1:],
                first,
            )
        if unsure or (det in SINGULAR_DETS and is_plural_group(word.text)):  # "in a move critics say": just "critics"
            det, owner, mods, index = "", (), [], scan
        found = Mention(paragraph, tokens[index].start, "thing", tuple(mods), word.text, det, owner)
        if index - 2 >= sentence_first and tokens[index - 1].low in ("in", "of", "from", "on", "at", "for"):
            outer = self._core(paragraph, index - 2, sentence_first)  # "the voiceover in the video"
            if outer is not None and outer.kind == "thing" and outer.of is None:
                return replace(outer, prep=tokens[index - 1].low, of=found)
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
            mods, head = described_before(self.masked, MEDIA, mention.paragraph, mention.start, plural=True)
            return Entity(f"a {mods} {head[:-1]}", False) if mods else None
        if mention.kind == "thing":
            return Entity(render(mention, self.people, self.masked), False, is_plural_group(mention.head))
        pronoun = mention.words[0]
        if pronoun in ("it", "they"):
            return next((known for known in recent if not known.person and known.plural == (pronoun == "they")), None)
        for entity in (known for known in recent if known.person):
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
