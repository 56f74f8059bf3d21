"""Discord's limits on what a bot sends: messages, embeds, components, autocomplete choices, modals, mentions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
MAX_FIELDS, MAX_FIELD_NAME, MAX_FIELD_VALUE = 25, 256, 1024
MAX_FOOTER, MAX_AUTHOR = 2048, 256
MAX_ROWS, MAX_PER_ROW, MAX_CUSTOM_ID, MAX_BUTTON_LABEL = 5, 5, 100, 80
MAX_SELECT_OPTIONS, MAX_SELECT_PLACEHOLDER = 25, 150
MAX_CHOICES, MAX_CHOICE_NAME, MAX_CHOICE_VALUE = 25, 100, 100
MAX_MODAL_TITLE, MAX_TEXT_INPUT_LABEL, MAX_TEXT_INPUT_VALUE = 45, 45, 4000
MAX_FILES = 10
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})
IS_COMPONENTS_V2 = 1 << 15


@dataclass(frozen=True)
class Problem:
    """One broken limit: where (a dotted path into the payload), Discord's error code name and message."""

    path: str
    message: str
    code: str = "BASE_TYPE_MAX_LENGTH"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def form_error(problems: list[Problem]) -> dict[str, Any]:
    """Discord's 50035 "Invalid Form Body" answer, errors nested by path."""
    errors: dict[str, Any] = {}
    for problem in problems:
        node = errors
        for part in problem.path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": problem.code, "message": problem.message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}


def _too_long(path: str, value: Any, limit: int, *, minimum: int = 0) -> list[Problem]:
    if value is None:
        return [Problem(path, "This field is required", "BASE_TYPE_REQUIRED")] if minimum else []
    length = len(str(value))
    if length > limit:
        return [Problem(path, f"Must be {limit} or fewer in length.")]
    if length < minimum:
        return [Problem(path, f"Must be between {minimum} and {limit} in length.", "BASE_TYPE_BAD_LENGTH")]
    return []


