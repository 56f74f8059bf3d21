"""A throw-away PostgreSQL server for the tests: Debian's `postgresql` binaries (initdb, pg_ctl), a temporary data
folder, a free port on 127.0.0.1, started once per test session and always stopped.

initdb and postgres refuse to run as root, so as root the server runs as the `postgres` user (or `nobody`).
When PostgreSQL is missing or won't start, `PostgresUnavailable` says what is missing: the fixtures skip the
PostgreSQL tests with that reason, or fail them when REQUIRE_POSTGRES_TESTS=1 (CI, where it must work).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

USER = "storybot"
START_TIMEOUT_SECONDS = 60
COMMAND_TIMEOUT_SECONDS = 60


class PostgresUnavailable(Exception):
    """PostgreSQL cannot be run here; the message names what is missing."""


def find_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else the newest /usr/lib/postgresql/<version>/bin."""
    on_path = shutil.which("initdb")
    if on_path:
        folder = Path(on_path).resolve().parent  # /usr/local/bin/initdb may be a link into the real folder
        if all((folder / tool).exists() for tool in ("pg_ctl", "psql", "postgres")):
            return folder
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(candidates[-1]).parent if candidates else None


def _server_user() -> str | None:
    """Who runs the server: None (this user) unless we are root, then `postgres` or `nobody`."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise PostgresUnavailable("running as root and there is neither a `postgres` nor a `nobody` user to run it as")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    """A running server: its binaries, data folder and port; `url(database)` connects to it as USER."""

    binaries: Path
    data_dir: Path
    port: int
    run_as: str | None

    def url(self, database: str = "postgres") -> str:
        """A URL for asyncpg and storybot's `[database] url`."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def _as_server_user(self, command: list[str]) -> list[str]:
        if self.run_as is None:
            return command
        return ["runuser", "-u", self.run_as, "--", *command]

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL with psql (as USER, over TCP) and return its output."""
        command = [str(self.binaries / "psql"), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"]
        command += ["-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", database, "-c", sql]
        done = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}")
        return done.stdout.strip()

    def create_database(self) -> str:
        """A new empty database; returns its name."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.psql(f"CREATE DATABASE {name}")
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting whoever is still connected."""
        self.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def pg_ctl(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        """Run pg_ctl on this server's data folder (as the server's user)."""
        command = self._as_server_user([str(self.binaries / "pg_ctl"), "-D", str(self.data_dir), *arguments])
        return subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT_SECONDS + 10, check=False)

    def start(self) -> None:
        """Start (or restart after `stop`) the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off -c max_connections=100"
        )
        log = self.data_dir / "server.log"
        done = self.pg_ctl("-l", str(log), "-o", options, "-w", "-t", str(START_TIMEOUT_SECONDS), "start")
        if done.returncode != 0:
            tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
            raise PostgresUnavailable(f"pg_ctl start failed: {done.stderr.strip() or done.stdout.strip()} {tail}")

    def stop(self) -> None:
        """Stop the server (fast shutdown; killed if it won't stop in time)."""
        done = self.pg_ctl("-m", "fast", "-w", "-t", "30", "stop")
        if done.returncode != 0:
            self._kill()

    def _kill(self) -> None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)


def start_server() -> PostgresServer:
    """initdb a temporary folder and start a server in it; PostgresUnavailable says why it can't."""
    binaries = find_binaries()
    if binaries is None:
        raise PostgresUnavailable(
            "PostgreSQL is not installed: no initdb on PATH or in /usr/lib/postgresql/*/bin "
            "(scripts/ensure-postgres.sh installs Debian's postgresql package)"
        )
    run_as = _server_user()
    if run_as is not None and shutil.which("runuser") is None:
        raise PostgresUnavailable(
            "running as root, and `runuser` (util-linux) is missing to start PostgreSQL as another user"
        )
    data_dir = Path(tempfile.mkdtemp(prefix="storybot-pg-"))
    if run_as is not None:
        entry = pwd.getpwnam(run_as)
        os.chown(data_dir, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(binaries, data_dir, _free_port(), run_as)
    initdb = server._as_server_user(
        [
            str(binaries / "initdb"),
            "-D",
            str(data_dir),
            "-U",
            USER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]
    )
    try:
        done = subprocess.run(initdb, capture_output=True, text=True, timeout=START_TIMEOUT_SECONDS, check=False)
        if done.returncode != 0:
            raise PostgresUnavailable(f"initdb failed: {done.stderr.strip()[-600:]}")
        server.start()
    except (PostgresUnavailable, OSError, subprocess.TimeoutExpired) as error:
        server._kill()
        shutil.rmtree(data_dir, ignore_errors=True)
        if isinstance(error, PostgresUnavailable):
            raise
        raise PostgresUnavailable(f"PostgreSQL could not be started: {error}") from error
    return server


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer]:
    """A started server, stopped and deleted afterwards whatever happens."""
    server = start_server()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.data_dir, ignore_errors=True)
