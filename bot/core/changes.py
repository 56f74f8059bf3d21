"""What a change to the corpus tells its caller: the report of what changed, the refusal (nothing changed, the old
index serves), and the plan that needs a moderator's confirmation first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from corpus import CorpusFileError


class CorpusRefused(Exception):
    """A change to the corpus that was refused; the old index keeps serving. `errors` lists each bad file."""

    def __init__(self, summary: str, errors: tuple[CorpusFileError, ...] = ()) -> None:
        self.summary = summary
        self.errors = errors
        super().__init__(summary + "".join(f"\n- {error}" for error in errors))


class StateWriteFailed(CorpusRefused):
    """The new index could not be saved (a full or read-only state disk): nothing changed, the old index serves."""


@dataclass(frozen=True)
class ChangePlan:
    """A change that would remove or change more than one article: what it would do, and the ids that would go."""

    summary: str
    going: frozenset[str]


class NeedsConfirmation(Exception):
    """Nothing was done: the change would remove or change several articles. Ask the moderator with `plan.summary`,
    then make the same call again with `confirmed=plan.going`."""

    def __init__(self, plan: ChangePlan) -> None:
        self.plan = plan
        super().__init__(plan.summary)


@dataclass(frozen=True)
class ChangeReport:
    """What a reload, upload or removal changed, for the reply."""

    summary: str
    seconds: float
    articles: int
    paragraphs: int


def check_confirmed(what: str, removed: Sequence[str], changed: Sequence[str], confirmed: frozenset[str]) -> None:
    """Raise NeedsConfirmation when several articles would go or change and the moderator has not confirmed them."""
    going = frozenset(removed) | frozenset(changed)
    if len(going) >= 2 and not going <= confirmed:
        parts = [f"remove {_listed(removed)}"] if removed else []
        parts += [f"change {_listed(changed)}"] if changed else []
        raise NeedsConfirmation(ChangePlan(f"{what} would {' and '.join(parts)}.", going))


def _listed(ids: Sequence[str], shown: int = 10) -> str:
    """`3 articles (a, b, c)`, with `and N more` past `shown`."""
    names = ", ".join(f"`{article_id}`" for article_id in list(ids)[:shown])
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return f"{len(ids)} article{'s' if len(ids) != 1 else ''} ({names}{more})"
