"""Every command of storybot, once: its name, what it does, who may use it, and where it exists.

The Discord cogs take their names, descriptions and aliases from here (`discord_options`), the terminal dispatches
on it and writes its help from it, and Discord's `help` reads the audience from it. A test checks that the Discord
commands, the slash commands and the terminal's handlers are exactly those listed here, so a command added in one
place and forgotten in another fails the suite. A command missing from a surface says why (`not_on_discord`,
`not_in_terminal`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.core.settings import MAX_RESULTS, MIN_RESULTS


class Audience(Enum):
    """Who may use a command, in the words help shows (the checks themselves are bot/discord/permissions.py)."""

    EVERYONE = "everyone"
    MODERATORS = "moderators"
    ADMINS = "admins (Manage Server)"

    @property
    def suffix(self) -> str:
        """What a command's description says of its audience: "" for everyone, else ` (moderators)` and the like."""
        return "" if self is Audience.EVERYONE else f" ({'Manage Server' if self is Audience.ADMINS else self.value})"


@dataclass(frozen=True)
class CommandSpec:
    """One command. `name` is its qualified name (`article add`); `terminal` is its terminal usage after the name
    (`<path or address>`, "" for none), or None when the terminal does not have it, saying why in `not_in_terminal`.
    On Discord a command is a prefix command and, unless `not_slash` says why not, a slash command too; a
    `context_menu` is the name of its message context menu (Apps → name), which Discord shows without a description.
    """

    name: str
    summary: str
    audience: Audience = Audience.EVERYONE
    aliases: tuple[str, ...] = ()
    prefix_usage: str | None = None  # the prefix form's arguments when discord.py's own signature reads badly
    terminal: str | None = ""
    not_in_terminal: str = ""
    not_on_discord: str = ""
    terminal_summary: str = ""  # what the terminal's help says, when it differs from Discord's
    not_slash: str = ""
    context_menu: str = ""

    @property
    def on_discord(self) -> bool:
        """Whether Discord has the command (as a prefix and, for most, a slash command)."""
        return not self.not_on_discord

    @property
    def slash(self) -> bool:
        """Whether the command has a slash form."""
        return self.on_discord and not self.not_slash

    @property
    def in_terminal(self) -> bool:
        """Whether the terminal has the command."""
        return self.terminal is not None


