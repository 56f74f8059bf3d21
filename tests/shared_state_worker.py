"""A process of a cluster that shares its state folder with others: `python tests/shared_state_worker.py STATE N
ROUNDS` loads or builds the index for a different subset of the bundled story each round (so saves and deletions
of generations interleave with the other workers'), checks every engine it gets against its own articles, and
at the end searches with every engine it kept (their generations are long deleted by then). Prints one line."""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answers.engine import SearchEngine
from bot.core.engine_opening import engine_settings
from bot.core.settings import BUNDLED_CORPUS, Settings
from corpus import load_corpus
from index.store import load_or_build


def main(state: Path, worker: int, rounds: int) -> str:
    """Run the rounds; AssertionError on any engine that does not match the articles it was built for."""
    articles = load_corpus(BUNDLED_CORPUS, max_bytes=1_000_000).articles
    variants = [articles[:1], articles[1:], articles]
    settings = engine_settings(Settings())
    kept = []
    built = 0
    for number in range(rounds):
        mine = variants[(number + worker) % len(variants)]
        loaded = load_or_build(mine, settings.index, state)
        built += loaded.built
        engine = SearchEngine(loaded.paragraphs, settings)
        assert [a.id for a in loaded.paragraphs.articles] == [a.id for a in mine], "the index holds other articles"
        assert engine.paragraph_count == sum(len(a.paragraphs) for a in mine)
        ids = {a.id for a in mine}
        assert all(hit.article.id in ids for hit in engine.search("border immigration", 5).hits)
        kept.append(engine)
    answered = sum(bool(engine.search("harris border", 3).hits) for engine in kept)
    return f"worker {worker}: {rounds} rounds, {built} built, {answered} kept engines answered"


if __name__ == "__main__":
    print(main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
