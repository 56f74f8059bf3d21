"""Ctrl-C: in the console, during an index build and during start-up, the process exits 130 without a traceback,
and an interrupted build leaves no index (nor half of one) behind."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.postings_io import CURRENT_FILE, GENERATION_PREFIX
from index.store import index_directory

REPO = Path(__file__).resolve().parent.parent
OFFLINE_BOT = REPO / "tests" / "offline_bot.py"
TIMEOUT = 60.0
# Enough paragraphs for a build that lasts a while (over a second here) and for the progress bar to be drawn.
ARTICLES, PARAGRAPHS, WORDS = 200, 300, 40


def environment(**extra: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.upper().startswith("STORYBOT_") and k != "DISCORD_TOKEN"}
    return {**kept, "PYTHONPATH": str(REPO), **extra}


def read_until(stream: int, wanted: bytes, process: subprocess.Popen, timeout: float = TIMEOUT) -> bytes:
    """Read the file descriptor until `wanted` appears; fail if the process ends or the time runs out first."""
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"never saw {wanted!r}; got {seen[-500:]!r}"
        ready, _, _ = select.select([stream], [], [], min(remaining, 0.5))
        if ready:
            try:
                chunk = os.read(stream, 65536)
            except OSError:  # a pty whose other end closed
                chunk = b""
            assert chunk or process.poll() is None, f"the process ended (status {process.poll()}): {seen[-2000:]!r}"
            seen += chunk
        else:
            assert process.poll() is None, f"the process ended (status {process.returncode}): {seen[-2000:]!r}"
    return seen


def drain(stream: int) -> bytes:
    seen = b""
    while select.select([stream], [], [], 0)[0]:
        try:
            chunk = os.read(stream, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    return seen


def test_ctrl_c_in_the_console_exits_130_without_a_traceback(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--state", str(tmp_path / "state")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=environment(),
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(b"!who said border czar\n")
        process.stdin.flush()
        read_until(process.stdout.fileno(), b"paragraph", process)  # answered: now waiting for the next line
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err


@pytest.fixture(scope="module")
def large_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = tmp_path_factory.mktemp("large") / "corpus"
    corpus.mkdir()
    words = [f"word{number}" for number in range(5000)]
    for file_number in range(ARTICLES // 5):
        with open(corpus / f"wire{file_number:02d}.jsonl", "w", encoding="utf-8") as handle:
            for article in range(5):
                paragraphs = [
                    " ".join(
                        words[(file_number * 7919 + article * 104729 + p * 31 + w * 7) % 5000] for w in range(WORDS)
                    )
                    for p in range(PARAGRAPHS)
                ]
                handle.write(json.dumps({"title": f"Wire {file_number} {article}", "paragraphs": paragraphs}) + "\n")
    return corpus


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "bot", "index", "build", "--force"],
        [sys.executable, str(OFFLINE_BOT), "run"],
    ],
    ids=["index-build", "run-start-up"],
)
def test_ctrl_c_during_an_index_build_exits_130_and_leaves_no_index(
    tmp_path: Path, large_corpus: Path, command: list[str]
) -> None:
    state = tmp_path / "state"
    controller, terminal = pty.openpty()  # a terminal on stderr: the progress bar shows when the build is running
    process = subprocess.Popen(
        [*command, "--corpus", str(large_corpus), "--state", str(state)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=terminal,
        cwd=REPO,
        env=environment(DISCORD_TOKEN="a.valid-looking.token", COLUMNS="100"),
    )
    os.close(terminal)
    try:
        read_until(controller, b"indexing paragraphs", process)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=TIMEOUT)
        err = drain(controller)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(controller)
    assert process.returncode == 130, err
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err
    directory = index_directory(state)
    assert not (directory / CURRENT_FILE).exists(), "the build was interrupted before it could finish"
    assert not [child for child in directory.glob(GENERATION_PREFIX + "*")], "no half-written generation left"
