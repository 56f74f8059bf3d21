"""A process to kill: repeats one state-changing operation of storybot forever, recording progress in a marks file.

Run as `python tests/crash_worker.py serve`, it imports everything once and then, for each JSON command read on
stdin (`{"phase", "corpus", "state", "marks", "base"}`), forks a child that runs that phase's loop and answers
`child <pid>` at once and `exit <pid> <status>` when the child is gone. The test SIGKILLs the child at a random
moment; forking from an already-imported process keeps each kill cheap (no interpreter start-up per kill).
`python tests/crash_worker.py run PHASE CORPUS STATE MARKS [BASE]` runs one loop in this process (for debugging).

Each mark is one line written straight to the marks file (no user-space buffer), so whatever the child recorded
before it died is on disk: `begin N` means operation N started, `done N` that it returned.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answers.engine import SearchEngine
from bot.core.engine_opening import engine_settings
from bot.core.service import StoryService
from bot.core.settings import BUNDLED_CORPUS, Settings
from bot.store import GuildSettings, GuildSettingsStore
from corpus import load_corpus
from corpus.models import Article
from index.store import index_key, save
from storage.durable_files import atomic_write

GUILDS = 4
EXTRA_FILE = "extra.md"
UPLOAD_FILE = "upload.md"
QUERIES = ("border czar", "who said immigration", "panicked", "extra paragraph number 7", "version words")


def extra_article(paragraphs: int = 150) -> bytes:
    """A synthetic article large enough that building and saving its index takes a noticeable time."""
    body = "\n\n".join(
        f"Extra paragraph number {n} about the border, the czar and version {n % 7}." for n in range(1, paragraphs)
    )
    return f"# Extra coverage\n\n{body}\n".encode()


def upload_version(number: int) -> bytes:
    """The two contents `upload.md` alternates between."""
    words = "version words alpha" if number % 2 == 0 else "version words beta gamma"
    return f"# Upload\n\nA paragraph of {words}.\n\nA second paragraph, {number % 2}.\n".encode()


def removable(number: int) -> bytes:
    """The unique content of the article added then removed in round `number`."""
    return f"# Gone {number}\n\nArticle {number} exists to be moved to the trash.\n".encode()


def guild_value(number: int) -> tuple[int, int]:
    """Operation `number` of the guild phase sets (guild, results)."""
    return 1 + number % GUILDS, 1 + (number // GUILDS) % 10


def prepare_corpus(directory: Path, *, extra: bool) -> None:
    """Copy the bundled story into `directory`, with the large extra article or without."""
    directory.mkdir(parents=True, exist_ok=True)
    for story in BUNDLED_CORPUS.iterdir():
        (directory / story.name).write_bytes(story.read_bytes())
    if extra:
        (directory / EXTRA_FILE).write_bytes(extra_article())


def settings_for(corpus: Path, state: Path) -> Settings:
    """The bot's settings on these folders."""
    return Settings(corpus_dir=corpus, state_dir=state)


# The index settings the bot itself uses (whatever the configured defaults are).
ENGINE_SETTINGS = engine_settings(settings_for(BUNDLED_CORPUS, Path("state")))


def answers(engine_search: Callable[[str, int], object]) -> list[list[tuple[str, int, float]]]:
    """What a search answers for each test query: (article, paragraph, score) of the top passages."""
    found = []
    for query in QUERIES:
        result = engine_search(query, 5)
        found.append([(hit.article.id, hit.paragraph.number, round(hit.score, 9)) for hit in result.hits])
    return found


def fresh_answers(articles: tuple[Article, ...]) -> list[list[tuple[str, int, float]]]:
    """The answers of an index built in memory from these articles (what a correct restart must serve)."""
    return answers(SearchEngine.build(articles, ENGINE_SETTINGS).search)


class Marks:
    """Progress lines appended with unbuffered writes, so a SIGKILL loses none that were written."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def __call__(self, *words: object) -> None:
        """Record one line."""
        os.write(self._fd, (" ".join(map(str, words)) + "\n").encode())


def run_build(corpus: Path, state: Path, marks: Marks, base: int) -> None:
    """Build and save the index again and again, alternating between two corpora (with and without the extra)."""
    loaded = load_corpus(corpus, max_bytes=1_000_000).articles
    variants = [tuple(a for a in loaded if a.file.name != EXTRA_FILE), loaded]
    for number in range(base, base + 10_000):
        articles = variants[number % 2]
        key = index_key(articles, ENGINE_SETTINGS.index)
        marks("begin", number, key)
        save(SearchEngine.build(articles, ENGINE_SETTINGS).paragraphs, state, key)
        marks("done", number, key)


def run_reload(corpus: Path, state: Path, marks: Marks, base: int) -> None:
    """Add or remove the extra article in the folder, then `reload`, again and again."""
    service = StoryService.open(settings_for(corpus, state))
    marks("opened")
    for number in range(base, base + 10_000):
        marks("begin", number)
        if number % 2:
            atomic_write(corpus / EXTRA_FILE, extra_article())
        else:
            (corpus / EXTRA_FILE).unlink(missing_ok=True)
        asyncio.run(service.reload())
        marks("done", number)


def run_upload(corpus: Path, state: Path, marks: Marks, base: int) -> None:
    """Upload `upload.md` again and again (replacing it), alternating between two versions."""
    service = StoryService.open(settings_for(corpus, state))
    marks("opened")
    for number in range(base, base + 10_000):
        marks("begin", number)
        asyncio.run(service.add_article(UPLOAD_FILE, upload_version(number), replace=True))
        marks("done", number)


def run_remove(corpus: Path, state: Path, marks: Marks, base: int) -> None:
    """Upload a new article, then remove it (to the trash), again and again."""
    service = StoryService.open(settings_for(corpus, state))
    marks("opened")
    for number in range(base, base + 10_000):
        marks("begin", number)
        asyncio.run(service.add_article(f"gone-{number}.md", removable(number)))
        marks("added", number)
        asyncio.run(service.remove_article(f"gone-{number}"))
        marks("done", number)


def run_guild(corpus: Path, state: Path, marks: Marks, base: int) -> None:
    """Change per-guild settings again and again; `done N` is written only after `set()` returned."""

    async def loop() -> None:
        store = await GuildSettingsStore.open(state, GuildSettings())
        marks("opened")
        for number in range(base, base + 100_000):
            guild, results = guild_value(number)
            marks("begin", number)
            await store.set(guild, results=results)
            marks("done", number)

    asyncio.run(loop())


PHASES: dict[str, Callable[[Path, Path, Marks, int], None]] = {
    "build": run_build,
    "reload": run_reload,
    "upload": run_upload,
    "remove": run_remove,
    "guild": run_guild,
}


def serve() -> None:
    """Fork one child per command line on stdin; report its pid, then its exit status."""
    for line in sys.stdin:
        command = json.loads(line)
        pid = os.fork()
        if pid == 0:
            status = 0
            try:
                PHASES[command["phase"]](
                    Path(command["corpus"]), Path(command["state"]), Marks(Path(command["marks"])), command["base"]
                )
            except BaseException as error:  # an unexpected failure must show in the test, not kill it quietly
                Marks(Path(command["marks"]))("error", type(error).__name__, str(error).replace("\n", " "))
                status = 1
            os._exit(status)
        print(f"child {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        print(f"exit {pid} {status}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve()
    else:
        phase, corpus_dir, state_dir, marks_file = sys.argv[2:6]
        start = int(sys.argv[6]) if len(sys.argv) > 6 else 0
        PHASES[phase](Path(corpus_dir), Path(state_dir), Marks(Path(marks_file)), start)