NO_SERVER = "its settings are per server, and the terminal has no server"
MODERATOR, ADMIN = Audience.MODERATORS, Audience.ADMINS

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "who",
        "Who said it? Finds the passage that quotes these words.",
        prefix_usage="said <words>",
        terminal="said <words>",
    ),
    CommandSpec("ask", "The passages that best answer a question.", aliases=("search",), terminal="<question>"),
    CommandSpec(
        "more",
        "The next passages of the last answer.",
        aliases=("next",),
        not_on_discord="on Discord, the More passages button under an answer pages",
    ),
    CommandSpec(
        "context",
        "The paragraphs around a passage of the last answer.",
        terminal="<passage number>",
        not_on_discord="on Discord, the Context menu under an answer shows the paragraphs around a passage",
    ),
    CommandSpec(
        "findsource",
        "Where does a message come from? Finds its quotation in the story.",
        aliases=("source?",),
        prefix_usage="(as a reply to the message)",
        context_menu="Find the source",
        not_slash="a slash command cannot point at a message: Apps → Find the source on the message is its form",
        terminal="<message text>",
        terminal_summary="Where does a pasted message come from? Finds its quotation in the story.",
    ),
    CommandSpec("sources", "The articles of the story."),
    CommandSpec("source", "One article's details and link.", terminal="<article>"),
    CommandSpec("help", "What storybot can do."),
    CommandSpec("reload", "Rescan the corpus folder and rebuild the index.", MODERATOR, terminal="[confirm]"),
    CommandSpec(
        "article",
        "Add, replace or remove articles.",
        MODERATOR,
        terminal=None,
        not_in_terminal="a group: its subcommands are the commands",
    ),
    CommandSpec(
        "article add",
        "Add an article from an attached file or its web address.",
        MODERATOR,
        terminal="<file or address> [confirm]",
        terminal_summary="Add an article from a file or its web address.",
    ),
    CommandSpec(
        "article replace",
        "Replace an article with an attached file.",
        MODERATOR,
        terminal="<file> [confirm]",
        terminal_summary="Replace an article with a file of the same name.",
    ),
    CommandSpec(
        "article remove",
        "Move an article (or a whole file) to the trash and reindex.",
        MODERATOR,
        terminal="<id or file> [confirm]",
    ),
    CommandSpec(
        "report",
        "Questions that found nothing, and the answers with the most 👎, over the last days.",
        MODERATOR,
        prefix_usage="[days]",
        terminal="[days]",
        terminal_summary="The same, for every server whose members' feedback this bot keeps.",
    ),
    CommandSpec("config", "The bot's settings for this server.", ADMIN, terminal=None, not_in_terminal=NO_SERVER),
    CommandSpec("config show", "Show this server's settings.", ADMIN, terminal=None, not_in_terminal=NO_SERVER),
    CommandSpec(
        "config channels",
        "Which channels the bot answers in (empty: all).",
        ADMIN,
        terminal=None,
        not_in_terminal=NO_SERVER,
    ),
    CommandSpec(
        "config channels add",
        "Answer in this channel (the allow-list starts when not empty).",
        ADMIN,
        terminal=None,
        not_in_terminal=NO_SERVER,
    ),
    CommandSpec(
        "config channels remove",
        "Stop answering in this channel (deleted ones too).",
        ADMIN,
        terminal=None,
        not_in_terminal=NO_SERVER,
    ),
    CommandSpec(
        "config channels clear",
        "Empty the list: answer in every channel again.",
        ADMIN,
        terminal=None,
        not_in_terminal=NO_SERVER,
    ),
    CommandSpec(
        "config channels list", "The channels the bot answers in.", ADMIN, terminal=None, not_in_terminal=NO_SERVER
    ),
    CommandSpec(
        "config modrole", "Roles whose members count as moderators.", ADMIN, terminal=None, not_in_terminal=NO_SERVER
    ),
    CommandSpec(
        "config modrole add",
        "Members with this role can reload and manage articles.",
        ADMIN,
        terminal=None,
        not_in_terminal=NO_SERVER,
    ),
    CommandSpec(
        "config modrole remove",
        "This role no longer makes its members moderators (deleted too).",
        ADMIN,
        terminal=None,
        not_in_terminal=NO_SERVER,
    ),
    CommandSpec(
        "config modrole clear",
        "No moderator roles: only Manage Server moderates.",
        ADMIN,
        terminal=None,
        not_in_terminal=NO_SERVER,
    ),
    CommandSpec(
        "config results",
        f"How many passages an answer shows ({MIN_RESULTS}–{MAX_RESULTS}).",
        ADMIN,
        terminal=None,
        not_in_terminal=NO_SERVER,
    ),
    CommandSpec(
        "config prefix", "The prefix of text commands, e.g. ! or ?", ADMIN, terminal=None, not_in_terminal=NO_SERVER
    ),
)
BY_NAME: dict[str, CommandSpec] = {spec.name: spec for spec in COMMANDS}


def spec(name: str) -> CommandSpec:
    """The command of this qualified name (KeyError for a name not in the table: a programming error)."""
    return BY_NAME[name]


def discord_options(name: str) -> dict[str, object]:
    """Keyword arguments for discord.py's command decorators: the last word of the name, the description, the
    aliases, and the prefix usage where one is set."""
    command = spec(name)
    if not command.on_discord:
        raise ValueError(f"`{name}` is not a Discord command: {command.not_on_discord}")
    description = command.summary.removesuffix(".") + command.audience.suffix + "."
    options: dict[str, object] = {"name": name.split()[-1], "description": description}
    if command.aliases:
        options["aliases"] = list(command.aliases)
    if command.prefix_usage:
        options["usage"] = command.prefix_usage
    return options


def context_menus() -> list[CommandSpec]:
    """The commands that have a message context menu, in the table's order."""
    return [command for command in COMMANDS if command.context_menu]


def terminal_commands() -> list[CommandSpec]:
    """The commands the terminal has, in the table's order."""
    return [command for command in COMMANDS if command.in_terminal]


def terminal_help(prefix: str) -> str:
    """The terminal's command list, written from the table."""
    lines = ["Commands:"]
    for command in terminal_commands():
        usage = f"{prefix}{command.name} {command.terminal}".strip()
        also = f" (also {', '.join(prefix + alias for alias in command.aliases)})" if command.aliases else ""
        summary = command.terminal_summary or command.summary
        lines.append(f"  {usage:<42} {summary}{also} ({command.audience.value})")
    return "\n".join(lines)
