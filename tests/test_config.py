"""Settings: defaults, config.toml, environment variables, and one clear message for a wrong key."""

from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.core.settings import BUNDLED_CORPUS, ConfigError, DiscordCredentials, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_serve_the_bundled_story(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.corpus_dir == BUNDLED_CORPUS
    assert settings.search.results == 3
    assert settings.prefix == "!"


def test_the_example_config_is_valid_and_documents_every_key() -> None:
    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    settings = load_settings(example)
    text = example.read_text(encoding="utf-8")
    for key, field in type(settings).model_fields.items():
        assert key in text, f"config.example.toml does not mention {key}"
        table = getattr(settings, key)
        if isinstance(table, BaseModel):
            assert f"[{key}]" in text, f"config.example.toml has no [{key}] table"
            for nested in type(table).model_fields:
                assert nested in text, f"config.example.toml does not mention {key}.{nested}"
        elif field.default is not None and not isinstance(field.default, Path):
            assert f"{key} = " in text, f"config.example.toml does not show {key}'s default"


def test_file_values_and_environment_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path, 'prefix = "?"\n[search]\nresults = 5\n')
    assert load_settings(config).search.results == 5
    monkeypatch.setenv("STORYBOT_SEARCH__RESULTS", "7")
    settings = load_settings(config)
    assert settings.search.results == 7
    assert settings.prefix == "?"


def test_command_line_folders_win(tmp_path: Path) -> None:
    config = write(tmp_path, 'state_dir = "from-file"\n')
    settings = load_settings(config, state_dir=tmp_path / "cli", corpus_dir=None)
    assert settings.state_dir == tmp_path / "cli"
    assert settings.corpus_dir == BUNDLED_CORPUS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[search]\nresults = 50\n", "search.results"),
        ("resluts = 3\n", "resluts: unknown key"),
        ('log_level = "LOUD"\n', "log_level"),
        ("[search]\nk1 = -1\n", "search.k1"),
        ("[discord]\ncooldown_asks = 0\n", "discord.cooldown_asks"),
    ],
)
def test_a_wrong_key_is_named_in_one_message(tmp_path: Path, text: str, expected: str) -> None:
    config = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert str(config) in message
    assert expected in message
    assert "\n" not in message


def test_broken_toml_and_missing_file_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "results = \n"))
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_a_token_in_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        load_settings(write(tmp_path, 'discord_token = "abc"\n'))


def test_the_token_comes_from_the_environment_and_stays_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    credentials = DiscordCredentials()
    assert credentials.token.get_secret_value() == "secret-token-value"
    assert "secret-token-value" not in repr(credentials)
    assert "secret-token-value" not in str(credentials)
