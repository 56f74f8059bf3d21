"""`article add <url>`: fetch the page and extract the article (corpus/web_import.py) into a planned file, which the
front end then saves and reindexes through the service's `add_article`, like an uploaded file (Discord asks for
confirmation the same way). The same address again replaces its file instead of adding a duplicate."""

from __future__ import annotations

from dataclasses import dataclass

from bot.service import ChangeReport, StoryService
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


async def fetch_link_article(service: StoryService, url: str, *, lookup: Lookup | None = None) -> WebArticle:
    """Fetch the page at `url`, extract its article and plan its file against the story being served.

    Save it with `service.add_article(article.file_name, article.data, replace=True)`: the file name comes from the
    address, so an existing file of that name holds this same address (plan_web_article refuses any other), e.g.
    added by another moderator a moment ago. Raises ArticleRefused (an UploadRefused) when the address, the page or
    its article cannot be added. `lookup` replaces DNS (tests).
    """
    settings = service.settings
    page, extracted = await fetch_article(url, settings.articles.fetch_limits(), lookup or system_lookup)
    return plan_web_article(page, extracted, service.corpus.articles, settings.corpus_dir, settings.max_file_bytes)
