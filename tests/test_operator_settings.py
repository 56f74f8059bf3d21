"""An operator's mistakes in folders, settings, variables and arguments: one `error:` line naming the cause and the
setting (option, variable or file), a non-zero exit, no traceback, and nothing written anywhere."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from discord.http import Route

from bot.core.settings import BUNDLED_CORPUS
from bot.terminal.cli import main

REPO = Path(__file__).resolve().parent.parent

COMMANDS_THAT_LOAD_THE_CORPUS = [
    ["ask", "border czar"],
    ["console"],
    ["run"],
    ["run", "--discord"],
    ["index", "build"],
    ["index", "info"],
]


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No STORYBOT_* variable or token from the developer's shell; the current folder is an empty one, so that
    anything written into "the current folder" is seen. Discord, if ever reached, is a closed local port."""
    for name in list(os.environ):
        if name.upper().startswith("STORYBOT_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(Route, "BASE", "http://127.0.0.1:9/api/v10")
    return cwd


def error_line(capsys: pytest.CaptureFixture[str], args: list[str], status: int = 2) -> str:
    """Run the CLI, check it failed with `status` and one `error:` line and no traceback; return that line."""
    assert main(args) == status
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert lines and lines[-1].startswith("error: "), captured.err
    assert not [line for line in lines if line.startswith("error: ")][:-1], "exactly one error line"
    return lines[-1]


def usage_error(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    """argparse's refusal of an argument: exit status 2 and its `error: argument …` line."""
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("command", COMMANDS_THAT_LOAD_THE_CORPUS, ids=" ".join)
@pytest.mark.parametrize("where", ["option", "variable", "config file"])
@pytest.mark.parametrize("kind", ["missing", "a file"])
def test_a_missing_or_non_folder_corpus_is_one_line_naming_it_and_its_setting(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    where: str,
    kind: str,
) -> None:
    corpus = tmp_path / "articles"
    if kind == "a file":
        corpus.write_text("not a folder", encoding="utf-8")
    state = tmp_path / "state"
    args = [*command, "--state", str(state)]
    if where == "option":
        args += ["--corpus", str(corpus)]
        named = "set by --corpus"
    elif where == "variable":
        monkeypatch.setenv("STORYBOT_CORPUS_DIR", str(corpus))
        named = "set by STORYBOT_CORPUS_DIR"
    else:
        config = tmp_path / "config.toml"
        config.write_text(f"corpus_dir = {json.dumps(str(corpus))}\n", encoding="utf-8")
        args += ["--config", str(config)]
        named = f"set by corpus_dir in {config}"
    monkeypatch.setenv("DISCORD_TOKEN", "x") if command == ["run", "--discord"] else None

    line = error_line(capsys, args)

    assert str(corpus) in line and named in line
    assert ("does not exist" if kind == "missing" else "is a file, not a folder") in line
    assert not state.exists(), "nothing is created for a corpus that is not there"


def test_an_unreadable_corpus_folder_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "articles"
    corpus.mkdir()
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:
        if Path(os.fsdecode(path)) == corpus:  # what a folder without read permission does to a non-root user
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    line = error_line(capsys, ["ask", "border", "--corpus", str(corpus), "--state", str(tmp_path / "state")])
    assert f"the corpus folder {corpus} cannot be read: Permission denied" in line


@pytest.mark.parametrize(
    "variable",
    [
        "STORYBOT_CORPUS_DIR",
        "STORYBOT_STATE_DIR",
        "STORYBOT_PREFIX",
        "STORYBOT_LOG_LEVEL",
        "STORYBOT_SEARCH__RESULTS",
        "STORYBOT_DISCORD__DEV_GUILD_ID",
        "STORYBOT_SEARCH",
    ],
)
@pytest.mark.parametrize("value", ["", "  "], ids=["empty", "blank"])
def test_an_empty_variable_is_an_error_naming_it_not_the_current_folder(
    clean_environment: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
) -> None:
    monkeypatch.setenv(variable, value)
    line = error_line(capsys, ["ask", "border czar"])
    assert line == f"error: {variable} is set but empty: give it a value, or unset it to use the default"
    assert list(clean_environment.iterdir()) == [], "nothing was indexed or written in the current folder"


@pytest.mark.parametrize("option", ["--corpus", "--state", "--config"])
@pytest.mark.parametrize("value", ["", " "], ids=["empty", "blank"])
def test_an_empty_folder_or_file_option_is_refused(
    clean_environment: Path, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    line = usage_error(capsys, ["ask", "border czar", option, value])
    assert f"argument {option}: is empty" in line
    assert list(clean_environment.iterdir()) == []


@pytest.mark.parametrize("key", ["corpus_dir", "state_dir"])
@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "blank"])
def test_an_empty_folder_in_the_config_file_names_the_file_and_key(
    tmp_path: Path, clean_environment: Path, capsys: pytest.CaptureFixture[str], key: str, value: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'{key} = "{value}"\n', encoding="utf-8")
    line = error_line(capsys, ["ask", "border czar", "--config", str(config)])
    assert line.startswith(f"error: {config}: {key}: is empty")
    assert list(clean_environment.iterdir()) == []


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("STORYBOT_SEARCH", "garbage", "STORYBOT_SEARCH: not a JSON object of [search] keys (got 'garbage')"),
        ("STORYBOT_DISCORD", "garbage", "STORYBOT_DISCORD: not a JSON object of [discord] keys (got 'garbage')"),
        ("storybot_search", "{results: 5}", "storybot_search: not a JSON object of [search] keys"),
        ("STORYBOT_SEARCH", "[1, 2]", "STORYBOT_SEARCH: must be a JSON object of [search] keys (got '[1, 2]')"),
        ("STORYBOT_SEARCH", '{"results": 50}', "STORYBOT_SEARCH: search.results: Input should be less than or equal"),
        ("STORYBOT_SEARCH__RESULTS", "abc", "STORYBOT_SEARCH__RESULTS: search.results: Input should be a valid int"),
        ("STORYBOT_SEARCH__RESLUTS", "5", "STORYBOT_SEARCH__RESLUTS: search.resluts: unknown key"),
        ("STORYBOT_SEARCH__RESULTS__MAX", "5", "STORYBOT_SEARCH__RESULTS__MAX: the keys of [search] hold values"),
        ("STORYBOT_PREFIX__X", "5", "STORYBOT_PREFIX__X: prefix is not a table, so it has no key 'x'"),
        ("STORYBOT_CORPUS", "/data/corpus", "STORYBOT_CORPUS: unknown setting (did you mean STORYBOT_CORPUS_DIR?)"),
        ("STORYBOT_FOO", "1", "STORYBOT_FOO: unknown setting"),
        ("STORYBOT_DISCORD_TOKEN", "x", "STORYBOT_DISCORD_TOKEN: unknown setting (the token is read from DISCORD"),
        ("STORYBOT_MAX_FILE_BYTES", "1e99", "STORYBOT_MAX_FILE_BYTES: max_file_bytes: Input should be a valid int"),
    ],
)
def test_a_malformed_or_unknown_variable_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    assert error_line(capsys, ["ask", "border czar"]).startswith(f"error: {expected}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"search = 3\n", "search: Input should be a valid dictionary"),
        (b"prefix = 5\n", "prefix: Input should be a valid string (got 5)"),
        (b"[prefix]\nx = 1\n", "prefix: Input should be a valid string"),
        (b"state_dir = 7\n", "state_dir: must be a path, written as a string (got 7)"),
        (b"[search]\nresults = 'five'\n", "search.results: Input should be a valid integer"),
        (b"[search]\nresults = 3\n[search]\nk1 = 1\n", "not valid TOML"),
        (b"prefix = '\xff'\n", "not UTF-8 text (byte 10 is 0xff)"),
        (b"\xff\xfeprefix = '?'\n", "not UTF-8 text"),
    ],
)
def test_a_config_value_of_the_wrong_type_names_the_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: bytes, expected: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(text)
    line = error_line(capsys, ["ask", "border czar", "--config", str(config)])
    assert line.startswith(f"error: {config}: ") and expected in line


