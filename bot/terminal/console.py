"""The terminal front-end: the same commands as on Discord (`!who said border czar`), answered as plain text."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from answers.engine import SearchResult
from bot.core.presenting import (
    COMMAND_HELP,
    CONSOLE_ONLY_HELP,
    ask_for_words,
    citation_parts,
    no_match_sentence,
    no_quote_sentence,
    passage_text,
    source_summary,
    unknown_words_sentence,
    who_words,
)
from bot.core.safe_text import visible
from bot.core.service import ChangePlan, CorpusRefused, NeedsConfirmation, StoryService

ALIASES = {"search": "ask", "next": "more"}
MAX_QUERY_CHARS = 300


def bold(text: str) -> str:
    """Mark matched words the way Discord shows them, so terminal and Discord answers read the same."""
    return f"**{text}**"


@dataclass
class ConsoleSession:
    """Runs console commands for one terminal user; remembers the last question for `more`."""

    service: StoryService
    last_query: str | None = None
    last_offset: int = 0
    last_who: bool = False
    last_has_more: bool = False
    pending_reload: ChangePlan | None = None  # a reload waiting for `reload confirm`

    def execute(self, line: str) -> str:
        """Run one command line (with or without the prefix) and return the text to print."""
        prefix = self.service.settings.prefix
        line = line.strip()
        if line.startswith(prefix):
            line = line[len(prefix) :].lstrip()
        if not line:
            return ""
        name, _, rest = line.partition(" ")
        name = ALIASES.get(name.lower(), name.lower())
        rest = rest.strip()
        if name == "who":
            words = who_words(rest)
            return self._answer(words, who=True) if words else ask_for_words(f"{prefix}who said border czar")
        if name == "ask":
            return self._answer(rest, who=False)
        if name == "more":
            if self.last_query is None:
                return "Ask something first; `more` shows the next passages of the last answer."
            if not self.last_has_more:
                return f"No more passages: that was the last page for “{visible(self.last_query)}”."
            return self._answer(self.last_query, who=self.last_who, offset=self.last_offset)
        if name == "sources":
            return self._sources()
        if name == "source":
            return self._source(rest)
        if name == "reload":
            return self._reload(rest)
        if name == "help":
            return help_text(prefix)
        return f"Unknown command `{name}`. Type `{prefix}help` for the list."

    def _answer(self, query: str, *, who: bool, offset: int = 0) -> str:
        if not query:
            return f"Ask something, for example `{self.service.settings.prefix}who said border czar`."
        note = ""
        if len(query) > MAX_QUERY_CHARS:
            query, note = (
                query[:MAX_QUERY_CHARS],
                f"(Your question was cut to its first {MAX_QUERY_CHARS} characters.)\n",
            )
        limit = self.service.settings.search.results
        result = self.service.search(query, limit, offset, quotes_first=who)
        self.last_query, self.last_who = query, who
        self.last_offset = offset + len(result.hits)
        self.last_has_more = result.has_more
        return note + render_result(result, self.service.settings.search.snippet_chars)

    def _sources(self) -> str:
        articles = self.service.corpus.articles
        lines = [f"The story has {len(articles)} articles:"]
        for article in articles:
            described = " — ".join(citation_parts(article, len(article.paragraphs))[:-1])
            lines.append(f"- {visible(described)} [{article.id}]")
        return "\n".join(lines)

    def _source(self, name: str) -> str:
        if not name:
            return f"Which article? `{self.service.settings.prefix}sources` lists them."
        found = self.service.find_articles(name)
        if not found:
            return f"No article matches `{visible(name)}`. `{self.service.settings.prefix}sources` lists them."
        return "\n".join(map(visible, source_summary(found[0])))

    def _reload(self, rest: str) -> str:
        """`reload`; one that would remove several articles shows them and waits for `reload confirm`, which
        goes ahead with exactly those (the plan is shown again if the folder changed meanwhile)."""
        prefix = self.service.settings.prefix
        if rest and rest.lower() != "confirm":
            return f"`{prefix}reload` takes nothing, or `confirm` after it showed what it would remove."
        plan, self.pending_reload = self.pending_reload, None
        if rest and plan is None:
            return f"Nothing to confirm: `{prefix}reload` asks first when it would remove several articles."
        try:
            report = asyncio.run(self.service.reload(confirmed=plan.going if rest and plan else frozenset()))
        except NeedsConfirmation as needed:
            self.pending_reload = needed.plan
            return f"{needed.plan.summary}\nNothing changed yet; type `{prefix}reload confirm` to go ahead."
        except CorpusRefused as refused:
            return f"{refused}\nThe previous index keeps serving."
        return f"Reloaded in {report.seconds:.2f} s: {report.summary}"


def render_result(result: SearchResult, snippet_chars: int) -> str:
    """An answer as text: each passage's snippet with matches in **bold** (for who-said, the speaker and the
    quotation), then its citation and link. Corpus text is shown `visible`: no control or invisible characters."""
    if not result.hits:
        return no_match_sentence(result)
    lines = []
    if result.unknown_words:
        lines.append(f"({unknown_words_sentence(result, visible)})")
    if (fallback := no_quote_sentence(result)) and result.offset == 0:
        lines.append(fallback)
    for number, hit in enumerate(result.hits, start=result.offset + 1):
        lines.append(f"{number}. {passage_text(hit, snippet_chars, mark=bold, escape=visible)}")
        lines.append(f"   — {visible(', '.join(citation_parts(hit.article, hit.paragraph.number)))}")
        if hit.article.url:
            lines.append(f"   {hit.article.url}")
    if result.has_more:
        lines.append("(more passages: type `more`)")
    return "\n".join(lines)


def help_text(prefix: str) -> str:
    """The command list for the terminal."""
    lines = ["Commands:"]
    for usage, meaning, who in COMMAND_HELP + CONSOLE_ONLY_HELP:
        lines.append(f"  {prefix}{usage:<24} {meaning} ({who})")
    return "\n".join(lines)


def run_console(service: StoryService, lines: Iterable[str], out: TextIO = sys.stdout, prompt: bool = False) -> None:
    """Answer each command line until the input ends."""
    if prompt:
        if not service.corpus.articles:
            out.write(f"WARNING: the corpus folder {service.settings.corpus_dir} holds no articles yet.\n")
        out.write(f"storybot: {len(service.corpus.articles)} articles. Type {service.settings.prefix}help.\n> ")
        out.flush()
    session = ConsoleSession(service)
    for line in lines:
        answer = session.execute(line)
        if answer:
            out.write(answer + "\n")
        if prompt:
            out.write("> ")
        out.flush()
