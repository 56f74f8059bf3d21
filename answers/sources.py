"""Find the source: for each part of a message's claim, the story's passages that hold it.

Each part (a quotation, or the message's text) is searched as a who-said question (passages quoting its words
first, with their speakers); the passages found are then judged by the share of the part they hold, in order
(answers/source_match.py). A part is found when a passage holds at least `found` of it. When no part is found, the
nearest passage is offered only when it holds at least `close` of its part, else nothing is shown. A part of fewer
than MIN_PART_TERMS terms (`"in fact"`) is too common to tell anything apart and is judged only when it is all the
message has. The question's no-answer rule (a weak match) does not apply: the containment judges instead; a part of
words the story has never seen finds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from answers.engine import Hit, SearchEngine
from answers.source_match import CLOSE_CONTAINMENT, FOUND_CONTAINMENT, TermWeights, containment

# Passages searched for each part before they are judged: the source is almost always among the first few.
CANDIDATES = 10
MIN_PART_TERMS = 2
# A nearest passage is shown only when it holds at least this many of the part's terms: half of a two-word
# quotation ("Time Crash" sharing "time") is no closeness.
MIN_CLOSE_TERMS = 3
Measure = Callable[[Sequence[str], Sequence[str], TermWeights], float]


class Verdict(Enum):
    """What Find the source can say of a message."""

    FOUND = "found"  # a passage holds (nearly) all of at least one part
    CLOSE = "close"  # none does, but the nearest passage holds a good share of its part
    NOT_FOUND = "not found"  # nothing in the story comes near
    NO_ARTICLES = "no articles"  # the story is empty


@dataclass(frozen=True)
class Judged:
    """A passage found for a part, the share of the part it holds, and how many of the part's terms it holds."""

    hit: Hit
    share: float
    held_terms: int = 0


@dataclass(frozen=True)
class PartFinding:
    """One part of the claim, its weight (how much it says), and its passages, the best-holding first."""

    part: str
    weight: float
    passages: tuple[Judged, ...]

    @property
    def best_share(self) -> float:
        """The largest share any passage holds of this part (0 when none was found)."""
        return self.passages[0].share if self.passages else 0.0


@dataclass(frozen=True)
class SourceFinding:
    """The verdict, the passages to show (each with its share), and each judged part's finding."""

    verdict: Verdict
    shown: tuple[Judged, ...]
    parts: tuple[PartFinding, ...]
    found_share: float = FOUND_CONTAINMENT

    @property
    def missing(self) -> tuple[str, ...]:
        """The parts no passage holds, when another part was found (to say which one is not in the story)."""
        if self.verdict is not Verdict.FOUND:
            return ()
        return tuple(part.part for part in self.parts if part.best_share < self.found_share)


class SourceFinder:
    """Finds the passages holding a claim's parts in one engine's story."""

    def __init__(
        self,
        engine: SearchEngine,
        *,
        found: float = FOUND_CONTAINMENT,
        close: float = CLOSE_CONTAINMENT,
        measure: Measure = containment,
    ) -> None:
        self.engine = engine
        self.weights = TermWeights(engine.index)
        self.found, self.close, self.measure = found, close, measure

    def terms(self, text: str) -> list[str]:
        """The text's terms, as the index makes them."""
        return self.engine.tokenizer.terms(text)

    def judge(self, part: str) -> PartFinding:
        """The part's candidate passages (who-said search), each with the share of the part it holds, best first
        (ties keep the search's order)."""
        wanted = self.terms(part)
        result = self.engine.search(part, CANDIDATES, quotes_first=True, refuse_weak=False)
        judged = []
        for hit in result.hits:
            passage = self.terms(hit.paragraph.text)
            held = len(set(wanted).intersection(passage))
            judged.append(Judged(hit, self.measure(wanted, passage, self.weights), held))
        judged.sort(key=lambda found: -found.share)
        return PartFinding(part, sum(map(self.weights.of, wanted)), tuple(judged))

    def judged_parts(self, parts: Sequence[str]) -> tuple[PartFinding, ...]:
        """Each part that can tell passages apart, judged (every part when none can)."""
        telling = [part for part in parts if len(set(self.terms(part))) >= MIN_PART_TERMS]
        return tuple(self.judge(part) for part in telling or parts)

    def find(self, parts: Sequence[str], limit: int) -> SourceFinding:
        """The verdict on a claim's parts and at most `limit` passages to show (see `decide`)."""
        if not self.engine.articles:
            return SourceFinding(Verdict.NO_ARTICLES, (), ())
        return self.decide(self.judged_parts(parts), limit)

    def decide(self, findings: Sequence[PartFinding], limit: int) -> SourceFinding:
        """For a found claim, the passages holding a found part: first the part whose best passage holds the most
        of the claim's weight (a whole pasted sentence before the quoted phrase in it), each part's best passage
        before anyone's second; else, when the nearest passage is close, that passage alone; else nothing."""
        found = [f for f in findings if f.best_share >= self.found]
        if found:
            found.sort(key=lambda f: -f.best_share * f.weight)  # the part whose passage holds the most, first
            groups = [[j for j in f.passages if j.share >= self.found] for f in found]
            return SourceFinding(Verdict.FOUND, _interleaved(groups, limit), tuple(findings), self.found)
        nearest = max((f.passages[0] for f in findings if f.passages), key=lambda j: j.share, default=None)
        if nearest is not None and nearest.share >= self.close and nearest.held_terms >= MIN_CLOSE_TERMS:
            return SourceFinding(Verdict.CLOSE, (nearest,), tuple(findings), self.found)
        return SourceFinding(Verdict.NOT_FOUND, (), tuple(findings), self.found)


def _interleaved(groups: Sequence[Sequence[Judged]], limit: int) -> tuple[Judged, ...]:
    """Each group's first, then each group's second, …, one passage once, at most `limit`."""
    shown: list[Judged] = []
    seen: set[tuple[str, int]] = set()
    for rank in range(max(len(group) for group in groups)):
        for group in groups:
            if rank < len(group):
                key = (group[rank].hit.article.id, group[rank].hit.paragraph.number)
                if key not in seen:
                    seen.add(key)
                    shown.append(group[rank])
    return tuple(shown[:limit])
