"""Forcing each way CompiledIndex.top_k chooses its candidates, so that tests can check every one of them."""

from __future__ import annotations

import pytest

import index.bm25 as bm25
import index.topk as topk

# sparse / dense: MaxScore with partial sums kept per candidate document or in an array of every document, whatever
# it costs; sorted / summed: the general fallback, merging the postings by sorting them or adding them into an
# array of every document.
STRATEGIES = ["sparse", "dense", "sorted", "summed"]


def forced(strategy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make top_k use `strategy` wherever the weights allow it (any sign of weights always uses the fallback)."""
    if strategy in {"sparse", "dense"}:
        monkeypatch.setattr(topk, "FORCE", strategy)
        return
    monkeypatch.setattr(bm25, "pruned_band", lambda *_: None)
    monkeypatch.setattr(topk, "DENSE_RATIO", 0 if strategy == "sorted" else 10**9)