def test_a_config_file_that_is_a_folder_or_unreadable_is_one_line(
    tmp_path: Path, clean_environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "config.d"
    folder.mkdir()
    assert (
        error_line(capsys, ["ask", "x", "--config", str(folder)]) == f"error: {folder}: is a folder, not a config file"
    )

    (clean_environment / "config.toml").mkdir()  # the default file, found in the current folder
    assert error_line(capsys, ["ask", "x"]) == "error: config.toml: is a folder, not a config file"

    locked = tmp_path / "locked.toml"
    locked.write_text('prefix = "?"\n', encoding="utf-8")
    real_read_bytes = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    line = error_line(capsys, ["ask", "x", "--config", str(locked)])
    assert line == f"error: {locked}: the config file cannot be read: Permission denied"


def test_a_config_file_saved_with_a_byte_order_mark_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(b"\xef\xbb\xbf[search]\nresults = 1\n")  # Notepad's "UTF-8 with BOM"
    assert main(["ask", "border czar", "--json", "--config", str(config), "--state", str(tmp_path / "s")]) == 0
    assert len(json.loads(capsys.readouterr().out)["hits"]) == 1


def test_the_state_folder_may_not_be_the_corpus_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = error_line(capsys, ["ask", "border", "--state", str(BUNDLED_CORPUS)])
    assert "are the same folder" in line and str(BUNDLED_CORPUS) in line
    assert sorted(path.suffix for path in BUNDLED_CORPUS.iterdir()) == [".txt", ".txt"]


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "101", "2.5"])
def test_ask_refuses_a_limit_out_of_range(capsys: pytest.CaptureFixture[str], limit: str) -> None:
    assert "argument --limit: must be" in usage_error(capsys, ["ask", "border", "--limit", limit])


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_ask_refuses_an_empty_question(tmp_path: Path, capsys: pytest.CaptureFixture[str], question: str) -> None:
    line = error_line(capsys, ["ask", question, "--state", str(tmp_path / "state")])
    assert line.startswith("error: the question is empty")
    assert not (tmp_path / "state").exists(), "refused before anything was loaded"


