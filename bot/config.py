"""Typed settings: `config.toml` (or `--config FILE`) plus `STORYBOT_*` environment variables.

The Discord token is deliberately not a setting of the file: it is read only from the `DISCORD_TOKEN` environment
variable (see `DiscordCredentials`), so it can never be committed with a config file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from corpus.web_fetch import FetchLimits
from index.bm25 import BM25Params
from index.coverage import AnswerRule, CutRule
from index.engine import EngineSettings
from index.tokenizer import TokenizerSettings

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "story"
DEFAULT_CONFIG_FILE = Path("config.toml")


class ConfigError(Exception):
    """Settings that cannot be used; the message names the file, the key and what is wrong."""


class SearchSettings(BaseModel):
    """How answers are searched for and shown (`[search]` in config.toml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    results: int = Field(3, ge=1, le=10, description="passages per answer page")
    snippet_chars: int = Field(350, ge=80, le=900, description="longest snippet shown for one passage")
    max_pages: int = Field(5, ge=1, le=20, description="how many pages the 'more' button can reach")
    variant: Literal["okapi", "plus", "l"] = "okapi"
    # Chosen on the development sets of bench/protocol.py (figures: config.example.toml, bench/results/protocol.md).
    k1: float = Field(0.9, gt=0, le=5)
    b: float = Field(0.4, ge=0, le=1)
    epsilon: float = Field(0.25, ge=0, le=1)
    delta: float | None = Field(None, ge=0, le=5)
    stemming: bool = True
    stop_words: bool = True
    # "Found nothing relevant" when the first passage holds less than this share of the question's idf mass and
    # fewer than `enough_terms` of its words (index/coverage.py AnswerRule; 0 = off). Not part of the index.
    min_coverage: float = Field(0.35, ge=0, le=1)
    enough_terms: int = Field(3, ge=0, le=20, description="a first passage holding this many words is never refused")
    # Passages far weaker than the best are not shown (index/coverage.py CutRule; 0 = off).
    cut_score_ratio: float = Field(0.5, ge=0, le=1)
    cut_coverage_ratio: float = Field(0.25, ge=0, le=1)
    plain_bm25: bool = Field(False, description="words as typed, no cut: the benchmarks' reference")

    def bm25_params(self) -> BM25Params:
        """The BM25 parameters these settings select."""
        return BM25Params(variant=self.variant, k1=self.k1, b=self.b, epsilon=self.epsilon, delta=self.delta)

    def engine_settings(self) -> EngineSettings:
        """The engine settings (index and answer policy) these settings select."""
        return EngineSettings(
            self.tokenizer_settings(),
            self.bm25_params(),
            read_questions=not self.plain_bm25,
            answer_rule=AnswerRule(self.min_coverage, self.enough_terms),
            cut=CutRule(self.cut_score_ratio, self.cut_coverage_ratio) if not self.plain_bm25 else CutRule(),
        )

    def tokenizer_settings(self) -> TokenizerSettings:
        """The tokenizer settings these settings select."""
        return TokenizerSettings(stemming=self.stemming, stop_words=self.stop_words)


class DiscordSettings(BaseModel):
    """Discord-only behaviour (`[discord]` in config.toml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dev_guild_id: int | None = Field(None, description="sync slash commands to this guild only (instant)")
    cooldown_asks: int = Field(5, ge=1, le=100, description="asks a member may make per cooldown window")
    cooldown_seconds: float = Field(30.0, gt=0, le=3600)
    guild_cooldown_asks: int = Field(60, ge=1, le=10_000, description="asks a whole server may make per window")
    guild_cooldown_seconds: float = Field(60.0, gt=0, le=3600)
    page_timeout_seconds: float = Field(300.0, ge=5, le=3600, description="how long the 'more' button works")


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
        return FetchLimits(self.timeout_seconds, self.max_page_bytes, self.max_redirects, self.allow_private_hosts)


class Settings(BaseSettings):
    """Every setting of the bot except the token; see config.example.toml for each key."""

    model_config = SettingsConfigDict(
        env_prefix="STORYBOT_", env_nested_delimiter="__", extra="forbid", frozen=True, validate_default=True
    )

    corpus_dir: Path = BUNDLED_CORPUS
    state_dir: Path = Path("state")
    prefix: str = Field("!", min_length=1, max_length=5, pattern=r"^\S+$")
    max_file_bytes: int = Field(1_000_000, ge=1_000, le=50_000_000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    search: SearchSettings = SearchSettings()
    discord: DiscordSettings = DiscordSettings()
    articles: ArticlesSettings = ArticlesSettings()


class DiscordCredentials(BaseSettings):
    """The bot token, from the `DISCORD_TOKEN` environment variable only; required, no default."""

    model_config = SettingsConfigDict(extra="ignore")

    token: SecretStr = Field(validation_alias="DISCORD_TOKEN", min_length=1)


def load_settings(config_file: Path | None = None, **overrides: object) -> Settings:
    """Read settings from `config_file` (default `./config.toml` when present), the environment and `overrides`.

    Raises ConfigError with one message naming the file, the wrong key and why.
    """
    explicit = config_file is not None
    path = config_file if explicit else DEFAULT_CONFIG_FILE
    if explicit and not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    data: dict[str, object] = {}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path}: not valid TOML: {error}") from error
        if "discord_token" in data or "token" in data:
            raise ConfigError(f"{path}: the token must not be in a file; set the DISCORD_TOKEN environment variable")

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
            sources = [init_settings, env_settings]
            if path.is_file():
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
            return tuple(sources)

    try:
        settings = _FileSettings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error, path if path.is_file() else None)) from error
    return Settings.model_validate(settings.model_dump())


def describe_validation_error(error: ValidationError, path: Path | None) -> str:
    """One readable line per wrong key: `config.toml: search.results: must be ≤ 10 (got 50)`."""
    lines = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        reason = problem["msg"]
        if problem["type"] == "extra_forbidden":
            reason = "unknown key (see config.example.toml for the keys there are)"
        got = problem.get("input")
        shown = "" if problem["type"] in {"extra_forbidden", "missing"} or isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"{key}: {reason}{shown}")
    where = f"{path}: " if path else "settings: "
    return where + "; ".join(lines)
