"""`python -m bot …`: ask, console, index build/info, run (Discord with a token, else the console), sync, eval."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from answers.engine import SearchResult
from bot.core.operations import EXIT_INTERRUPTED, OperatorError
from bot.core.presenting import no_match_sentence, no_quote_sentence
from bot.core.questions import Question
from bot.core.service import StoryService
from bot.core.settings import Settings, discord_token, load_settings
from bot.terminal.answer_text import render_result
from bot.terminal.console import run_console
from bot.terminal.report import add_report_parser

log = logging.getLogger("storybot")


MAX_LIMIT = 100


def folder_argument(text: str) -> Path:
    """A folder given on the command line; an empty one (`--corpus ""`, an unset shell variable) is refused."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; give a folder (an empty path would mean the current folder)")
    return Path(text)


def file_argument(text: str) -> Path:
    """A file given on the command line; an empty name is refused."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; give a file")
    return Path(text)


def limit_argument(text: str) -> int:
    """How many passages `ask` prints: a whole number from 1 to MAX_LIMIT."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_LIMIT} (got {text!r})") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_LIMIT} (got {value})")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface; every subcommand takes --config, --corpus and --state."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", type=file_argument, metavar="FILE", help="settings file (default: ./config.toml if present)"
    )
    common.add_argument(
        "--corpus", type=folder_argument, metavar="DIR", help="folder of article files (default: bundled story)"
    )
    common.add_argument("--state", type=folder_argument, metavar="DIR", help="where the index and the database live")

    parser = argparse.ArgumentParser(prog="python -m bot", description="storybot: where did that quote come from?")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser("ask", parents=[common], help="answer one question and exit")
    ask.add_argument("question", help='for example "who said border czar"')
    ask.add_argument("--json", action="store_true", help="print the hits as JSON")
    ask.add_argument("--who", action="store_true", help="who said it: passages quoting the words first, with speakers")
    ask.add_argument(
        "--limit",
        type=limit_argument,
        default=None,
        help=f"passages, 1–{MAX_LIMIT} (default: [search] results)",
    )

    commands.add_parser("console", parents=[common], help="read commands like '!who said border czar' from stdin")
    run = commands.add_parser(
        "run", parents=[common], help="start the Discord bot (or the console when no token is set)"
    )
    run.add_argument(
        "--discord",
        action="store_true",
        help="Discord only: stop with an error without DISCORD_TOKEN (the image's CMD)",
    )
    commands.add_parser("sync", parents=[common], help="force a slash-command sync with Discord")
    add_report_parser(commands, common)
    commands.add_parser(
        "health", parents=[common], help="this process's shards, their latency and the database; exit 0 when healthy"
    )

    index = commands.add_parser("index", help="build or describe the saved index")
    index_commands = index.add_subparsers(dest="index_command", required=True, metavar="ACTION")
    build = index_commands.add_parser("build", parents=[common], help="build and save the index")
    build.add_argument("--force", action="store_true", help="rebuild even when the saved index matches")
    index_commands.add_parser("info", parents=[common], help="describe the corpus and the saved index")

    evaluate = commands.add_parser("eval", parents=[common], help="measure retrieval on a BEIR-layout data set")
    evaluate.add_argument(
        "dataset", type=folder_argument, help="folder with corpus.jsonl, queries.jsonl, qrels/test.tsv"
    )
    evaluate.add_argument("--run", type=file_argument, metavar="FILE", help="also write the ranking in TREC run format")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the config file and environment, with the command line's folders on top."""
    return load_settings(args.config, corpus_dir=args.corpus, state_dir=args.state)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status.

    The one place where known problems become one line: an OperatorError (bad settings, a missing folder, a full
    or read-only state disk, a damaged database, Discord unreachable or refusing the token) prints `error: …`
    and exits with its status (2: fix something; 1: try again later); Ctrl-C exits 130 without a traceback.
    Anything else is a bug and keeps its traceback.
    """
    settings: Settings | None = None
    try:
        args = build_parser().parse_args(argv)
        settings = settings_from(args)
        logging.basicConfig(
            level=settings.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        return run_command(args, settings)
    except OperatorError as error:
        print(f"error: {operator_line(error, settings)}", file=sys.stderr)
        return error.exit_status
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`| head`): nothing more to say, and nowhere to say it
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def operator_line(error: OperatorError, settings: Settings | None) -> str:
    """The error's line, with where the setting it concerns came from (`corpus_dir, set by STORYBOT_CORPUS_DIR`)."""
    origin = settings.origin(error.setting) if settings is not None and error.setting else None
    line = " ".join(str(error).splitlines())  # one line, whatever a library put in a reason
    if origin is None:
        return line
    return f"{line} ({error.setting}: {origin if origin == 'the default' else f'set by {origin}'})"


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run the parsed subcommand with loaded settings; the exit status (OperatorError for known problems)."""
    if args.command == "health":
        from bot.terminal.health import check_health

        healthy, lines = check_health(settings)
        print("\n".join(lines))
        return 0 if healthy else 1
    if args.command == "report":
        from bot.terminal.report import run_report

        return run_report(settings, args.days, args.guild, args.export)
    if args.command == "eval":
        from bot.terminal.evaluate import run_evaluation

        return run_evaluation(settings, args.dataset, args.run)
    if args.command == "index":
        from bot.terminal.index_commands import build_index, describe_index

        return build_index(settings, args.force) if args.index_command == "build" else describe_index(settings)
    if args.command in {"run", "sync"}:
        token = discord_token()
        if token is not None:
            from bot.discord.launch import run_discord

            return run_discord(settings, open_service(settings), token, sync_only=args.command == "sync")
        if args.command == "sync":
            raise OperatorError("DISCORD_TOKEN is not set: set it to sync slash commands with Discord")
        if args.discord:
            raise OperatorError(
                "DISCORD_TOKEN is not set (or blank), and `run --discord` serves Discord only: set it to the bot's "
                "token (README: Running with a token); for the terminal, run `python -m bot console`"
            )
    if args.command == "ask" and not args.question.strip():
        raise OperatorError('the question is empty: ask something, for example `python -m bot ask "border czar"`')

    service = open_service(settings)
    if args.command == "ask":
        limit = args.limit or settings.search.results
        result = service.ask(Question.typed(args.question, who=args.who), limit)
        if args.json:
            print(json.dumps(result_as_json(result, settings.search.snippet_chars), ensure_ascii=False, indent=2))
        else:
            print(render_result(result, settings.search.snippet_chars))
        return 0
    if args.command == "run":
        print(f"No DISCORD_TOKEN set, so storybot runs in this terminal on {settings.corpus_dir} (type !help).")
    run_console(service, sys.stdin, prompt=sys.stdin.isatty())
    return 0


def open_service(settings: Settings) -> StoryService:
    """Load the corpus and its index, showing a progress bar on a terminal for large corpora."""
    from bot.terminal.index_commands import progress_bar

    with progress_bar() as progress:
        return StoryService.open(settings, progress)


def result_as_json(result: SearchResult, snippet_chars: int) -> dict[str, object]:
    """The `ask --json` document: the query and its hits with their citations; with `--who`, `quote_found`, and on
    each hit inside a quotation its `quote` and `speaker` (null when the article does not say)."""
    hits: list[dict[str, object]] = []
    for hit in result.hits:
        entry: dict[str, object] = {
            "article_id": hit.article.id,
            "title": hit.article.title,
            "published": hit.article.published.isoformat() if hit.article.published else None,
            "url": hit.article.url,
            "paragraph": hit.paragraph.number,
            "score": round(hit.score, 6),
            "text": hit.paragraph.text,
            "snippet": hit.snippet(snippet_chars),
        }
        if hit.quote is not None:
            entry["speaker"] = hit.quote.speaker
            entry["quote"] = hit.quote.text
        hits.append(entry)
    payload: dict[str, object] = {"query": result.query, "hits": hits}
    if result.quote_found is not None:
        payload["quote_found"] = result.quote_found
    if not result.hits:
        payload["message"] = no_match_sentence(result)
    elif fallback := no_quote_sentence(result):
        payload["message"] = fallback
    return payload
