"""Typed settings: `config.toml` (or `--config FILE`) plus `STORYBOT_*` environment variables.

The Discord token is deliberately not a setting of the file: it is read only from the `DISCORD_TOKEN` environment
variable (see `DiscordCredentials`), so it can never be committed with a config file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, InitSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from answers.coverage import AnswerRule, CutRule
from answers.engine import EngineSettings
from bot.core.database_url import has_password, url_problem
from bot.core.prefix_rules import Prefix
from bot.core.settings_sources import (
    ConfigError,
    check_environment,
    discord_token,
    read_config_file,
    setting_origins,
    setting_source,
    storybot_environment,
)
from index.bm25 import BM25Params
from index.tokenizer import TokenizerSettings

if TYPE_CHECKING:
    from corpus.web_fetch import FetchLimits

__all__ = ["ConfigError", "Settings", "discord_token", "load_settings"]

BUNDLED_CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "story"
DEFAULT_CONFIG_FILE = Path("config.toml")
SECRET_KEYS = {"database.url"}  # values never repeated in an error line


MIN_RESULTS, MAX_RESULTS = 1, 10
PassagesPerAnswer = Annotated[int, Field(ge=MIN_RESULTS, le=MAX_RESULTS, description="passages per answer page")]


class SearchSettings(BM25Params, TokenizerSettings):
    """How answers are searched for and shown (`[search]` in config.toml).

    The index's own parameters are its own models' fields, inherited with their rules and defaults: BM25's
    (`variant`, `k1`, `b`, `epsilon`, `delta`: index/bm25.py) and the tokenizer's (`stemming`, `stop_words`:
    index/tokenizer.py). The rest says how answers are chosen (answers/coverage.py) and shown.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    results: PassagesPerAnswer = 3
    snippet_chars: int = Field(350, ge=80, le=900, description="longest snippet shown for one passage")
    max_pages: int = Field(5, ge=1, le=20, description="how many pages the 'more' button can reach")
    # "Found nothing relevant" when the first passage holds less than this share of the question's idf mass and
    # fewer than `enough_terms` of its words (answers/coverage.py AnswerRule; 0 = off). Not part of the index.
    min_coverage: float = Field(0.35, ge=0, le=1)
    enough_terms: int = Field(3, ge=0, le=20, description="a first passage holding this many words is never refused")
    # Passages far weaker than the best are not shown (answers/coverage.py CutRule; 0 = off).
    cut_score_ratio: float = Field(0.5, ge=0, le=1)
    cut_coverage_ratio: float = Field(0.25, ge=0, le=1)
    plain_bm25: bool = Field(False, description="words as typed, no cut: the benchmarks' reference")

    def bm25_params(self) -> BM25Params:
        """The BM25 parameters these settings select."""
        return BM25Params(**{name: getattr(self, name) for name in BM25Params.model_fields})

    def tokenizer_settings(self) -> TokenizerSettings:
        """The tokenizer settings these settings select."""
        return TokenizerSettings(**{name: getattr(self, name) for name in TokenizerSettings.model_fields})

    def engine_settings(self) -> EngineSettings:
        """The engine settings (index and answer policy) these settings select."""
        return EngineSettings(
            self.tokenizer_settings(),
            self.bm25_params(),
            read_questions=not self.plain_bm25,
            answer_rule=AnswerRule(self.min_coverage, self.enough_terms),
            cut=CutRule(self.cut_score_ratio, self.cut_coverage_ratio) if not self.plain_bm25 else CutRule(),
        )


