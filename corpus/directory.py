"""The corpus directory: scanning it, the Corpus collection of its articles, and what changed between two scans."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from corpus.fields import slugify
from corpus.folder_state import FileRecord, entry_record, now_ns, read_recorded
from corpus.loaders import SUPPORTED_SUFFIXES, FileContents, parse_file
from corpus.models import Article, CorpusFileError
from storage.collector import collector_paused


@dataclass(frozen=True)
class Corpus:
    """An immutable set of articles with unique ids, kept sorted by id."""

    articles: tuple[Article, ...]
    _by_id: dict[str, Article] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        articles = tuple(sorted(self.articles, key=lambda article: article.id))
        by_id = {article.id: article for article in articles}
        if len(by_id) != len(articles):
            raise ValueError("a corpus cannot hold two articles with the same id")
        object.__setattr__(self, "articles", articles)
        object.__setattr__(self, "_by_id", by_id)

    def __len__(self) -> int:
        return len(self.articles)

    @property
    def paragraph_count(self) -> int:
        """How many paragraphs all the articles have together."""
        return sum(len(article.paragraphs) for article in self.articles)

    def get(self, article_id: str) -> Article | None:
        """The article with exactly this id, if any."""
        return self._by_id.get(article_id)

    def find(self, name: str) -> list[Article]:
        """Articles matching what a member typed, best first.

        An exact id (ignoring case and punctuation) gives that article alone. Otherwise every article whose title
        or id contains the text, ignoring case: an equal title first, then those starting with it, then the rest.
        """
        typed = name.strip().strip("`").strip()
        wanted_id, wanted_title = slugify(typed), typed.casefold()
        if not wanted_id and not wanted_title:
            return []
        exact = self.get(typed) or self.get(wanted_id)
        if exact is not None:
            return [exact]
        ranked: list[tuple[int, str, Article]] = []
        for article in self.articles:
            title = article.title.casefold()
            if title == wanted_title:
                rank = 0
            elif title.startswith(wanted_title) or (wanted_id and article.id.startswith(wanted_id)):
                rank = 1
            elif wanted_title in title or (wanted_id and wanted_id in article.id):
                rank = 2
            else:
                continue
            ranked.append((rank, article.id, article))
        return [article for _, _, article in sorted(ranked, key=lambda entry: entry[:2])]

    def fingerprint(self) -> str:
        """A sha256 over the articles' content hashes: equal for equal content, whatever the files' times."""
        digest = hashlib.sha256()
        for article in self.articles:
            digest.update(article.content_hash().encode())
            digest.update(b"\n")
        return digest.hexdigest()


@dataclass(frozen=True)
class FolderState:
    """What a load saw of the folder: every entry's record (corpus/folder_state.py) and the file size cap it used."""

    files: tuple[FileRecord, ...]
    max_bytes: int


@dataclass(frozen=True)
class CorpusLoad:
    """The result of scanning a corpus directory: the good articles, the bad files, the files left alone, and the
    folder as it was read (to know later, without reading it again, whether it is still the same)."""

    articles: tuple[Article, ...]
    errors: tuple[CorpusFileError, ...]
    skipped: tuple[Path, ...]
    folder: FolderState | None = None

    @property
    def corpus(self) -> Corpus:
        """The loaded articles as a Corpus."""
        return Corpus(self.articles)


