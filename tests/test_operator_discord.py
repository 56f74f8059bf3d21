"""Starting on Discord as an operator does: no network, a rejected or mangled token, a refused intent, the Docker
image without a token. Each is one `error:` line and a non-zero exit, and the process ends; a good token (even with
a line break around it) connects, never reaches a log line, and Ctrl-C or `docker stop` end the bot quietly."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from pathlib import Path

import pytest
from discord.http import Route

from bot.terminal.cli import main
from testing.discord_emulator import DiscordEmulator
from testing.discord_emulator.fixtures import running_emulator

REPO = Path(__file__).resolve().parent.parent
OFFLINE_BOT = REPO / "tests" / "offline_bot.py"
PROCESS_TIMEOUT = 60.0


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("STORYBOT_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)


def process_environment(**extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.upper().startswith("STORYBOT_")}
    environment.pop("DISCORD_TOKEN", None)
    return {**environment, "PYTHONPATH": str(REPO), **extra}


async def start_bot(state: Path, **environment: str) -> asyncio.subprocess.Process:
    """`python -m bot run` as a process, discord.py pointed at TEST_DISCORD_URL or a refused port."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(OFFLINE_BOT),
        "run",
        "--state",
        str(state),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=process_environment(**environment),
    )


async def finished(process: asyncio.subprocess.Process) -> tuple[int, str]:
    """The exit status and stderr of a process that must end by itself within PROCESS_TIMEOUT."""
    _, err = await asyncio.wait_for(process.communicate(), timeout=PROCESS_TIMEOUT)
    assert process.returncode is not None
    return process.returncode, err.decode()


def only_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and stderr.strip().splitlines()[-1] == errors[0], stderr
    return errors[0]


@pytest.mark.asyncio
async def test_no_network_is_one_line_and_exit_1(tmp_path: Path) -> None:
    process = await start_bot(tmp_path / "state", DISCORD_TOKEN="a.valid-looking.token")
    status, err = await finished(process)
    assert status == 1
    line = only_error_line(err)
    assert re.fullmatch(r"error: cannot reach Discord at http://127\.0\.0\.1:\d+: Connection refused; .*", line)


def test_a_name_that_does_not_resolve_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_getaddrinfo = socket.getaddrinfo

    def no_dns(host: object, *args: object, **kwargs: object) -> object:
        if host not in ("127.0.0.1", "localhost"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(Route, "BASE", "http://discord.invalid/api/v10")
    monkeypatch.setenv("DISCORD_TOKEN", "a.valid-looking.token")
    assert main(["run", "--state", str(tmp_path / "state")]) == 1
    line = only_error_line(capsys.readouterr().err)
    assert line.startswith("error: cannot reach Discord at http://discord.invalid: the name does not resolve")


@pytest.mark.asyncio
async def test_a_rejected_token_is_one_line_and_the_process_ends(tmp_path: Path) -> None:
    async with running_emulator() as emu:
        emu.add_standard_guild()
        process = await start_bot(tmp_path / "state", DISCORD_TOKEN="not-the-token", TEST_DISCORD_URL=emu.base_url)
        status, err = await finished(process)
    assert status == 2
    line = only_error_line(err)
    assert line.startswith("error: DISCORD_TOKEN was rejected by Discord (401 Unauthorized)")
    assert "not-the-token" not in err


@pytest.mark.asyncio
async def test_a_refused_message_content_intent_names_the_portal_switch(tmp_path: Path) -> None:
    async with running_emulator(privileged_intents=0) as emu:
        emu.add_standard_guild()
        process = await start_bot(tmp_path / "state", DISCORD_TOKEN=emu.token, TEST_DISCORD_URL=emu.base_url)
        status, err = await finished(process)
    assert status == 2
    assert "Message Content Intent" in only_error_line(err)


async def connected(emu: DiscordEmulator, process: asyncio.subprocess.Process) -> None:
    """Wait until the bot process has identified on the emulator's gateway (or fail if it stopped)."""
    deadline = asyncio.get_running_loop().time() + PROCESS_TIMEOUT
    while not emu.gateway.sessions:
        assert process.returncode is None, (await process.communicate())[1].decode()
        assert asyncio.get_running_loop().time() < deadline, "the bot never connected"
        await asyncio.sleep(0.05)


@pytest.mark.asyncio
@pytest.mark.parametrize(("stop", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)], ids=["ctrl-c", "docker-stop"])
async def test_a_token_with_a_line_break_connects_and_stopping_is_quiet(
    tmp_path: Path, stop: signal.Signals, status: int
) -> None:
    async with running_emulator() as emu:
        emu.add_standard_guild()
        token_from_a_file = f"  {emu.token}\n"  # DISCORD_TOKEN=$(cat token.txt), or an editor's trailing newline
        process = await start_bot(tmp_path / "state", DISCORD_TOKEN=token_from_a_file, TEST_DISCORD_URL=emu.base_url)
        try:
            await connected(emu, process)
            process.send_signal(stop)
            code, err = await finished(process)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert code == status, err
    assert "Traceback" not in err and "error:" not in err
    assert emu.token not in err, "the token never reaches a log line"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("Bot abc.def.ghi", "starts with 'Bot '"),
        ('"abc.def.ghi"', "is wrapped in quotes"),
        ("abc.def.ghi\nabc.def.ghi", "holds a space or line break inside"),
        ("abc.déf.ghi", "holds characters a token never has"),
    ],
)
def test_a_mangled_token_is_one_line_that_never_shows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str, problem: str
) -> None:
    monkeypatch.setattr(Route, "BASE", "http://127.0.0.1:9/api/v10")
    monkeypatch.setenv("DISCORD_TOKEN", value)
    assert main(["run", "--state", str(tmp_path / "state")]) == 2
    err = capsys.readouterr().err
    assert only_error_line(err).startswith(f"error: DISCORD_TOKEN {problem}")
    assert "abc" not in err and not (tmp_path / "state").exists()


