"""The compiled kernels are an accelerator only: without numba, or switched off, every answer is the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A corpus big enough for the kernels (index/accel.py MIN_DOCUMENTS), its answers printed as JSON.
ANSWERS = textwrap.dedent(
    """
    import json, logging, random, sys
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from index import accel
    from index.bm25 import BM25Params, CompiledIndex
    rng = random.Random(3)
    words = [f"w{i}" for i in range(40)]
    docs = [rng.choices(words, [1 / (r + 1) for r in range(40)], k=rng.randint(3, 30)) for _ in range(5_000)]
    index = CompiledIndex.build(docs, BM25Params())
    index.top_k(["w0"], 1)  # starts loading the kernels, if they can be
    ready = accel.wait(timeout=600)
    queries = [["w0", "w1"], ["w3", "w17", "w39"], ["w5", "w5", "w30"], ["w2", "unknown"]]
    print(json.dumps({"ready": ready, "answers": [index.top_k(query, 10) for query in queries]}))
    """
)


def answers(prelude: str = "", **environment: str) -> tuple[dict, str]:
    """Run the script in a fresh interpreter; its JSON output and its log."""
    done = subprocess.run(
        [sys.executable, "-c", prelude + ANSWERS],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **environment},
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(done.stdout), done.stderr


def test_without_numba_every_query_is_answered_the_same_in_numpy() -> None:
    compiled, _ = answers()
    without, log = answers("import sys; sys.modules['numba'] = None  # as if it were not installed\n")
    assert compiled["ready"] and not without["ready"]
    assert without["answers"] == compiled["answers"]
    assert "kernels are unavailable" in log


def test_the_kernels_can_be_switched_off_by_the_environment() -> None:
    compiled, _ = answers()
    switched_off, _ = answers(STORYBOT_NO_KERNELS="1")
    assert compiled["ready"] and not switched_off["ready"]
    assert switched_off["answers"] == compiled["answers"]
