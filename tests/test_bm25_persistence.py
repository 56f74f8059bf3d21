"""A saved index loads memory-mapped and answers identically; anything stale, damaged or foreign is refused."""

from __future__ import annotations

import json
import os
import random
import threading
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from index.bm25 import BM25Params, CompiledIndex, IndexFormatError
from index.postings_io import CURRENT_FILE, MANIFEST_FILE, current_generation
from tests.bm25_strategies import forced

KEY = "corpus-and-settings-hash"
VOCABULARY = [f"w{i}" for i in range(60)] + ["café", "東京", "naïve"]


def make_docs(seed: int, count: int = 200) -> list[list[str]]:
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
    return [rng.choices(VOCABULARY, weights, k=rng.randint(0, 25)) for _ in range(count)]


def some_queries() -> list[list[str]]:
    rng = random.Random(3)
    return [[word] for word in VOCABULARY] + [[*rng.sample(VOCABULARY, 3), "unknown"] for _ in range(40)]


@pytest.fixture
def index() -> CompiledIndex:
    return CompiledIndex.build(make_docs(1), BM25Params(variant="plus", k1=1.2, b=0.6))


@pytest.fixture
def saved(index: CompiledIndex, tmp_path: Path) -> Path:
    directory = tmp_path / "index"
    index.save(directory, KEY)
    return directory


def generations(directory: Path) -> list[str]:
    return sorted(child.name for child in directory.iterdir() if child.is_dir())


def rewrite_manifest(directory: Path, change: Callable[[dict], None]) -> None:
    path = current_generation(directory) / MANIFEST_FILE
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def replace_array(directory: Path, name: str, array: np.ndarray) -> None:
    """Swap an array for another one and fix up the manifest, as a buggy writer would: checksums all valid."""
    path = current_generation(directory) / f"{name}.npy"
    np.save(path, array, allow_pickle=False)
    data = path.read_bytes()

    def update(manifest: dict) -> None:
        entry = next(entry for entry in manifest["arrays"] if entry["name"] == name)
        entry.update(dtype=array.dtype.str, shape=list(array.shape), bytes=len(data), crc32=zlib.crc32(data))

    rewrite_manifest(directory, update)


def test_a_loaded_index_answers_exactly_like_the_built_one(index: CompiledIndex, saved: Path) -> None:
    loaded = CompiledIndex.load(saved, expected_key=KEY)
    assert (loaded.doc_count, loaded.term_count, loaded.posting_count) == (
        index.doc_count,
        index.term_count,
        index.posting_count,
    )
    assert loaded.params == index.params
    everyone = np.arange(index.doc_count)
    for query in some_queries():
        assert loaded.top_k(query, 10) == index.top_k(query, 10)
        assert np.array_equal(loaded.scores(query, everyone), index.scores(query, everyone))
    for word in VOCABULARY:
        assert loaded.df(word) == index.df(word)
        assert loaded.idf_of(word) == index.idf_of(word)
        assert np.array_equal(loaded.matching_docs(word), index.matching_docs(word))


def test_a_loaded_index_is_memory_mapped(saved: Path) -> None:
    loaded = CompiledIndex.load(saved, expected_key=None)
    assert all(isinstance(array, np.memmap) for array in loaded.arrays.values())
    assert loaded.top_k(["w0"], 1)


def test_an_empty_index_round_trips(tmp_path: Path) -> None:
    CompiledIndex.build([], BM25Params()).save(tmp_path, KEY)
    loaded = CompiledIndex.load(tmp_path, expected_key=KEY)
    assert loaded.doc_count == 0
    assert loaded.top_k(["w0"], 3) == []


def test_an_index_for_another_corpus_or_settings_is_refused_as_stale(saved: Path) -> None:
    with pytest.raises(IndexFormatError, match="stale"):
        CompiledIndex.load(saved, expected_key="some-other-corpus")


def test_no_saved_index_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IndexFormatError, match="no saved index"):
        CompiledIndex.load(tmp_path / "never-written", expected_key=KEY)


def truncate(generation: Path) -> None:
    path = generation / "doc_low.npy"
    path.write_bytes(path.read_bytes()[:-8])


