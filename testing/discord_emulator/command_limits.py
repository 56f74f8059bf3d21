"""Discord's limits on application commands, checked on bulk overwrite (`PUT .../commands`)."""

from __future__ import annotations

import re
from typing import Any

from .limits import Problem

CHAT_INPUT, USER, MESSAGE = 1, 2, 3
MAX_CHAT_INPUT, MAX_CONTEXT_MENU = 100, 5
MAX_OPTIONS, MAX_CHOICES, MAX_NAME, MAX_DESCRIPTION, MAX_TOTAL_CHARS = 25, 25, 32, 100, 4000
NAME = re.compile(r"^[-_'\w]{1,32}$")
SUBCOMMAND, GROUP = 1, 2


def _name_problems(path: str, name: Any, *, chat_input: bool) -> list[Problem]:
    if not isinstance(name, str) or not name:
        return [Problem(path, "This field is required", "BASE_TYPE_REQUIRED")]
    if len(name) > MAX_NAME:
        return [Problem(path, f"Must be between 1 and {MAX_NAME} in length.", "BASE_TYPE_BAD_LENGTH")]
    if chat_input and (not NAME.match(name) or name != name.lower()):
        return [
            Problem(
                path,
                f"Command name is invalid: {name!r} (1–32 lowercase letters, digits, - _ ')",
                "APPLICATION_COMMAND_INVALID_NAME",
            )
        ]
    return []


def _description_problems(path: str, description: Any) -> list[Problem]:
    length = len(description) if isinstance(description, str) else 0
    if not 1 <= length <= MAX_DESCRIPTION:
        return [Problem(path, f"Must be between 1 and {MAX_DESCRIPTION} in length.", "BASE_TYPE_BAD_LENGTH")]
    return []


def _chars(item: dict[str, Any]) -> int:
    """Characters Discord counts toward the 4,000 per command: names, descriptions, choice names and values."""
    total = len(item.get("name") or "") + len(item.get("description") or "")
    for choice in item.get("choices") or []:
        total += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    return total + sum(_chars(option) for option in item.get("options") or [])


def _option_problems(options: list[dict[str, Any]], path: str, depth: int) -> list[Problem]:
    problems: list[Problem] = []
    if len(options) > MAX_OPTIONS:
        problems.append(Problem(path, f"Must be {MAX_OPTIONS} or fewer in length."))
    names = [option.get("name") for option in options]
    if len(set(names)) != len(names):
        problems.append(Problem(path, "Option names must be unique", "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS"))
    seen_optional = False
    for i, option in enumerate(options):
        at = f"{path}.{i}"
        problems += _name_problems(f"{at}.name", option.get("name"), chat_input=True)
        problems += _description_problems(f"{at}.description", option.get("description"))
        kind = option.get("type")
        if kind in (SUBCOMMAND, GROUP):
            if depth >= 2 or (kind == GROUP and depth >= 1):
                problems.append(
                    Problem(f"{at}.type", "Subcommands nested too deep", "APPLICATION_COMMAND_OPTION_TYPE_INVALID")
                )
            problems += _option_problems(list(option.get("options") or []), f"{at}.options", depth + 1)
            continue
        if option.get("required"):
            if seen_optional:
                problems.append(
                    Problem(
                        f"{at}.required",
                        "Required options must be placed before non-required options",
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    )
                )
        else:
            seen_optional = True
        choices = option.get("choices") or []
        if len(choices) > MAX_CHOICES:
            problems.append(Problem(f"{at}.choices", f"Must be {MAX_CHOICES} or fewer in length."))
        if choices and option.get("autocomplete"):
            problems.append(
                Problem(
                    f"{at}.autocomplete",
                    "Autocomplete cannot be set with choices",
                    "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                )
            )
        for j, choice in enumerate(choices):
            name = choice.get("name")
            if not isinstance(name, str) or not 1 <= len(name) <= 100:
                problems.append(
                    Problem(f"{at}.choices.{j}.name", "Must be between 1 and 100 in length.", "BASE_TYPE_BAD_LENGTH")
                )
            if isinstance(choice.get("value"), str) and len(choice["value"]) > 100:
                problems.append(Problem(f"{at}.choices.{j}.value", "Must be 100 or fewer in length."))
    return problems


def command_problems(commands: list[dict[str, Any]]) -> list[Problem]:
    """Every limit a bulk overwrite breaks: counts, unique names, name/description/option rules, 4,000 characters."""
    problems: list[Problem] = []
    if not isinstance(commands, list):
        return [Problem("_root", "Must be an array", "BASE_TYPE_ARRAY")]
    by_type: dict[int, list[str]] = {}
    for i, command in enumerate(commands):
        kind = int(command.get("type", CHAT_INPUT))
        chat_input = kind == CHAT_INPUT
        by_type.setdefault(kind, []).append(command.get("name"))
        problems += _name_problems(f"{i}.name", command.get("name"), chat_input=chat_input)
        if chat_input:
            problems += _description_problems(f"{i}.description", command.get("description"))
            problems += _option_problems(list(command.get("options") or []), f"{i}.options", 0)
            if _chars(command) > MAX_TOTAL_CHARS:
                problems.append(
                    Problem(
                        f"{i}", f"Command exceeds maximum size ({MAX_TOTAL_CHARS})", "APPLICATION_COMMAND_TOO_LARGE"
                    )
                )
        elif command.get("description"):
            problems.append(
                Problem(f"{i}.description", "Context menu commands cannot have a description", "BASE_TYPE_BAD_LENGTH")
            )
    for kind, names in by_type.items():
        limit = MAX_CHAT_INPUT if kind == CHAT_INPUT else MAX_CONTEXT_MENU
        if len(names) > limit:
            problems.append(
                Problem("_root", f"Must be {limit} or fewer commands of type {kind}.", "BASE_TYPE_MAX_LENGTH")
            )
        if len(set(names)) != len(names):
            problems.append(
                Problem("_root", "Application command names must be unique", "APPLICATION_COMMANDS_DUPLICATE_NAME")
            )
    return problems
