"""Processes on one state folder's index (the bot and `python -m bot index build`, say; README: Running past one
process): their saves and loads interleave (the index store's LOCK and generations) without corrupting anything,
an engine keeps answering after another process deleted its generation, and each shard range names its own
heartbeat file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.core.settings import Settings
from bot.core.shards import status_file
from index.postings_io import CURRENT_FILE, GENERATION_PREFIX, load_arrays
from index.store import index_directory
from tests import shared_state_worker

WORKERS = 3
ROUNDS = 12


def test_processes_saving_and_loading_indexes_in_one_state_folder_never_corrupt_it(tmp_path: Path) -> None:
    state = tmp_path / "state"
    workers = [
        subprocess.Popen(
            [sys.executable, shared_state_worker.__file__, str(state), str(n), str(ROUNDS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    try:
        results = [worker.communicate(timeout=120) for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    for worker, (out, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err[-2000:]
        assert out.strip().endswith(f"{ROUNDS} kept engines answered"), out
    directory = index_directory(state)
    generations = [child for child in directory.iterdir() if child.name.startswith(GENERATION_PREFIX)]
    assert len(generations) == 1 and (directory / CURRENT_FILE).read_text() == generations[0].name
    load_arrays(directory, expected_key=None)  # the survivor is whole: every checksum holds


def test_each_shard_range_has_its_own_heartbeat_in_a_shared_state_folder(tmp_path: Path) -> None:
    names = {
        status_file(Settings(state_dir=tmp_path, discord={"shard_count": 4, "shard_ids": ids})).name
        for ids in ([0, 1], [2, 3], [1, 0])
    }
    assert names == {"heartbeat-shards-0-1", "heartbeat-shards-2-3"}
    assert status_file(Settings(state_dir=tmp_path)).name == "heartbeat"
