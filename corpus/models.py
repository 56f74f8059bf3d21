"""Typed models for the story's articles and the errors raised while loading them."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class Paragraph(BaseModel):
    """One paragraph of an article; `number` is its 1-based position in that article."""

    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1)
    text: str = Field(min_length=1)


class Article(BaseModel):
    """An article as loaded from one file of the corpus directory."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    published: datetime | None = None
    url: str | None = None
    file: Path
    paragraphs: tuple[Paragraph, ...]

    def paragraph(self, number: int) -> Paragraph:
        """Return the paragraph with this 1-based number (IndexError when out of range)."""
        if not 1 <= number <= len(self.paragraphs):
            raise IndexError(f"{self.id} has no paragraph {number}")
        return self.paragraphs[number - 1]

    def content_hash(self) -> str:
        """A stable hash of everything the index and the answers use from this article."""
        saved = getattr(self.paragraphs, "article_hash", None)  # an article read back from the text store
        if saved is not None:
            return saved
        digest = hashlib.sha256()
        for part in (self.id, self.title, self.published.isoformat() if self.published else "", self.url or ""):
            digest.update(part.encode())
            digest.update(b"\0")
        for paragraph in self.paragraphs:
            digest.update(paragraph.text.encode())
            digest.update(b"\0")
        return digest.hexdigest()


class CorpusFileError(Exception):
    """A file of the corpus that cannot be loaded: names the file, the line (when one applies) and the problem."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.message = message
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path.name}:{self.line}" if self.line is not None else self.path.name
        return f"{where}: {self.message}"