def flip_a_byte(generation: Path) -> None:
    path = generation / "columns.npy"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))


def delete_an_array(generation: Path) -> None:
    (generation / "tf_nibbles.npy").unlink()


def foreign_manifest(generation: Path) -> None:
    manifest = json.loads((generation / MANIFEST_FILE).read_text())
    (generation / MANIFEST_FILE).write_text(json.dumps({**manifest, "magic": "someone-elses-index"}))


def not_json_manifest(generation: Path) -> None:
    (generation / MANIFEST_FILE).write_bytes(b"\x00garbage{")


def missing_manifest(generation: Path) -> None:
    (generation / MANIFEST_FILE).unlink()


def wrong_version(generation: Path) -> None:
    manifest = json.loads((generation / MANIFEST_FILE).read_text())
    (generation / MANIFEST_FILE).write_text(json.dumps({**manifest, "format_version": 999}))


def garbage_current(generation: Path) -> None:
    (generation.parent / CURRENT_FILE).write_bytes(b"\xff\xfe../../etc/passwd")


def current_names_nothing(generation: Path) -> None:
    (generation.parent / CURRENT_FILE).write_text("gen-00000000000000000001-1-deadbeef")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (truncate, "truncated"),
        (flip_a_byte, "corrupted"),
        (delete_an_array, "missing"),
        (foreign_manifest, "magic"),
        (not_json_manifest, "JSON"),
        (missing_manifest, "manifest"),
        (wrong_version, "version"),
        (garbage_current, CURRENT_FILE),
        (current_names_nothing, "does not exist"),
    ],
)
def test_a_damaged_or_foreign_index_is_refused(saved: Path, damage: Callable[[Path], None], message: str) -> None:
    damage(current_generation(saved))
    with pytest.raises(IndexFormatError, match=message):
        CompiledIndex.load(saved, expected_key=KEY)


@pytest.mark.parametrize(
    ("name", "make_bad", "message"),
    [
        ("run_offsets", lambda a: a[::-1].copy(), "run offsets"),
        ("run_offsets", lambda a: np.append(a[:-1], a[-1] - 1), "run offsets"),
        ("run_start", lambda a: np.append(a[:-1], a[-1] + 7), "run starts"),
        ("run_chunk", lambda a: a + 1, "chunk"),
        ("vocab_offsets", lambda a: np.append(a[:-1], a[-1] + 5), "vocabulary"),
        ("doc_low", lambda a: a + 1_000, "outside"),
        ("df", lambda a: a + 1, "frequencies"),
        ("column_terms", lambda a: a[::-1].copy(), "column terms"),
        ("column_terms", lambda a: a[1:].copy(), "columns"),
        ("columns", lambda a: a[:, :-1].copy(), "columns"),
        ("tf_nibbles", lambda a: a[:-1].copy(), "frequency bytes"),
        ("big_at", lambda a: np.append(a, np.int64(10**12)), "large frequencies"),
        ("idf", lambda a: a.astype(np.float32), "idf"),
        ("idf", lambda a: np.where(np.arange(a.size) == 3, np.nan, a), "idf"),
        ("bounds", lambda a: -a, "bounds"),
        ("doc_len", lambda a: a.astype(np.float64), "doc_len"),
    ],
)
def test_inconsistent_arrays_are_refused_even_with_valid_checksums(
    saved: Path, name: str, make_bad: Callable[[np.ndarray], np.ndarray], message: str
) -> None:
    original = np.load(current_generation(saved) / f"{name}.npy")
    replace_array(saved, name, make_bad(original))
    with pytest.raises(IndexFormatError, match=message):
        CompiledIndex.load(saved, expected_key=KEY)


def test_an_array_that_differs_from_its_manifest_entry_is_refused(saved: Path) -> None:
    rewrite_manifest(saved, lambda manifest: manifest["arrays"][0].update(shape=[12345]))
    with pytest.raises(IndexFormatError, match="manifest says"):
        CompiledIndex.load(saved, expected_key=KEY)


