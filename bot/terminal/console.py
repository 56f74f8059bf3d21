"""The terminal front-end: the same commands as on Discord (`!who said border czar`), answered as plain text.

The commands are bot/core/commands.py's that the terminal has; each has one handler here (`HANDLERS`). The
terminal's user is the operator, so the moderator commands are theirs too: `reload`, `article add PATH|URL`,
`article replace PATH`, `article remove ID`, and `report [days]` (every server's). A change that would remove or
change several articles shows its plan and waits for the same command with `confirm` after it.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from answers.engine import Hit, NoMatch, SearchResult
from answers.sources import Verdict
from bot.core.changes import ChangePlan, ChangeReport, CorpusRefused, NeedsConfirmation
from bot.core.claims import claim_of
from bot.core.commands import BY_NAME, terminal_commands, terminal_help
from bot.core.passage_context import PassageGone
from bot.core.presenting import (
    ask_for_words,
    citation_parts,
    no_match_sentence,
    source_summary,
)
from bot.core.questions import Question
from bot.core.safe_text import visible
from bot.core.service import StoryService
from bot.core.source_replies import NO_WORDS
from bot.terminal.answer_text import bold, render_context, render_finding, render_result
from bot.terminal.report import console_report
from corpus.files import UploadRefused

if TYPE_CHECKING:
    from corpus.web_import import WebArticle

CONFIRM = "confirm"
Change = Callable[[frozenset[str]], Awaitable[str]]


@dataclass
class PendingChange:
    """A change that showed its plan and waits for the same command line with `confirm` after it."""

    command_line: str
    plan: ChangePlan


@dataclass
class ConsoleSession:
    """Runs console commands for one terminal user; remembers the last question for `more`."""

    service: StoryService
    last_question: Question | None = None
    last_offset: int = 0
    last_has_more: bool = False
    pending: PendingChange | None = None
    last_shown: dict[int, Hit] = field(default_factory=dict)  # the last answer's passages by number, for `context`

    @property
    def prefix(self) -> str:
        """The command prefix (`!` by default; typing it is optional in the terminal)."""
        return self.service.settings.prefix

    def execute(self, line: str) -> str:
        """Run one command line (with or without the prefix) and return the text to print."""
        line = line.strip()
        if line.startswith(self.prefix):
            line = line[len(self.prefix) :].lstrip()
        if not line:
            return ""
        name, rest = _command_of(line)
        handler = HANDLERS.get(name)
        if handler is not None:
            return handler(self, rest)
        command = BY_NAME.get(name)
        if command is None:
            return f"Unknown command `{visible(line.split()[0])}`. Type `{self.prefix}help` for the list."
        subcommands = [
            f"`{self.prefix}{other.name}`" for other in terminal_commands() if other.name.startswith(name + " ")
        ]
        if subcommands:
            return f"`{self.prefix}{name}` is followed by what to do: {', '.join(subcommands)}."
        return f"`{self.prefix}{name}` is a Discord command only: {command.not_in_terminal}."

    def who(self, rest: str) -> str:
        """`who said <words>`."""
        question = Question.typed(rest, who=True)
        if question.empty:
            return ask_for_words(f"{self.prefix}who said border czar")
        return self._answer(question)

    def ask(self, rest: str) -> str:
        """`ask <question>`."""
        question = Question.typed(rest)
        if question.empty:
            return f"Ask something, for example `{self.prefix}ask who said border czar`."
        return self._answer(question)

    def more(self, rest: str) -> str:
        """`more`: the next page of the last answer."""
        if self.last_question is None:
            return "Ask something first; `more` shows the next passages of the last answer."
        if not self.last_has_more:
            return f"No more passages: that was the last page for “{visible(self.last_question.text)}”."
        return self._answer(self.last_question, offset=self.last_offset)

    def _answer(self, question: Question, offset: int = 0) -> str:
        limit = self.service.settings.search.results
        result = self.service.ask(question, limit, offset)
        if offset == 0:
            self.last_shown = {}
        self.last_shown.update(enumerate(result.hits, start=offset + 1))
        self.last_question = question
        self.last_offset = offset + len(result.hits)
        self.last_has_more = result.has_more
        note = f"({question.cut_note})\n" if question.was_cut and offset == 0 else ""
        return note + render_result(result, self.service.settings.search.snippet_chars, context_hint=True)

    def context(self, rest: str) -> str:
        """`context N`: the paragraphs around passage N of the last answer."""
        if not self.last_shown:
            return f"Ask something first; `{self.prefix}context N` shows the paragraphs around passage N of the answer."
        low, high = min(self.last_shown), max(self.last_shown)
        shown = f"passage {low}" if low == high else f"passages {low}–{high}"
        if not rest:
            return f"Which passage? For example `{self.prefix}context {low}` (the last answer showed {shown})."
        try:
            number = int(rest.strip().removeprefix("#"))
        except ValueError:
            return f"`{visible(rest)}` is not a passage number: the last answer showed {shown}."
        hit = self.last_shown.get(number)
        if hit is None:
            return f"The last answer has no passage {number}: it showed {shown}."
        try:
            context = self.service.context(hit.article.id, hit.paragraph.number, hit.paragraph.text)
        except PassageGone as gone:
            return str(gone)
        return render_context(context, number)

    def findsource(self, rest: str) -> str:
        """`findsource <message>`: where a pasted message comes from."""
        claim = claim_of(rest)
        if claim.empty:
            return f"{NO_WORDS} For example `{self.prefix}findsource “say it to my face” — Kamala Harris`."
        finding = self.service.find_source(claim, self.service.settings.search.results)
        if finding.verdict is Verdict.NO_ARTICLES:
            return no_match_sentence(SearchResult(claim.text, (), no_match=NoMatch.NO_ARTICLES))
        self.last_question, self.last_has_more = None, False
        self.last_shown = {number: judged.hit for number, judged in enumerate(finding.shown, start=1)}
        return "\n".join(render_finding(claim, finding, self.service.settings.search.snippet_chars, bold))

    def sources(self, rest: str) -> str:
        """`sources`: the story's articles."""
        articles = self.service.corpus.articles
        lines = [f"The story has {len(articles)} articles:"]
        for article in articles:
            described = " — ".join(citation_parts(article, len(article.paragraphs))[:-1])
            lines.append(f"- {visible(described)} [{article.id}]")
        return "\n".join(lines)

    def source(self, name: str) -> str:
        """`source <article>`: one article's details."""
        if not name:
            return f"Which article? `{self.prefix}sources` lists them."
        found = self.service.find_articles(name)
        if not found:
            return f"No article matches `{visible(name)}`. `{self.prefix}sources` lists them."
        return "\n".join(map(visible, source_summary(found[0])))

    def help(self, rest: str) -> str:
        """`help`: the command list."""
        return terminal_help(self.prefix)

    def report(self, rest: str) -> str:
        """`report [days]`: what members of every server could not find (the terminal's own questions are not
        recorded: it has no server)."""
        return console_report(self.service.settings, rest)

    def reload(self, rest: str) -> str:
        """`reload [confirm]`."""
        if rest and rest.lower() != CONFIRM:
            return f"`{self.prefix}reload` takes nothing, or `{CONFIRM}` after it showed what it would remove."

        async def change(confirmed: frozenset[str]) -> str:
            report = await self.service.reload(confirmed=confirmed)
            return f"Reloaded in {report.seconds:.2f} s: {report.summary}"

        return self._change("reload", rest, change)

    def article_add(self, rest: str) -> str:
        """`article add <file or address> [confirm]`."""
        target, confirming = _split_confirm(rest)
        if not target:
            return f"Add what? `{self.prefix}article add <file path or web address>`."
        if target.lower().startswith(("http://", "https://")):
            return self._change(f"article add {target}", confirming, self._add_link(target))
        return self._change(f"article add {target}", confirming, self._add_file(target, replace=False))

    def article_replace(self, rest: str) -> str:
        """`article replace <file> [confirm]`."""
        target, confirming = _split_confirm(rest)
        if not target:
            return f"Replace with what? `{self.prefix}article replace <file path>`."
        return self._change(f"article replace {target}", confirming, self._add_file(target, replace=True))

    def article_remove(self, rest: str) -> str:
        """`article remove <id or file name> [confirm]`."""
        target, confirming = _split_confirm(rest)
        if not target:
            return f"Remove what? `{self.prefix}article remove <id>` (`{self.prefix}sources` lists the ids)."

        async def change(confirmed: frozenset[str]) -> str:
            report, kept = await self.service.remove_article(target, confirmed=confirmed)
            return f"{_changed('Removed', report)}\nThe previous version of the file is kept as {kept}."

        return self._change(f"article remove {target}", confirming, change)

    def _add_file(self, target: str, *, replace: bool) -> Change:
        path = Path(target).expanduser()

        async def change(confirmed: frozenset[str]) -> str:
            try:
                data = await asyncio.to_thread(_read_upload, path, self.service.settings.max_file_bytes)
            except OSError as error:
                raise UploadRefused(f"{path}: cannot be read: {error.strerror or error}") from None
            report = await self.service.add_article(path.name, data, replace=replace, confirmed=confirmed)
            return _changed("Replaced" if replace else "Added", report)

        return change

    def _add_link(self, url: str) -> Change:
        # Imported here: fetching pages (aiohttp, trafilatura) costs a quarter of a second of every start-up else.
        from bot.core.article_links import add_link_article

        async def change(confirmed: frozenset[str]) -> str:
            async def save(article: WebArticle) -> ChangeReport:
                return await self.service.add_article(
                    article.file_name, article.data, replace=True, confirmed=confirmed
                )

            added = await add_link_article(self.service, url, save)
            if added is None:  # only a cancelled confirmation gives None; the terminal confirms by typing instead
                return "Nothing changed."
            return f"{_changed(added.verb, added.report)}\n{added.article_id}: {visible(added.article.title)}"

        return change

    def _change(self, command_line: str, confirming: str, change: Change) -> str:
        """Run a change; one that needs confirmation shows its plan, and the same line with `confirm` goes ahead
        with exactly what was shown (planned again if the corpus changed meanwhile)."""
        pending, self.pending = self.pending, None
        if confirming and (pending is None or pending.command_line != command_line):
            asks = "asks first when it would remove or change several articles"
            return f"Nothing to confirm: `{self.prefix}{command_line}` {asks}."
        confirmed = pending.plan.going if confirming and pending else frozenset()
        try:
            return asyncio.run(change(confirmed))
        except NeedsConfirmation as needed:
            self.pending = PendingChange(command_line, needed.plan)
            return (
                f"{needed.plan.summary}\nNothing changed yet; type `{self.prefix}{command_line} {CONFIRM}` to go ahead."
            )
        except UploadRefused as refused:
            return f"Not changed: {refused}"
        except CorpusRefused as refused:
            return f"{refused}\nThe previous index keeps serving."


