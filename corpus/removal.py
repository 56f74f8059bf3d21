"""Planning a removal: which file changes and which articles go, before anything touches the disk.

`article remove <id>` takes exactly that article. An article that is its file's only one goes to the trash with its
file. An article of a multi-article file (.jsonl, .json list) is taken out of the file, which is rewritten without
it; the records after it whose id came from their position (`<file id>-<position>`), good or bad, get that id
written as their own `id` field, so no other article's id (or citation) changes and no bad record changes either.
The rewritten file is parsed again and must hold exactly the other articles, unchanged, with as many bad records,
or the removal is refused (as it is when the written ids would take the file over the size cap).
`article remove <file name>` takes the whole file: every article it holds, which the moderator then confirms.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.directory import Corpus
from corpus.edits import FileEdit, current_bytes
from corpus.fields import slugify
from corpus.files import TRASH_DIRECTORY, UploadRefused, check_file_name
from corpus.loaders import FileContents, article_id_for, decode_text, parse_file
from corpus.models import Article, CorpusFileError


class RemovalRefused(Exception):
    """A removal that cannot be done as asked; the message says why. Nothing was changed."""


@dataclass(frozen=True)
class RemovalPlan:
    """What a removal will do: the edit of one file, and the ids of the articles that go."""

    edit: FileEdit
    removed: tuple[str, ...]
    whole_file: bool

    @property
    def file_name(self) -> str:
        """The name of the file that changes."""
        return self.edit.path.name


def plan_removal(corpus: Corpus, corpus_dir: Path, target: str, *, max_bytes: int) -> RemovalPlan:
    """Plan `article remove <target>`: an article id (as `sources` shows it), or a file name of the corpus folder."""
    typed = target.strip().strip("`").strip()
    article = corpus.get(typed) or corpus.get(slugify(typed))
    if article is not None:
        return _plan_article_removal(corpus_dir, article, max_bytes=max_bytes)
    if "." in typed:
        try:
            name = check_file_name(typed)
        except UploadRefused as refused:
            raise RemovalRefused(str(refused)) from None
        path = corpus_dir / name
        if path.is_file() and not path.is_symlink():
            data = _read(path, what=f"`{name}`")
            served = tuple(a.id for a in corpus.articles if a.file.name == name)
            return RemovalPlan(FileEdit(path, data, None, TRASH_DIRECTORY), served, whole_file=True)
    shown = typed[:100].replace("`", "'")
    raise RemovalRefused(
        f"There is no article with the id `{shown}` and no file of that name in the corpus folder; "
        "`sources` lists the articles."
    )


def _plan_article_removal(corpus_dir: Path, article: Article, *, max_bytes: int) -> RemovalPlan:
    path = corpus_dir / article.file.name
    data = _read(path, what=f"`{path.name}`, the file of `{article.id}`,")
    try:
        contents = parse_file(path.name, data, max_bytes=max_bytes, path=path)
    except CorpusFileError as error:
        message = f"`{path.name}` changed on disk and no longer loads ({error}); fix it, then reload."
        raise RemovalRefused(message) from None
    ids = [loaded.id for loaded in contents.articles]
    if article.id not in ids:
        raise RemovalRefused(f"`{article.id}` is no longer in `{path.name}` on disk; reload first.")
    if ids == [article.id] and not contents.errors:
        return RemovalPlan(FileEdit(path, data, None, TRASH_DIRECTORY), (article.id,), whole_file=True)
    after = rewrite_without(path, data, contents, article.id, max_bytes=max_bytes)
    return RemovalPlan(FileEdit(path, data, after, TRASH_DIRECTORY), (article.id,), whole_file=False)


def _read(path: Path, *, what: str) -> bytes:
    try:
        data = current_bytes(path)
    except OSError as error:
        raise RemovalRefused(f"{what} cannot be read ({error.strerror or error}); nothing was removed.") from None
    if data is None:
        raise RemovalRefused(f"{what} is no longer in the corpus folder; a reload will catch up.")
    return data


def rewrite_without(path: Path, data: bytes, contents: FileContents, article_id: str, *, max_bytes: int) -> bytes:
    """The bytes of a multi-article file without one article, every other article keeping its id and content.

    Every record after it that gets its id from its position (no `id`, or `"id": null`), good or bad, has that id
    written in, so that none shifts; lines that are not JSON objects are kept as they are. A .jsonl keeps its other
    lines byte for byte, its line endings and its byte-order mark; a .json list is written again as indented JSON.
    Raises RemovalRefused when the result would be over the size cap or not hold exactly the other articles.
    """
    index = next(i for i, article in enumerate(contents.articles) if article.id == article_id)
    source = contents.sources[index]
    if source is None:
        raise RemovalRefused(f"`{path.name}` holds a single article; remove the whole file instead.")
    file_id = article_id_for(path.name)
    text = decode_text(path, data, max_bytes=max_bytes)
    if path.suffix.lower() == ".jsonl":
        after, written = _jsonl_without(text, data, source.line, file_id)
    else:
        after, written = _json_list_without(text, source.position, file_id)
    if len(after) > max_bytes:
        raise RemovalRefused(
            f"Removing `{article_id}` would write the ids of the {written:,} records after it into `{path.name}` "
            f"(so that they keep them), making it {len(after):,} bytes, over the {max_bytes:,}-byte limit; nothing "
            "was removed. Split the file into smaller ones (or raise `max_file_bytes`), then try again."
        )
    _check_rewrite(path, after, contents, article_id, max_bytes=max_bytes)
    return after


def _jsonl_without(text: str, data: bytes, line: int | None, file_id: str) -> tuple[bytes, int]:
    """Drop line `line`; write their position id into the records after it (counting records as the parser does:
    one per non-blank line). Returns the bytes and how many ids were written."""
    assert line is not None, "every .jsonl record knows its line"
    newline = "\r\n" if b"\r\n" in data else "\r" if b"\r" in data else "\n"
    kept: list[str] = []
    position = written = 0
    for number, content in enumerate(text.split("\n"), start=1):
        blank = not content or content.isspace()  # as parse_jsonl counts records
        position += 0 if blank else 1
        if number == line:
            continue
        if number > line and not blank:
            record = _object(content)
            if record is not None and record.get("id") is None:
                content = _dumps(_with_id(record, f"{file_id}-{position}"))
                written += 1
        kept.append(content)
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    return bom + newline.join(kept).encode("utf-8"), written


def _json_list_without(text: str, position: int, file_id: str) -> tuple[bytes, int]:
    items: list[Any] = json.loads(text)
    kept: list[Any] = []
    written = 0
    for number, item in enumerate(items, start=1):
        if number == position:
            continue
        if number > position and isinstance(item, dict) and item.get("id") is None:
            item = _with_id(item, f"{file_id}-{number}")
            written += 1
        kept.append(item)
    return (_dumps(kept, indent=2) + "\n").encode("utf-8"), written


def _dumps(value: Any, indent: int | None = None) -> str:
    """JSON text that encodes as UTF-8: characters as they are, unless a string holds half a surrogate pair (a bad
    record's `\\udXXX` escape), which only the escaped form can carry."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, indent=indent)
    return text


def _object(line: str) -> dict[str, Any] | None:
    """The JSON object on a line, None when the line is no JSON object (it is then kept as it is)."""
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _with_id(record: dict[str, Any], article_id: str) -> dict[str, Any]:
    """The record with its id written first (replacing an `"id": null`)."""
    return {"id": article_id, **{key: value for key, value in record.items() if key != "id"}}


def _check_rewrite(path: Path, after: bytes, before: FileContents, removed: str, *, max_bytes: int) -> None:
    """Refuse a rewrite whose articles are not exactly the old ones without `removed`, each unchanged."""
    try:
        contents = parse_file(path.name, after, max_bytes=max_bytes, path=path)
    except CorpusFileError as error:
        raise RemovalRefused(f"`{path.name}` could not be rewritten without `{removed}` ({error}).") from None
    expected = _hashes(article for article in before.articles if article.id != removed)
    if _hashes(contents.articles) != expected or len(contents.errors) != len(before.errors):
        raise RemovalRefused(
            f"`{path.name}` could not be rewritten without `{removed}` and every other article unchanged; "
            "nothing was removed. Edit the file and replace it instead."
        )


def _hashes(articles: Sequence[Article] | Any) -> dict[str, str]:
    return {article.id: article.content_hash() for article in articles}
