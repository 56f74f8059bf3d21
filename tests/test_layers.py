"""Every import points down the stack: storage → corpus → index → quotations → answers → evaluation → bot's core →
its settings store → its Discord layer → the terminal (the command line, which also starts Discord). The library
packages never import discord; Discord code never imports the terminal. Read from the source, so a new module is
checked the day it is added."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LAYERS = [
    ("storage",),
    ("corpus",),
    ("index",),
    ("quotations",),
    ("answers",),
    ("evaluation",),
    ("bot.core",),
    ("bot.store", "bot.database_errors"),
    ("bot.discord",),
    ("bot.terminal", "bot.__main__"),
]
LIBRARIES = {"storage", "corpus", "index", "quotations", "answers", "evaluation"}


def layer_of(module: str) -> int | None:
    """The position in LAYERS of a project module (None for anything else: the standard library, packages)."""
    for position, prefixes in enumerate(LAYERS):
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return position
    return None


def modules() -> dict[str, Path]:
    """Every module of the product, by dotted name."""
    found = {}
    for prefixes in LAYERS:
        for prefix in prefixes:
            base = REPO / Path(*prefix.split("."))
            for path in [*base.rglob("*.py"), base.with_suffix(".py")]:
                if path.is_file():
                    name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
                    found[name] = path
    return found


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in a file, those under `if TYPE_CHECKING:` included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_every_import_points_down_the_stack() -> None:
    wrong = []
    for name, path in modules().items():
        own = layer_of(name)
        for line, target in imports_of(path):
            theirs = layer_of(target)
            if theirs is not None and own is not None and theirs > own:
                wrong.append(f"{path.relative_to(REPO)}:{line}: {name} imports {target}, a layer above it")
    assert not wrong, "\n".join(wrong)


def test_the_libraries_never_import_discord() -> None:
    wrong = [
        f"{path.relative_to(REPO)}:{line}: imports {target}"
        for name, path in modules().items()
        if name.split(".")[0] in LIBRARIES
        for line, target in imports_of(path)
        if target == "discord" or target.startswith("discord.")
    ]
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_the_whole_product() -> None:
    names = modules()
    assert {"answers.engine", "index.paragraphs", "bot.core.service", "bot.discord.app", "bot.terminal.cli"} <= set(
        names
    )
    assert layer_of("bot.discord.cogs.asking") > layer_of("bot.core.service") > layer_of("answers.engine")