HANDLERS: dict[str, Callable[[ConsoleSession, str], str]] = {
    "who": ConsoleSession.who,
    "ask": ConsoleSession.ask,
    "more": ConsoleSession.more,
    "context": ConsoleSession.context,
    "findsource": ConsoleSession.findsource,
    "sources": ConsoleSession.sources,
    "source": ConsoleSession.source,
    "help": ConsoleSession.help,
    "reload": ConsoleSession.reload,
    "report": ConsoleSession.report,
    "article add": ConsoleSession.article_add,
    "article replace": ConsoleSession.article_replace,
    "article remove": ConsoleSession.article_remove,
}
ALIASES = {alias: command.name for command in terminal_commands() for alias in command.aliases}


def _command_of(line: str) -> tuple[str, str]:
    """The command a line names (its first word, or first two for a group like `article add`) and the rest."""
    first, _, rest = line.partition(" ")
    name = ALIASES.get(first.lower(), first.lower())
    second, _, after = rest.strip().partition(" ")
    if f"{name} {second.lower()}" in BY_NAME:
        return f"{name} {second.lower()}", after.strip()
    return name, rest.strip()


def _split_confirm(rest: str) -> tuple[str, str]:
    """(the argument, `confirm` or "") of `<argument> [confirm]`."""
    words = rest.rsplit(maxsplit=1)
    if len(words) == 2 and words[1].lower() == CONFIRM:
        return words[0], CONFIRM
    return rest.strip(), ""


def _read_upload(path: Path, max_bytes: int) -> bytes:
    """A file's bytes for `article add`, read no further than one byte past the size cap (the service refuses it)."""
    with path.open("rb") as handle:
        return handle.read(max_bytes + 1)


def _changed(verb: str, report: ChangeReport) -> str:
    return f"{verb} in {report.seconds:.2f} s: {report.summary}"


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