class DiscordSettings(BaseModel):
    """Discord-only behaviour (`[discord]` in config.toml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dev_guild_id: int | None = Field(None, description="sync slash commands to this guild only (instant)")
    cooldown_asks: int = Field(5, ge=1, le=100, description="asks a member may make per cooldown window")
    cooldown_seconds: float = Field(30.0, gt=0, le=3600)
    guild_cooldown_asks: int = Field(60, ge=1, le=10_000, description="asks a whole server may make per window")
    guild_cooldown_seconds: float = Field(60.0, gt=0, le=3600)
    page_timeout_seconds: float = Field(300.0, ge=5, le=3600, description="how long the 'more' button works")
    # Sharding (bot/core/shards.py): the cluster's number of shards, and the ones this process runs (default: all).
    shard_count: int | None = Field(None, ge=1, le=65_536, description="the cluster's total number of shards")
    shard_ids: tuple[int, ...] | None = Field(None, description="the shards this process runs, e.g. [0, 1]")

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _comma_separated(cls, ids: object) -> object:
        """`STORYBOT_DISCORD__SHARD_IDS=0,1` as well as `[0, 1]`."""
        if isinstance(ids, str) and ids.strip() and not ids.strip().startswith("["):
            return [part.strip() for part in ids.split(",")]
        return ids

    @field_validator("shard_ids")
    @classmethod
    def _shards_within_count(cls, ids: tuple[int, ...] | None, info: ValidationInfo) -> tuple[int, ...] | None:
        if ids is None:
            return None
        count = info.data.get("shard_count")
        if count is None:
            raise ValueError("needs [discord] shard_count too (the whole cluster's number of shards)")
        if not ids:
            raise ValueError("is empty: list the shards this process runs, e.g. [0, 1], or leave it out for all")
        if repeated := sorted({shard for shard in ids if ids.count(shard) > 1}):
            raise ValueError(f"lists shard {repeated[0]} more than once")
        if outside := [shard for shard in ids if not 0 <= shard < count]:
            raise ValueError(f"shard {outside[0]} is outside 0–{count - 1} (shard_count is {count})")
        return tuple(sorted(ids))


class DatabaseSettings(BaseModel):
    """Where per-guild settings and the moderation log live (`[database]` in config.toml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # None: the SQLite file in the state folder (one process). postgresql://user@host:port/dbname: PostgreSQL.
    # A SecretStr: the URL may carry a password (from the environment), which no repr or log line may show.
    url: SecretStr | None = Field(None, description="postgresql://user@host:port/dbname; unset: SQLite")

    @field_validator("url")
    @classmethod
    def _postgresql_url(cls, url: SecretStr | None) -> SecretStr | None:
        text = url.get_secret_value().strip() if url is not None else ""
        if not text:
            return None
        problem = url_problem(text)
        if problem:
            raise ValueError(problem)
        return SecretStr(text)


class ArticlesSettings(BaseModel):
    """Fetching articles by link, `article add <url>` (`[articles]` in config.toml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Only for tests and a trusted local setup: lets the bot fetch from loopback and private addresses.
    allow_private_hosts: bool = False
    timeout_seconds: float = Field(20.0, gt=0, le=120, description="whole fetch, redirects included")
    max_page_bytes: int = Field(5_000_000, ge=10_000, le=50_000_000, description="largest page, decompressed")
    max_redirects: int = Field(5, ge=0, le=10)

    def fetch_limits(self) -> FetchLimits:
        """The limits one fetch runs under."""
        from corpus.web_fetch import FetchLimits  # aiohttp: imported only where a page is fetched

        return FetchLimits(self.timeout_seconds, self.max_page_bytes, self.max_redirects, self.allow_private_hosts)


class FeedbackSettings(BaseModel):
    """What members could not find (`[feedback]` in config.toml): 👍 / 👎 under answers, the questions that found
    nothing, and how long they are kept (README: What members could not find)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="vote buttons under answers, and questions that found nothing, recorded")
    retention_days: int = Field(90, ge=1, le=3650, description="days questions and votes are kept, then purged")