def load_corpus(directory: Path, *, max_bytes: int) -> CorpusLoad:
    """Load every supported file of the directory (not its subdirectories), collecting bad files as errors.

    Hidden entries and subdirectories are ignored; symlinks, other non-regular files and files of unsupported types
    are `skipped`. A bad record of a multi-article file is an error of its own (file:line) while the file's good
    records load. An article id already taken by an earlier file (in name order) makes the later article an error.
    A missing directory raises CorpusFileError.
    """
    if not directory.is_dir():
        raise CorpusFileError(directory, f"the corpus directory {directory} does not exist or is not a directory")
    try:
        entries = sorted(directory.iterdir(), key=lambda entry: entry.name)
    except OSError as error:
        raise CorpusFileError(directory, f"the corpus directory cannot be read: {error.strerror or error}") from error

    owners: dict[str, Path] = {}
    articles: list[Article] = []
    errors: list[CorpusFileError] = []
    skipped: list[Path] = []
    records: list[FileRecord] = []
    started = now_ns()
    with collector_paused():
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if (
                entry.is_symlink()
                or entry.is_dir()
                or not entry.is_file()
                or entry.suffix.lower() not in SUPPORTED_SUFFIXES
            ):
                try:
                    records.append(entry_record(entry))
                except OSError:
                    records.append(FileRecord(entry.name, "other", racy=True))
                if not entry.is_dir() or entry.is_symlink():
                    skipped.append(entry)
                continue
            try:
                loaded = _read_file(entry, max_bytes, started, records)
            except CorpusFileError as error:
                errors.append(error)
                continue
            errors.extend(loaded.errors)
            for article, line in zip(loaded.articles, loaded.lines, strict=True):
                if article.id in owners:
                    owner = owners[article.id].name
                    message = f"the article id {article.id!r} is already used by {owner}; rename one of the files"
                    errors.append(CorpusFileError(entry, message, line))
                    continue
                owners[article.id] = entry
                articles.append(article)
    articles.sort(key=lambda article: article.id)
    return CorpusLoad(tuple(articles), tuple(errors), tuple(skipped), FolderState(tuple(records), max_bytes))


# Recorded for a file that could not be read: it never matches, so the next start-up loads the folder again.
UNREADABLE = "0" * 64


def _read_file(path: Path, max_bytes: int, started: int, records: list[FileRecord]) -> FileContents:
    """`corpus.loaders.read_file`, recording the file's times and the hash of the bytes parsed."""
    try:
        data, size, record = read_recorded(path, max_bytes, started)
    except OSError as error:
        records.append(FileRecord(path.name, "file", sha256=UNREADABLE, racy=True))
        raise CorpusFileError(path, f"cannot be read: {error.strerror or error}") from error
    records.append(record)
    if len(data) > max_bytes:
        raise CorpusFileError(path, f"is {max(size, len(data)):,} bytes, over the {max_bytes:,}-byte limit")
    return parse_file(path.name, data, max_bytes=max_bytes, path=path)


@dataclass(frozen=True)
class CorpusDiff:
    """What changed between two corpora: article ids added, removed and changed, and the paragraph totals."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    paragraphs_before: int
    paragraphs_after: int

    def summary(self) -> str:
        """One line for a reply, like "1 added (harris-x), 0 removed, 1 changed (harris-y); 53 → 60 paragraphs"."""
        groups = (("added", self.added), ("removed", self.removed), ("changed", self.changed))
        counts = ", ".join(_describe(label, ids) for label, ids in groups)
        return f"{counts}; {self.paragraphs_before:,} → {self.paragraphs_after:,} paragraphs"


def _describe(label: str, ids: tuple[str, ...], shown: int = 5) -> str:
    if not ids:
        return f"0 {label}"
    names = ", ".join(ids[:shown]) + (f" and {len(ids) - shown} more" if len(ids) > shown else "")
    return f"{len(ids)} {label} ({names})"


def diff_corpora(old: Corpus, new: Corpus) -> CorpusDiff:
    """Compare two corpora by article id and content hash."""
    return diff_hashes(
        {article.id: article.content_hash() for article in old.articles},
        {article.id: article.content_hash() for article in new.articles},
        old.paragraph_count,
        new.paragraph_count,
    )


def diff_hashes(old_hashes: dict[str, str], new_hashes: dict[str, str], before: int, after: int) -> CorpusDiff:
    """Compare two corpora given as {article id: content hash} and their paragraph totals."""
    kept = old_hashes.keys() & new_hashes.keys()
    return CorpusDiff(
        added=tuple(sorted(new_hashes.keys() - old_hashes.keys())),
        removed=tuple(sorted(old_hashes.keys() - new_hashes.keys())),
        changed=tuple(sorted(key for key in kept if old_hashes[key] != new_hashes[key])),
        paragraphs_before=before,
        paragraphs_after=after,
    )
