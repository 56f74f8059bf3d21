"""`article add <url>`: fetch the page and extract the article (corpus/web_import.py) into a planned file, which the
front end saves and reindexes through the service's `add_article`, like an uploaded file (Discord asks for
confirmation the same way). The same address again replaces its file instead of adding a duplicate."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.changes import ChangeReport
from bot.core.service import StoryService
from corpus.loaders import article_id_for
from corpus.web_fetch import Lookup, system_lookup
from corpus.web_import import WebArticle, fetch_article, plan_web_article


@dataclass(frozen=True)
class LinkAdded:
    """An article added by its address: the reindex report and the article file written."""

    report: ChangeReport
    article: WebArticle

    @property
    def article_id(self) -> str:
        """The id the article got (its file name's)."""
        return article_id_for(self.article.file_name)

    @property
    def verb(self) -> str:
        """`Replaced` when the address was already in the story, else `Added`."""
        return "Replaced" if self.article.replaces is not None else "Added"


Save = Callable[[WebArticle], Awaitable[ChangeReport | None]]
_PLANNING_LOCKS: weakref.WeakKeyDictionary[StoryService, asyncio.Lock] = weakref.WeakKeyDictionary()


async def add_link_article(
    service: StoryService, url: str, save: Save, *, lookup: Lookup | None = None
) -> LinkAdded | None:
    """Fetch the page at `url` and extract its article, then plan its file against the story served and `save` it.

    `save(article)` writes and reindexes, e.g. `service.add_article(article.file_name, article.data, replace=True)`
    (replace: a file of that name holds this same address; plan_web_article refuses any other), and returns None
    when the moderator cancels a confirmation. Planning and saving are one step for all link additions (fetching is
    not), so two moderators adding one address at once get one article, "Added" then "Replaced". Raises
    ArticleRefused (an UploadRefused) when the address, the page or its article cannot be added, and whatever
    `save` raises. `lookup` replaces DNS (tests).
    """
    settings = service.settings
    page, extracted = await fetch_article(url, settings.articles.fetch_limits(), lookup or system_lookup)
    async with _PLANNING_LOCKS.setdefault(service, asyncio.Lock()):
        article = plan_web_article(
            page, extracted, service.corpus.articles, settings.corpus_dir, settings.max_file_bytes
        )
        report = await save(article)
    return None if report is None else LinkAdded(report, article)