class Settings(BaseSettings):
    """Every setting of the bot except the token; see config.example.toml for each key."""

    model_config = SettingsConfigDict(
        env_prefix="STORYBOT_", env_nested_delimiter="__", extra="forbid", frozen=True, validate_default=True
    )

    corpus_dir: Path = BUNDLED_CORPUS
    state_dir: Path = Path("state")
    prefix: Prefix = "!"
    max_file_bytes: int = Field(1_000_000, ge=1_000, le=50_000_000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    search: SearchSettings = SearchSettings()
    discord: DiscordSettings = DiscordSettings()
    database: DatabaseSettings = DatabaseSettings()
    articles: ArticlesSettings = ArticlesSettings()
    feedback: FeedbackSettings = FeedbackSettings()
    _origins: dict[str, str] = PrivateAttr(default_factory=dict)

    @field_validator("corpus_dir", "state_dir", mode="before")
    @classmethod
    def _a_folder_is_named(cls, value: object) -> object:
        """An empty path is a mistake (an unset variable, a blank line in a file), never "the current folder"."""
        if isinstance(value, str) and not value.strip():
            raise ValueError("is empty; give a folder (an empty path would mean the current folder)")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        """`debug` means DEBUG, as in most tools."""
        return value.strip().upper() if isinstance(value, str) else value

    def origin(self, key: str) -> str | None:
        """Where a top-level setting came from (`--corpus`, `STORYBOT_CORPUS_DIR`, `corpus_dir in config.toml`,
        `the default`), for error lines; None for settings not made by `load_settings`."""
        return self._origins.get(key)


class DiscordCredentials(BaseSettings):
    """The bot token, from the `DISCORD_TOKEN` environment variable only; required, no default."""

    model_config = SettingsConfigDict(extra="ignore")

    token: SecretStr = Field(validation_alias="DISCORD_TOKEN", min_length=1)

    @field_validator("token", mode="before")
    @classmethod
    def _without_surrounding_whitespace(cls, value: object) -> object:
        """`$(cat token.txt)` and editors leave a line break; a token never has whitespace around it."""
        return value.strip() if isinstance(value, str) else value


def load_settings(config_file: Path | None = None, **overrides: object) -> Settings:
    """Read settings from `config_file` (default `./config.toml` when present), the environment and `overrides`.

    Raises ConfigError with one line naming the file, variable or option, the wrong key and why.
    """
    explicit = config_file is not None
    path = config_file if explicit else DEFAULT_CONFIG_FILE
    given = {key: value for key, value in overrides.items() if value is not None}
    fields = {name: _is_table(field.annotation) for name, field in Settings.model_fields.items()}
    environment = storybot_environment()
    check_environment(environment, fields)
    data = read_config_file(path, explicit=explicit)
    file = str(path) if data or explicit else None
    refuse_database_password(path, data)

    class _FileSettings(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return init_settings, env_settings, InitSettingsSource(settings_cls, init_kwargs=data)

    try:
        loaded = _FileSettings(**given)
    except ValidationError as error:
        raise ConfigError(
            describe_validation_error(error, lambda loc: setting_source(loc, given, environment, file))
        ) from None
    except SettingsError as error:  # a variable pydantic-settings could not parse that check_environment let pass
        raise ConfigError(f"settings from the environment: {error}") from None
    settings = Settings.model_validate(loaded.model_dump())
    settings._origins = setting_origins(fields, given, environment, file, data)
    if settings.state_dir.resolve() == settings.corpus_dir.resolve():
        raise ConfigError(
            f"the state folder ({settings.origin('state_dir')}) and the corpus folder "
            f"({settings.origin('corpus_dir')}) are the same folder, {settings.state_dir}: the bot's own files "
            "would be read as articles; give the state its own folder"
        )
    return settings


def refuse_database_password(path: Path, data: dict[str, object]) -> None:
    """A database password is a secret: never in a file that may be committed (PGPASSWORD or the environment)."""
    database = data.get("database")
    url = database.get("url") if isinstance(database, dict) else None
    if isinstance(url, str) and not url_problem(url.strip()) and has_password(url.strip()):
        raise ConfigError(
            f"{path}: database.url must not hold a password in a file; set PGPASSWORD (or put the whole URL in "
            "STORYBOT_DATABASE__URL) in the environment"
        )


def _is_table(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def describe_validation_error(error: ValidationError, source: Callable[[tuple[int | str, ...]], str]) -> str:
    """One line for every wrong key: `config.toml: search.results: must be ≤ 10 (got 50)`, the file or variable
    that holds each value first (`source` names it from the key's location)."""
    parts = []
    for problem in error.errors():
        location = tuple(problem["loc"])
        key = ".".join(str(part) for part in location)
        reason = problem["msg"]
        if problem["type"] == "extra_forbidden":
            reason = "unknown key (see config.example.toml for the keys there are)"
        if problem["type"] == "value_error":
            reason = reason.removeprefix("Value error, ")
        if problem["type"] == "path_type":
            reason = "must be a path, written as a string"
        got = problem.get("input")
        secret = key in SECRET_KEYS  # the message says what is wrong without echoing a password
        hidden = secret or problem["type"] in {"extra_forbidden", "missing"} or isinstance(got, dict)
        shown = "" if hidden else f" (got {got!r})"
        parts.append(f"{source(location)}: {key + ': ' if key else ''}{reason}{shown}")
    return "; ".join(parts)
