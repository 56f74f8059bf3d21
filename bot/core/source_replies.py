"""What Find the source says, in the terminal and on Discord: the heading and the honest sentences around the
passages (bot/core/claims.py reads the message, answers/sources.py judges the passages)."""

from __future__ import annotations

from collections.abc import Callable

from answers.sources import SourceFinding, Verdict
from bot.core.claims import Claim

NO_WORDS = "That message has no words to look for: links, emoji, mentions and code are not read."
NOT_IN_STORY = "I can't find this in the story."
NEAREST = "The nearest passage holds only part of it:"
NOTHING_NEAR = "No passage of the story comes near it."
CUT = "Only the beginning of a long message was read."
HEADING_CHARS = 200


def finding_heading(claim: Claim) -> str:
    """The answer's title, `Found in the story — “…”` (the quotations, or the text; a dash, not a colon, which the
    escaping of the title would backslash), shortened later by the caller."""
    return f"Found in the story — {claim.shown if claim.quotations else f'“{claim.shown}”'}"


def looked_for(claim: Claim, shown: Callable[[str], str] = str) -> str:
    """`Looked for: “…”`, the claim as it was searched (`shown` escapes it)."""
    return f"Looked for: {shown(claim.shown if claim.quotations else f'“{claim.shown}”')}"


def finding_notes(claim: Claim, finding: SourceFinding, shown: Callable[[str], str] = str) -> list[str]:
    """The sentences an answer shows before its passages (member text passed through `shown`)."""
    notes: list[str] = []
    if finding.verdict is not Verdict.FOUND:
        notes += [NOT_IN_STORY, looked_for(claim, shown)]
        notes.append(NEAREST if finding.verdict is Verdict.CLOSE else NOTHING_NEAR)
    for part in finding.missing:
        notes.append(f"Not in the story: {shown(f'“{part}”')}")
    if note := attribution_note(claim, finding, shown):
        notes.append(note)
    if claim.was_cut:
        notes.append(CUT)
    return notes


def attribution_note(claim: Claim, finding: SourceFinding, shown: Callable[[str], str] = str) -> str:
    """When the message names who said it and the story's passage names someone else: both, in one sentence."""
    if finding.verdict is not Verdict.FOUND or not claim.attributed_to or not finding.shown:
        return ""
    quote = finding.shown[0].hit.quote
    if quote is None or not quote.speaker:
        return ""
    if _name_words(claim.attributed_to) & _name_words(quote.speaker):
        return ""
    return f"The message says {shown(claim.attributed_to)} said it; in the story, {shown(quote.speaker)} says it."


def _name_words(name: str) -> set[str]:
    return {word.casefold() for word in name.replace("’", "'").split() if len(word) >= 3}