def embed_problems(embeds: list[dict[str, Any]], path: str = "embeds") -> list[Problem]:
    """At most 10 embeds; per-field lengths; at most 6,000 characters across all of them."""
    problems: list[Problem] = []
    if len(embeds) > MAX_EMBEDS:
        problems.append(Problem(path, f"Must be {MAX_EMBEDS} or fewer in length."))
    total = 0
    for i, embed in enumerate(embeds):
        at = f"{path}.{i}"
        for key, limit in EMBED_LIMITS.items():
            problems += _too_long(f"{at}.{key}", embed.get(key), limit)
            total += len(str(embed.get(key) or ""))
        fields = embed.get("fields") or []
        if len(fields) > MAX_FIELDS:
            problems.append(Problem(f"{at}.fields", f"Must be {MAX_FIELDS} or fewer in length."))
        for j, item in enumerate(fields):
            problems += _too_long(f"{at}.fields.{j}.name", item.get("name"), MAX_FIELD_NAME, minimum=1)
            problems += _too_long(f"{at}.fields.{j}.value", item.get("value"), MAX_FIELD_VALUE, minimum=1)
            total += len(str(item.get("name") or "")) + len(str(item.get("value") or ""))
        footer, author = embed.get("footer") or {}, embed.get("author") or {}
        problems += _too_long(f"{at}.footer.text", footer.get("text"), MAX_FOOTER)
        problems += _too_long(f"{at}.author.name", author.get("name"), MAX_AUTHOR)
        total += len(str(footer.get("text") or "")) + len(str(author.get("name") or ""))
    if total > MAX_EMBED_TOTAL:
        problems.append(Problem(path, f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL} ({total})."))
    return problems


def _component_problems(component: dict[str, Any], at: str, seen: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    kind = component.get("type")
    custom_id = component.get("custom_id")
    if custom_id is not None:
        problems += _too_long(f"{at}.custom_id", custom_id, MAX_CUSTOM_ID, minimum=1)
        if custom_id in seen:
            problems.append(
                Problem(f"{at}.custom_id", "Component custom id cannot be duplicated", "COMPONENT_CUSTOM_ID_DUPLICATED")
            )
        seen.add(custom_id)
    if kind == 2:
        problems += _too_long(f"{at}.label", component.get("label"), MAX_BUTTON_LABEL)
        link = component.get("style") == 5
        if link and not component.get("url"):
            problems.append(Problem(f"{at}.url", "This field is required", "BASE_TYPE_REQUIRED"))
        if not link and component.get("style") != 6 and custom_id is None:
            problems.append(Problem(f"{at}.custom_id", "This field is required", "BASE_TYPE_REQUIRED"))
    elif kind in SELECT_TYPES:
        problems += _too_long(f"{at}.placeholder", component.get("placeholder"), MAX_SELECT_PLACEHOLDER)
        options = component.get("options") or []
        if kind == 3 and not 1 <= len(options) <= MAX_SELECT_OPTIONS:
            problems.append(
                Problem(
                    f"{at}.options", f"Must be between 1 and {MAX_SELECT_OPTIONS} in length.", "BASE_TYPE_BAD_LENGTH"
                )
            )
        for k, option in enumerate(options):
            problems += _too_long(f"{at}.options.{k}.label", option.get("label"), 100, minimum=1)
            problems += _too_long(f"{at}.options.{k}.value", option.get("value"), 100, minimum=1)
            problems += _too_long(f"{at}.options.{k}.description", option.get("description"), 100)
    elif kind == 4:
        problems += _too_long(f"{at}.label", component.get("label"), MAX_TEXT_INPUT_LABEL)
        problems += _too_long(f"{at}.value", component.get("value"), MAX_TEXT_INPUT_VALUE)
        problems += _too_long(f"{at}.placeholder", component.get("placeholder"), 100)
    return problems


def component_problems(
    components: list[dict[str, Any]], path: str = "components", *, v2: bool = False
) -> list[Problem]:
    """At most 5 action rows of at most 5 buttons (or one select), custom ids of 1–100 unique characters."""
    problems: list[Problem] = []
    seen: set[str] = set()
    if v2:  # Components V2 layouts: only the per-component checks.
        stack = [(c, f"{path}.{i}") for i, c in enumerate(components)]
        while stack:
            component, at = stack.pop()
            problems += _component_problems(component, at, seen)
            stack += [(c, f"{at}.components.{j}") for j, c in enumerate(component.get("components") or [])]
        return problems
    if len(components) > MAX_ROWS:
        problems.append(Problem(path, f"Must be {MAX_ROWS} or fewer in length."))
    for i, row in enumerate(components):
        at = f"{path}.{i}"
        if row.get("type") != 1:
            problems.append(Problem(f"{at}.type", "Top-level components must be action rows", "UNION_TYPE_CHOICES"))
            continue
        children = row.get("components") or []
        if not 1 <= len(children) <= MAX_PER_ROW:
            problems.append(
                Problem(f"{at}.components", f"Must be between 1 and {MAX_PER_ROW} in length.", "BASE_TYPE_BAD_LENGTH")
            )
        if any(c.get("type") in SELECT_TYPES for c in children) and len(children) > 1:
            problems.append(
                Problem(
                    f"{at}.components",
                    "A select menu must be alone in its action row",
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                )
            )
        for j, child in enumerate(children):
            problems += _component_problems(child, f"{at}.components.{j}", seen)
    return problems


def message_problems(message: dict[str, Any], *, file_count: int = 0) -> list[Problem]:
    """Every limit a message create/edit breaks (content, embeds, components, number of files)."""
    problems = _too_long("content", message.get("content"), MAX_CONTENT)
    problems += embed_problems(list(message.get("embeds") or []))
    v2 = bool(int(message.get("flags") or 0) & IS_COMPONENTS_V2)
    problems += component_problems(list(message.get("components") or []), v2=v2)
    if file_count > MAX_FILES:
        problems.append(Problem("files", f"Must be {MAX_FILES} or fewer in length."))
    return problems


def is_empty(message: dict[str, Any], *, file_count: int = 0) -> bool:
    """No content, embeds, files, components, stickers or poll: Discord's 50006 "Cannot send an empty message"."""
    keys = ("embeds", "components", "sticker_ids", "poll", "attachments")
    return not (message.get("content") or file_count or any(message.get(key) for key in keys))


def autocomplete_problems(data: dict[str, Any]) -> list[Problem]:
    """At most 25 choices, names of 1–100 characters, string values of at most 100."""
    choices = data.get("choices")
    if choices is None:
        return [Problem("data.choices", "This field is required", "BASE_TYPE_REQUIRED")]
    problems = []
    if len(choices) > MAX_CHOICES:
        problems.append(Problem("data.choices", f"Must be {MAX_CHOICES} or fewer in length."))
    for i, choice in enumerate(choices):
        problems += _too_long(f"data.choices.{i}.name", choice.get("name"), MAX_CHOICE_NAME, minimum=1)
        if isinstance(choice.get("value"), str):
            problems += _too_long(f"data.choices.{i}.value", choice["value"], MAX_CHOICE_VALUE)
    return problems


def modal_problems(data: dict[str, Any]) -> list[Problem]:
    """A title of 1–45 characters, a custom id, 1–5 rows of text inputs."""
    problems = _too_long("data.title", data.get("title"), MAX_MODAL_TITLE, minimum=1)
    problems += _too_long("data.custom_id", data.get("custom_id"), MAX_CUSTOM_ID, minimum=1)
    rows = data.get("components") or []
    if not 1 <= len(rows) <= MAX_ROWS:
        problems.append(Problem("data.components", "Must be between 1 and 5 in length.", "BASE_TYPE_BAD_LENGTH"))
    seen: set[str] = set()
    for i, row in enumerate(rows):
        for j, child in enumerate(row.get("components") or [row]):
            problems += _component_problems(child, f"data.components.{i}.components.{j}", seen)
    return problems


def mention_problem(message: dict[str, Any]) -> str | None:
    """Why this message may ping someone (the project rule: every send pings nobody), or None when it cannot."""
    allowed = message.get("allowed_mentions")
    if allowed is None:
        return "no allowed_mentions: Discord pings whatever the content mentions (@everyone included)"
    pings = []
    if allowed.get("parse"):
        pings.append(f"parse={allowed['parse']}")
    for key in ("users", "roles"):
        if allowed.get(key):
            pings.append(f"{key}={allowed[key]}")
    if allowed.get("replied_user") and message.get("message_reference"):
        pings.append("replied_user=true")
    return f"allowed_mentions lets the message ping: {', '.join(pings)}" if pings else None
