"""Where settings come from, checked before they are used: the config file, the `STORYBOT_*` variables, the token.

Each check raises ConfigError with one line naming the file or the variable; `setting_source` names where a value
came from, so a wrong value is reported against the variable or file that holds it.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from bot.core.operations import OperatorError, os_reason

ENV_PREFIX = "STORYBOT_"
ENV_NESTED = "__"
TOKEN_VARIABLE = "DISCORD_TOKEN"
# The command-line options that set a top-level key.
OPTIONS = {"corpus_dir": "--corpus", "state_dir": "--state"}
# What a bot token is made of (three base64url parts joined by dots); anything else is a copy-and-paste accident.
TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9._-]+")


class ConfigError(OperatorError):
    """Settings that cannot be used; the message names the file or variable, the key and what is wrong."""


def read_config_file(path: Path, *, explicit: bool) -> dict[str, object]:
    """The config file's table ({} when the default file is absent); a UTF-8 byte-order mark is accepted."""
    if not path.exists():
        if explicit:
            raise ConfigError(f"{path}: config file not found")
        return {}
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder, not a config file")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: the config file cannot be read: {os_reason(error)}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 text (byte {error.start} is {raw[error.start]:#04x})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    if "discord_token" in data or "token" in data:
        raise ConfigError(f"{path}: the token must not be in a file; set the {TOKEN_VARIABLE} environment variable")
    return data


def storybot_environment() -> dict[str, str]:
    """The `STORYBOT_*` variables, in any case (pydantic-settings reads them case-insensitively), as they are named."""
    return {name: value for name, value in os.environ.items() if name.upper().startswith(ENV_PREFIX)}


def _as_named(environment: Mapping[str, str]) -> dict[str, str]:
    """Upper-cased name → the name as it is set (`storybot_state_dir` is reported as the operator wrote it)."""
    return {name.upper(): name for name in environment}


def check_environment(environment: Mapping[str, str], fields: Mapping[str, bool]) -> None:
    """Refuse unknown, empty and malformed `STORYBOT_*` variables; `fields` maps each key to whether it is a table.

    An empty variable (docker-compose's `${UNSET}`) would otherwise mean "the current folder" or fail later with
    a message that does not name it; an unknown one (a typo) would be ignored and the default used silently.
    """
    known = [ENV_PREFIX + name.upper() for name in fields]
    for name, value in sorted(environment.items()):
        key = name[len(ENV_PREFIX) :].lower()
        upper = name.upper()
        top, _, rest = key.partition(ENV_NESTED)
        if top not in fields:
            raise ConfigError(f"{name}: unknown setting{_unknown_hint(upper, key, known)}")
        if not value.strip():
            raise ConfigError(f"{name} is set but empty: give it a value, or unset it to use the default")
        table = fields[top]
        if rest and not table:
            raise ConfigError(f"{name}: {top} is not a table, so it has no key {rest!r}")
        if rest and ENV_NESTED in rest:
            raise ConfigError(f"{name}: the keys of [{top}] hold values, not tables")
        if table and not rest:
            _check_table_json(name, top, value)


def _unknown_hint(name: str, key: str, known: list[str]) -> str:
    if "token" in key:
        return f" (the token is read from {TOKEN_VARIABLE} only)"
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{hint}; the settings are the keys of config.example.toml, e.g. {ENV_PREFIX}STATE_DIR"


def _check_table_json(name: str, table: str, value: str) -> None:
    shown = value if len(value) <= 40 else value[:37] + "..."
    example = f"{ENV_PREFIX}{table.upper()}{ENV_NESTED}KEY=value"
    try:
        parsed = json.loads(value)
    except ValueError:
        raise ConfigError(
            f"{name}: not a JSON object of [{table}] keys (got {shown!r}); set one key with {example}"
        ) from None
    if not isinstance(parsed, dict):
        raise ConfigError(f"{name}: must be a JSON object of [{table}] keys (got {shown!r}); or set {example}")


def setting_source(
    location: tuple[int | str, ...], overrides: Mapping[str, object], environment: Mapping[str, str], file: str | None
) -> str:
    """Where the value at `location` (`("search", "results")`) came from: an option, a variable, the file."""
    if not location:
        return file or "settings"
    top = str(location[0])
    if top in overrides:
        return OPTIONS.get(top, f"the {top} argument")
    named = _as_named(environment)
    variable = ENV_PREFIX + top.upper()
    if len(location) > 1 and (nested := f"{variable}{ENV_NESTED}{str(location[1]).upper()}") in named:
        return named[nested]
    if variable in named:
        return named[variable]
    return file or "settings"


def setting_origins(
    fields: Mapping[str, bool],
    overrides: Mapping[str, object],
    environment: Mapping[str, str],
    file: str | None,
    data: Mapping[str, object],
) -> dict[str, str]:
    """For each top-level key, where its value came from: `--corpus`, `STORYBOT_CORPUS_DIR`, the file, the default."""
    origins = {}
    named = _as_named(environment)
    for key in fields:
        variable = ENV_PREFIX + key.upper()
        nested = [named[name] for name in sorted(named) if name.startswith(variable + ENV_NESTED)]
        if key in overrides:
            origins[key] = OPTIONS.get(key, f"the {key} argument")
        elif variable in named or nested:
            origins[key] = named.get(variable) or nested[0]
        elif key in data and file:
            origins[key] = f"{key} in {file}"
        else:
            origins[key] = "the default"
    return origins


def discord_token() -> str | None:
    """The bot token from DISCORD_TOKEN without surrounding whitespace (as `$(cat file)` leaves a line break).

    None when unset or blank. Raises ConfigError, never showing the token, when it holds anything a token never
    does: a space or line break inside (`Bot …`, two lines), quotes (an `--env-file` keeps them), other characters.
    """
    raw = os.environ.get(TOKEN_VARIABLE)
    if raw is None or not raw.strip():
        return None
    token = raw.strip()
    if TOKEN_CHARACTERS.fullmatch(token):
        return token
    if token.lower().startswith("bot "):
        problem = "starts with 'Bot ': set it to the token alone"
    elif token[0] in "'\"" or token[-1] in "'\"":
        problem = "is wrapped in quotes (an --env-file or compose file keeps them literally): remove them"
    elif any(character.isspace() for character in token):
        problem = "holds a space or line break inside: set it to the one-line token from the developer portal"
    else:
        problem = "holds characters a token never has (only letters, digits, '.', '_' and '-'): copy it again"
    raise ConfigError(f"{TOKEN_VARIABLE} {problem}")
