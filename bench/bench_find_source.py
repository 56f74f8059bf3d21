"""Choosing "found" and "close" for Find the source (run by hand), on a development half; reported on a test half.

    .venv/bin/python bench/bench_find_source.py [--squad ../shared/datasets/squad-questions-dev/corpus.jsonl]

Three kinds of pasted messages, made deterministically (seeded) from text nobody wrote for this test:
- from the story: each sentence of the bundled story pasted with small edits (as is; lower case without
  punctuation; a word dropped; a typo; a fragment of 60–80 % of it; a word changed; chat noise around it; two of
  these at once). Wanted: found, with the sentence's own paragraph first.
- misquotes: half of one story sentence spliced to half of another, or a sentence with half its words swapped for
  words of unrelated news. Wanted: not found, and the nearest passage shown (it holds part of the claim).
- other news: sentences of SQuAD's Wikipedia paragraphs, and whole paragraphs (long messages). Wanted: not found,
  and no passage shown.
Story sentences are split in two halves by a seeded shuffle (development, test), SQuAD sentences by article (the
first half of the articles, the second). Thresholds are chosen on the development half only; the table reports
both halves, the test half being the honest figure. Each message goes through the bot's own pipeline: the claim
(bot/core/claims.py), the who-said search, and the containment measure (answers/source_match.py).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from answers.engine import SearchEngine
from answers.source_match import TermWeights, containment
from answers.sources import PartFinding, SourceFinder, SourceFinding, Verdict
from bot.core.claims import claim_of
from bot.core.engine_opening import engine_settings
from bot.core.settings import BUNDLED_CORPUS, Settings
from corpus import load_corpus

SQUAD = Path(__file__).resolve().parent.parent.parent / "shared/datasets/squad-questions-dev/corpus.jsonl"
SENTENCE_END = re.compile(r"(?<=[.!?…”\"])\s+(?=[“\"‘A-Z0-9])")
MIN_WORDS = 6
OTHER_SHOWN_AT_MOST = 0.01  # "genuinely close": unrelated news is shown a nearest passage at most this often
ROUNDS = 3  # each sentence is edited this many times over (the edits are random)
NOISE = ["lol ", "wait what?? ", "<@123456789012345678> ", "so apparently ", "🤔 ", "ok so "]
NOISE_AFTER = [" 😂", " https://t.co/AbCdEf123", " 🇺🇸🇺🇸", " (source: trust me)", " smh", ""]


@dataclass(frozen=True)
class Case:
    """One pasted message, where its text came from (a paragraph's doc id, or None), and what is wanted."""

    message: str
    kind: str  # "story", "misquote", "other"
    places: frozenset[tuple[str, int]] = frozenset()  # (article id, paragraph number) of each paragraph holding it
    edit: str = ""  # story cases: the small edit made


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph with at least MIN_WORDS words."""
    return [s.strip() for s in SENTENCE_END.split(text) if len(s.split()) >= MIN_WORDS]


def small_edits(sentence: str, rng: random.Random, filler: Sequence[str]) -> list[tuple[str, str]]:
    """The sentence pasted in eight ways, each with a small edit: (the edit, the message)."""
    words = sentence.split()

    def drop(ws: list[str]) -> list[str]:
        at = rng.randrange(len(ws))
        return ws[:at] + ws[at + 1 :]

    def typo(ws: list[str]) -> list[str]:
        long = [i for i, w in enumerate(ws) if len(w) >= 5]
        if not long:
            return ws
        at = rng.choice(long)
        w = ws[at]
        k = rng.randrange(1, len(w) - 2)
        return [*ws[:at], w[:k] + w[k + 1] + w[k] + w[k + 2 :], *ws[at + 1 :]]

    def change(ws: list[str]) -> list[str]:
        at = rng.randrange(len(ws))
        return [*ws[:at], rng.choice(filler), *ws[at + 1 :]]

    def fragment(ws: list[str]) -> list[str]:
        size = max(MIN_WORDS - 1, round(len(ws) * rng.uniform(0.6, 0.8)))
        start = rng.randrange(0, len(ws) - size + 1)
        return ws[start : start + size]

    plain = re.sub(r"[^\w\s']", "", sentence.replace("’", "'")).lower()
    noisy = rng.choice(NOISE) + sentence + rng.choice(NOISE_AFTER)
    return [
        ("as is", sentence),
        ("lower case, no punctuation", plain),
        ("a word dropped", " ".join(drop(words))),
        ("a typo", " ".join(typo(words))),
        ("a fragment", " ".join(fragment(words))),
        ("a word changed", " ".join(change(words))),
        ("chat noise around", noisy),
        ("a word dropped and a typo", " ".join(typo(drop(words)))),
    ]


QUOTE_MARKS = re.compile('["“”‘’„«»]')


def misquotes(sentence: str, others: Sequence[str], rng: random.Random, filler: Sequence[str]) -> list[str]:
    """Two misquotes: spliced to another story sentence, and half its words swapped for unrelated ones. Quote marks
    are left out: a quotation kept whole inside a misquote is rightly found."""
    words = QUOTE_MARKS.sub("", sentence).split()
    other = QUOTE_MARKS.sub("", rng.choice([o for o in others if o != sentence])).split()
    spliced = words[: len(words) // 2] + other[len(other) // 2 :]
    swapped = [rng.choice(filler) if rng.random() < 0.5 else word for word in words]
    return [" ".join(spliced), " ".join(swapped)]


def make_cases(engine: SearchEngine, squad_path: Path, seed: int = 13) -> dict[str, list[Case]]:
    """The development and test cases."""
    rng = random.Random(seed)
    paragraphs = [engine.locate(doc) for doc in range(engine.paragraph_count)]
    texts = sorted({sentence for _, paragraph in paragraphs for sentence in sentences(paragraph.text)})
    story = [(text, frozenset((a.id, p.number) for a, p in paragraphs if text in p.text)) for text in texts]
    rng.shuffle(story)
    halves = {"dev": story[: len(story) // 2], "test": story[len(story) // 2 :]}
    squad = [json.loads(line) for line in squad_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    articles = sorted({record["_id"].split("-")[0] for record in squad})
    first_half = set(articles[: len(articles) // 2])
    other: dict[str, list[str]] = {"dev": [], "test": []}
    whole: dict[str, list[str]] = {"dev": [], "test": []}
    for record in squad:
        half = "dev" if record["_id"].split("-")[0] in first_half else "test"
        other[half] += sentences(record["text"])
        whole[half].append(record["text"])
    filler = [w for s in other["dev"][:2000] for w in s.split() if w.isalpha() and len(w) > 3]
    cases: dict[str, list[Case]] = {}
    all_sentences = [s for s, _ in story]
    for half in ("dev", "test"):
        found = [
            Case(m, "story", places, edit)
            for s, places in halves[half]
            for _ in range(ROUNDS)
            for edit, m in small_edits(s, rng, filler)
        ]
        close = [
            Case(m, "misquote", places)
            for s, places in halves[half]
            for _ in range(ROUNDS)
            for m in misquotes(s, all_sentences, rng, filler)
        ]
        unrelated = [Case(s, "other") for s in rng.sample(other[half], min(len(other[half]), 1500))]
        unrelated += [Case(s, "other") for s in rng.sample(whole[half], min(len(whole[half]), 500))]
        cases[half] = found + close + unrelated
    return cases


def unigram(claim: Sequence[str], passage: Sequence[str], weights: TermWeights) -> float:
    """The idf-weighted share of the claim's distinct terms the passage holds, in any order (a baseline)."""
    distinct = list(dict.fromkeys(claim))
    total = sum(weights.of(t) for t in distinct)
    held = set(passage)
    return sum(weights.of(t) for t in distinct if t in held) / total if total else 0.0


def bigram(claim: Sequence[str], passage: Sequence[str], weights: TermWeights) -> float:
    """The share of the claim's adjacent term pairs found adjacent in the passage (a baseline)."""
    pairs = list(itertools.pairwise(claim))
    if not pairs:
        return unigram(claim, passage, weights)
    held = set(itertools.pairwise(passage))
    return sum(pair in held for pair in pairs) / len(pairs)


MEASURES: list[tuple[str, Callable[[Sequence[str], Sequence[str], TermWeights], float], str]] = [
    ("weighted LCS, unknown words weigh the mean idf (chosen)", containment, "mean"),
    ("weighted LCS, unknown words weigh the largest idf", containment, "largest"),
    ("idf unigram (any order)", unigram, "mean"),
    ("bigram", bigram, "mean"),
]


def judged(finder: SourceFinder, case: Case) -> tuple[PartFinding, ...]:
    """The message's claim, its parts judged by the finder's measure."""
    return finder.judged_parts(claim_of(case.message).parts)


JudgedCases = list[tuple[Case, tuple[PartFinding, ...]]]


def place(finding: SourceFinding) -> tuple[str, int] | None:
    """The (article id, paragraph number) of the first passage shown."""
    first = finding.shown[0].hit if finding.shown else None
    return (first.article.id, first.paragraph.number) if first else None


def rates(judged_cases: JudgedCases, finder: SourceFinder) -> dict[str, float]:
    """Per kind, by the finder's own verdicts: the share found, the share shown a nearest passage (close, not
    found), and for story cases the share found with a paragraph holding the sentence shown first."""
    out: dict[str, float] = {}
    for kind in ("story", "misquote", "other"):
        verdicts = [(case, finder.decide(parts, 3)) for case, parts in judged_cases if case.kind == kind]
        if not verdicts:
            continue
        out[f"{kind} found"] = sum(v.verdict is Verdict.FOUND for _, v in verdicts) / len(verdicts)
        out[f"{kind} nearest shown"] = sum(v.verdict is Verdict.CLOSE for _, v in verdicts) / len(verdicts)
        if kind == "story":
            right = sum(v.verdict is Verdict.FOUND and place(v) in case.places for case, v in verdicts)
            out["story found, right paragraph first"] = right / len(verdicts)
    return out


GRID = [round(x * 0.01, 2) for x in range(10, 100)]


def choose(judged_cases: JudgedCases, finder: SourceFinder) -> tuple[float, float]:
    """On development cases: `found` maximising story found minus twice the false finds (misquotes and other
    news); then `close`, the lowest share at which at most OTHER_SHOWN_AT_MOST of other news is shown a passage."""

    def found_gain(threshold: float) -> float:
        finder.found = finder.close = threshold
        r = rates(judged_cases, finder)
        return r["story found"] - 2 * (r["misquote found"] + r["other found"])

    found = max(GRID, key=found_gain)
    finder.found = found
    for close in (t for t in GRID if t <= found):
        finder.close = close
        if rates(judged_cases, finder)["other nearest shown"] <= OTHER_SHOWN_AT_MOST:
            return found, close
    return found, found


def main() -> None:
    """Make the cases, measure, choose on development, report both halves."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SQUAD)
    args = parser.parse_args()
    articles = load_corpus(BUNDLED_CORPUS, max_bytes=1_000_000).articles
    engine = SearchEngine.build(articles, engine_settings(Settings()))
    cases = make_cases(engine, args.squad)
    for half, half_cases in cases.items():
        kinds = {kind: sum(case.kind == kind for case in half_cases) for kind in ("story", "misquote", "other")}
        print(f"{half} cases: " + ", ".join(f"{kind} {count}" for kind, count in kinds.items()))
    for name, measure, unknown in MEASURES:
        finder = SourceFinder(engine, measure=measure)
        finder.weights = TermWeights(engine.index, unknown)
        judged_halves = {half: [(case, judged(finder, case)) for case in found] for half, found in cases.items()}
        found, close = choose(judged_halves["dev"], finder)
        finder.found, finder.close = found, close
        print(f"\n## {name}: found ≥ {found:.2f}, nearest shown ≥ {close:.2f} (chosen on dev)")
        for half in ("dev", "test"):
            figures = rates(judged_halves[half], finder)
            print(f"{half:>5}: " + ", ".join(f"{key} {value:.1%}" for key, value in figures.items()))
        by_edit = {}
        for case, parts in judged_halves["test"]:
            if case.kind == "story":
                by_edit.setdefault(case.edit, []).append(finder.decide(parts, 3).verdict is Verdict.FOUND)
        print(" test, story found by edit: " + ", ".join(f"{e} {sum(v) / len(v):.0%}" for e, v in by_edit.items()))


if __name__ == "__main__":
    main()