def test_saving_again_keeps_only_the_newest_generation(index: CompiledIndex, saved: Path) -> None:
    first = generations(saved)
    smaller = CompiledIndex.build(make_docs(2, count=30), BM25Params())
    smaller.save(saved, "second-key")
    assert len(first) == 1
    assert generations(saved) == [current_generation(saved).name] != first
    assert CompiledIndex.load(saved, expected_key="second-key").doc_count == 30


def test_a_half_written_save_leaves_the_previous_index_in_use(index: CompiledIndex, saved: Path) -> None:
    # A save that crashed before switching CURRENT: a newer generation with only some of its files.
    previous = current_generation(saved)
    partial = saved / "gen-99999999999999999999-1-0badc0de"
    partial.mkdir()
    (partial / "doc_low.npy").write_bytes((previous / "doc_low.npy").read_bytes())
    loaded = CompiledIndex.load(saved, expected_key=KEY)
    assert loaded.top_k(["w3", "w7"], 5) == index.top_k(["w3", "w7"], 5)
    index.save(saved, KEY)  # the next save clears the debris
    assert generations(saved) == [current_generation(saved).name]


@pytest.mark.parametrize("crash_at", ["writing arrays", "switching CURRENT"])
def test_a_crash_during_save_leaves_the_previous_index_loadable(
    index: CompiledIndex, saved: Path, crash_at: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("simulated crash")

    if crash_at == "writing arrays":
        monkeypatch.setattr(np.lib.format, "write_array", crash)
    else:
        monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated crash"):
        CompiledIndex.build(make_docs(5, count=10), BM25Params()).save(saved, "new-key")
    monkeypatch.undo()
    loaded = CompiledIndex.load(saved, expected_key=KEY)
    assert loaded.top_k(["w1"], 3) == index.top_k(["w1"], 3)


def test_concurrent_saves_leave_one_complete_generation(tmp_path: Path) -> None:
    indexes = [CompiledIndex.build(make_docs(seed, count=50 + seed), BM25Params()) for seed in range(4)]

    errors: list[BaseException] = []

    def save_repeatedly(index: CompiledIndex) -> None:
        try:
            for _ in range(5):
                index.save(tmp_path, f"key-{index.doc_count}")
        except BaseException as error:  # reported below: an exception in a thread would not fail the test
            errors.append(error)

    threads = [threading.Thread(target=save_repeatedly, args=(index,)) for index in indexes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    loaded = CompiledIndex.load(tmp_path, expected_key=None)
    assert loaded.doc_count in {index.doc_count for index in indexes}
    assert generations(tmp_path) == [current_generation(tmp_path).name]


@pytest.mark.parametrize("strategy", ["numpy", "kernel"])
def test_a_damaged_posting_the_load_does_not_sample_is_never_read_past_the_index(
    tmp_path: Path, strategy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Start-up reads only the last chunk's last run; a posting naming a document beyond the last one elsewhere must
    # still never be read or written outside the arrays, by numpy or by the kernels.
    forced(strategy, monkeypatch)
    rng = random.Random(2)
    words = [f"v{i}" for i in range(500)]  # hundreds of runs in the last chunk, which holds 4,464 documents
    docs = [rng.choices(words, k=rng.randint(1, 6)) for _ in range(70_000)]
    CompiledIndex.build(docs, BM25Params()).save(tmp_path, KEY)
    generation = current_generation(tmp_path)
    run_chunk, run_start = (np.load(generation / f"{name}.npy") for name in ("run_chunk", "run_start"))
    ends = run_start[1:][run_chunk == 1] - 1
    doc_low = np.load(generation / "doc_low.npy")
    doc_low[ends[len(ends) // 2]] = 65_535  # document 131,071 of 70,000, in a run the load does not read
    replace_array(tmp_path, "doc_low", doc_low)
    loaded = CompiledIndex.load(tmp_path, expected_key=KEY)
    for word in words:
        assert int(loaded.matching_docs(word).max(initial=0)) < len(docs)
        found = loaded.top_k([word, "v1"], 10)
        assert found and all(0 <= doc < len(docs) for doc, _ in found)
