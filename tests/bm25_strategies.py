"""Forcing each way CompiledIndex answers, so that tests can check every one of them."""

from __future__ import annotations

import pytest

import index.accel as accel
import index.postings_build as postings_build

# numpy: the exact path used for small indexes and while the kernels load; kernel: the compiled kernels over the
# default layout; kernel-postings / kernel-columns: the kernels with no term stored as a column / every term.
STRATEGIES = ["numpy", "kernel", "kernel-postings", "kernel-columns"]
COLUMN_SHARES = {"numpy": None, "kernel": None, "kernel-postings": 0, "kernel-columns": 10**9}


def forced(strategy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make indexes built from now on be stored and answered the way `strategy` says."""
    if strategy == "numpy":
        monkeypatch.setattr(accel, "MIN_DOCUMENTS", 10**12)
        return
    assert accel.wait(timeout=600), "the compiled kernels did not load"
    monkeypatch.setattr(accel, "MIN_DOCUMENTS", 0)
    if (share := COLUMN_SHARES[strategy]) is not None:
        monkeypatch.setattr(postings_build, "COLUMN_SHARE", share)