def test_the_log_level_may_be_written_in_any_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STORYBOT_LOG_LEVEL", "warning")
    assert main(["ask", "border czar", "--state", str(tmp_path / "state")]) == 0
    assert "INFO" not in capsys.readouterr().err


def test_eval_on_a_folder_that_is_not_a_data_set_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = tmp_path / "not-a-dataset"
    (dataset / "corpus.jsonl").mkdir(parents=True)  # a folder where the file should be
    assert (
        error_line(capsys, ["eval", str(dataset)])
        == f"error: {dataset / 'corpus.jsonl'}: cannot be read: Is a directory"
    )
    assert "is empty" in usage_error(capsys, ["eval", ""])


@pytest.mark.parametrize("where", ["a folder", "a missing folder"])
def test_eval_refuses_a_run_file_it_cannot_write_before_evaluating(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    dataset = tmp_path / "dataset"
    (dataset / "qrels").mkdir(parents=True)
    documents = {"d1": "the border czar", "d2": "a campaign video", "d3": "an immigration deal"}
    corpus_lines = [json.dumps({"_id": key, "title": "", "text": text}) for key, text in documents.items()]
    (dataset / "corpus.jsonl").write_text("\n".join(corpus_lines) + "\n", encoding="utf-8")
    (dataset / "queries.jsonl").write_text('{"_id": "q1", "text": "border"}\n', encoding="utf-8")
    (dataset / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n", encoding="utf-8")
    run = tmp_path if where == "a folder" else tmp_path / "missing" / "run.txt"
    line = error_line(capsys, ["eval", str(dataset), "--run", str(run)])
    assert line.startswith(f"error: the run file {run} ")
    assert main(["eval", str(dataset), "--run", str(tmp_path / "run.txt")]) == 0, "a writable run file works"
    assert (tmp_path / "run.txt").read_text(encoding="utf-8").startswith("q1 Q0 d1 1 ")


def test_a_reload_in_the_console_after_the_corpus_folder_went_away_is_refused_and_the_console_goes_on(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    environment = {k: v for k, v in os.environ.items() if not k.upper().startswith("STORYBOT_")}
    console = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--corpus", str(corpus), "--state", str(tmp_path / "state")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**environment, "PYTHONPATH": str(REPO)},
    )
    try:
        assert console.stdin is not None and console.stdout is not None
        console.stdin.write("!sources\n")
        console.stdin.flush()
        assert console.stdout.readline().startswith("The story has 2 articles")
        corpus.rename(tmp_path / "unmounted")  # the volume went away under the running console
        out, err = console.communicate("!reload\n!sources\n", timeout=60)
    finally:
        if console.poll() is None:
            console.kill()
            console.wait()
    assert console.returncode == 0 and "Traceback" not in err
    assert f"Nothing changed: the corpus directory {corpus} does not exist" in out
    assert "The story has 2 articles" in out, "the previous index keeps serving"


def test_a_variable_set_in_lower_case_is_named_as_it_was_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("storybot_corpus_dir", "")
    assert error_line(capsys, ["ask", "border"]).startswith("error: storybot_corpus_dir is set but empty")
    monkeypatch.setenv("storybot_corpus_dir", str(tmp_path / "nowhere"))
    assert error_line(capsys, ["ask", "border"]).endswith("(corpus_dir: set by storybot_corpus_dir)")
    monkeypatch.setenv("storybot_search__results", "x")
    assert error_line(capsys, ["ask", "border"]).startswith("error: storybot_search__results: search.results:")


def test_an_unexpected_error_is_a_bug_and_keeps_its_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_open(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the loader")

    monkeypatch.setattr("bot.terminal.cli.StoryService.open", broken_open)
    with pytest.raises(RuntimeError, match="a bug in the loader"):
        main(["ask", "border", "--state", str(tmp_path / "state")])