@pytest.mark.parametrize("value", ["", " ", "\n", "\t \r\n"])
def test_a_blank_token_is_no_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    monkeypatch.setattr(Route, "BASE", "http://127.0.0.1:9/api/v10")
    monkeypatch.setenv("DISCORD_TOKEN", value)
    assert main(["run", "--discord", "--state", str(tmp_path / "state")]) == 2
    assert only_error_line(capsys.readouterr().err).startswith("error: DISCORD_TOKEN is not set (or blank)")
    assert main(["sync", "--state", str(tmp_path / "state")]) == 2
    assert only_error_line(capsys.readouterr().err).startswith("error: DISCORD_TOKEN is not set")


def dockerfile_instruction(name: str) -> list[str]:
    """The exec-form arguments of the Dockerfile's last `name` instruction (`CMD`, or the command of `HEALTHCHECK`)."""
    lines = (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines()
    line = [line for line in lines if line.startswith(name + " ")][-1]
    return json.loads(line[line.index("[") :])


def dockerfile_environment() -> dict[str, str]:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    block = re.search(r"^ENV (.+)$", text, flags=re.MULTILINE)
    assert block is not None
    return dict(pair.split("=", 1) for pair in block.group(1).split())


@pytest.mark.asyncio
async def test_the_image_without_a_token_stops_with_one_line_instead_of_a_restart_loop(tmp_path: Path) -> None:
    command = dockerfile_instruction("CMD")
    assert command[0] == "python"
    environment = dockerfile_environment()
    assert environment["STORYBOT_CORPUS_DIR"] == "/data/corpus"  # the image's volumes; here, folders of the test's
    environment.update(STORYBOT_CORPUS_DIR=str(REPO / "corpus" / "story"), STORYBOT_STATE_DIR=str(tmp_path / "s"))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *command[1:],
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,  # `docker run` without -i: stdin at its end at once
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=process_environment(**environment),
    )
    status, err = await finished(process)
    assert status == 2
    assert only_error_line(err).startswith("error: DISCORD_TOKEN is not set")

    health = dockerfile_instruction("HEALTHCHECK")
    checked = await asyncio.create_subprocess_exec(
        sys.executable,
        *health[1:],
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        env=process_environment(**environment),
    )
    out, _ = await asyncio.wait_for(checked.communicate(), timeout=PROCESS_TIMEOUT)
    assert checked.returncode == 1 and out.decode().startswith("unhealthy: heartbeat missing")


@pytest.mark.asyncio
async def test_a_dev_guild_the_bot_is_not_in_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    async with running_emulator() as emu:
        emu.add_standard_guild()
        process = await start_bot(
            tmp_path / "state",
            DISCORD_TOKEN=emu.token,
            TEST_DISCORD_URL=emu.base_url,
            STORYBOT_DISCORD__DEV_GUILD_ID="123456789",
        )
        status, err = await finished(process)
    assert status == 2
    line = only_error_line(err)
    assert line.startswith("error: Discord refused the slash-command sync to [discord] dev_guild_id = 123456789")


def test_a_second_bot_on_the_same_state_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fcntl = pytest.importorskip("fcntl")
    state = tmp_path / "state"
    monkeypatch.setattr(Route, "BASE", "http://127.0.0.1:9/api/v10")
    monkeypatch.setenv("DISCORD_TOKEN", "a.valid-looking.token")
    assert main(["run", "--state", str(state)]) == 1, "alone, it gets as far as the (unreachable) network"
    capsys.readouterr()
    with open(state / "storybot.lock", "a+", encoding="ascii") as running:
        fcntl.flock(running.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # the first bot, still serving
        running.truncate(0)
        running.write("4242\n")
        running.flush()
        assert main(["run", "--state", str(state)]) == 2
    line = only_error_line(capsys.readouterr().err)
    assert line.startswith(f"error: another storybot (pid 4242) is already running on the state folder {state}")
    assert main(["run", "--state", str(state)]) == 1, "once the first bot is gone, the folder is free again"
