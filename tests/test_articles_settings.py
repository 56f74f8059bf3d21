"""`[articles]` settings: private hosts refused unless switched on (file or environment), limits checked."""

from pathlib import Path

import pytest

from bot.core.settings import ConfigError, load_settings


def test_private_hosts_are_refused_by_default_and_the_example_documents_every_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings().articles.allow_private_hosts is False
    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    settings = load_settings(example)
    assert settings.articles.allow_private_hosts is False
    text = example.read_text(encoding="utf-8").split("[articles]", 1)[1]
    for key in type(settings.articles).model_fields:
        assert f"\n{key} = " in text, f"config.example.toml [articles] does not document {key}"


def test_the_environment_switches_private_hosts_on_for_tests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORYBOT_ARTICLES__ALLOW_PRIVATE_HOSTS", "true")
    limits = load_settings().articles.fetch_limits()
    assert limits.allow_private_hosts is True and limits.max_redirects == 5 and limits.exempt_addresses == frozenset()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[articles]\nallow_private_hosts = "maybe"\n', "articles.allow_private_hosts"),
        ("[articles]\ntimeout_seconds = 0\n", "articles.timeout_seconds"),
        ("[articles]\nmax_redirects = 50\n", "articles.max_redirects"),
        ("[articles]\nmax_page_bytes = 10\n", "articles.max_page_bytes"),
        ("[articles]\nallow_privat_hosts = true\n", "articles.allow_privat_hosts: unknown key"),
    ],
)
def test_a_wrong_articles_setting_is_named(tmp_path: Path, text: str, key: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_settings(config)
