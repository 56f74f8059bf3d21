"""`article add <url>`: fetch the page, extract the article (corpus/web_import.py), then save and reindex it through
the service's `add_article`, like an uploaded file. The same address again replaces its file instead of adding a
duplicate. Shared by every front end that adds articles (Discord now; the console when it manages articles)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.service import ChangeReport, StoryService
from corpus.loaders import article_id_for
from corpus.web_fetch import Lookup, system_lookup
from corpus.web_import import WebArticle, fetch_article, plan_web_article


@dataclass(frozen=True)
class LinkAdded:
    """What `add_article_from_link` did: the reindex report and the article file it wrote."""

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


async def add_article_from_link(service: StoryService, url: str, *, lookup: Lookup | None = None) -> LinkAdded:
    """Fetch, extract, save and reindex the article at `url`.

    Raises ArticleRefused (an UploadRefused: the address, the page or its article cannot be added) or
    CorpusRefused (the reindex was refused; the old index keeps serving). `lookup` replaces DNS in tests.
    """
    settings = service.settings
    page, extracted = await fetch_article(url, settings.articles.fetch_limits(), lookup or system_lookup)
    planned = plan_web_article(page, extracted, service.corpus.articles, settings.corpus_dir, settings.max_file_bytes)
    # replace=True: the file name is derived from the address, so an existing file of that name holds this same
    # address (plan_web_article refuses any other), e.g. added by another moderator a moment ago.
    report = await service.add_article(planned.file_name, planned.data, replace=True)
    return LinkAdded(report, planned)
