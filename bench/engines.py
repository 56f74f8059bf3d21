"""The engines compared by bench_engines.py, each behind the same four calls: build, save, load, top 10.

Every engine gets the same pre-tokenized words where it takes tokens (storybot, rank-bm25, bm25s); tantivy and
SQLite FTS5 tokenize text themselves, so they get the words joined by spaces, which their tokenizers (tantivy's
"whitespace", FTS5's "unicode61") split back into exactly the same words (lower-case letters only).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index import accel
from index.bm25 import BM25Params, CompiledIndex

K = 10
Hits = list[tuple[int, float]]


@dataclass(frozen=True)
class Engine:
    """How to build, save, load and query one engine; `load` is None for an engine that cannot save."""

    name: str
    inputs: str  # what the engine is given: "tokens" or "text"
    build: Callable[[list[Any]], Any]  # from the paragraphs as word lists (tokens) or texts
    save: Callable[[Any, Path], None] | None
    load: Callable[[Path, bool], Any] | None  # (directory, memory-mapped?)
    search: Callable[[Any, list[str]], Hits]
    mmap: bool  # whether `load` can memory-map the saved index
    note: str = ""


def _storybot_search(index: CompiledIndex, query: list[str]) -> Hits:
    return index.top_k(query, K)


def _storybot_load(directory: Path, _mmap: bool) -> CompiledIndex:
    index = CompiledIndex.load(directory, expected_key="bench")
    accel.wait()  # numba's import and cached kernels, once per process: part of the cold load, not of the warm one
    return index


STORYBOT = Engine(
    name="storybot",
    inputs="tokens",
    build=lambda docs: CompiledIndex.build(docs, BM25Params()),
    save=lambda index, directory: index.save(directory, "bench"),
    load=_storybot_load,
    search=_storybot_search,
    mmap=True,
    note="CompiledIndex, Okapi k1 1.5 b 0.75 (rank-bm25's scores); load verifies every file's crc32 and, the first "
    "time in a process, waits for the compiled kernels (numba's import and its on-disk cache, about 0.35 s and 110 MB "
    "resident, 70 MB of it numba's shared library: like tantivy's native library, in the cold load and not in loaded "
    "RSS)",
)


class _RankBM25:
    """rank-bm25's BM25Okapi with the paragraph numbers as the "documents" get_top_n returns."""

    def __init__(self, docs: list[list[str]]) -> None:
        from rank_bm25 import BM25Okapi

        self.model = BM25Okapi(docs)
        self.numbers = list(range(len(docs)))

    def search(self, query: list[str]) -> Hits:
        docs = self.model.get_top_n(query, self.numbers, n=K)
        scores = self.model.get_batch_scores(query, docs)  # for the agreement check: not timed separately
        return [(int(doc), float(score)) for doc, score in zip(docs, scores, strict=True)]


RANK_BM25 = Engine(
    name="rank-bm25",
    inputs="tokens",
    build=_RankBM25,
    save=None,
    load=None,
    search=lambda model, query: model.search(query),
    mmap=False,
    note="BM25Okapi.get_top_n (+ get_batch_scores of the 10); no save without pickle",
)


def _bm25s_engine(backend: str) -> Engine:
    def build(docs: list[list[str]]) -> Any:
        import bm25s

        retriever = bm25s.BM25(k1=1.5, b=0.75, backend=backend)
        retriever.index(docs, show_progress=False)
        return retriever

    def load(directory: Path, mmap: bool) -> Any:
        import bm25s

        retriever = bm25s.BM25.load(directory, mmap=mmap, show_progress=False)
        retriever.backend = backend  # saved in its parameters too; set again to be sure
        return retriever

    def search(retriever: Any, query: list[str]) -> Hits:
        if not any(word in retriever.vocab_dict for word in query):
            return []  # bm25s would rank every document with score 0
        docs, scores = retriever.retrieve([query], k=K, show_progress=False, n_threads=1)
        return [(int(d), float(s)) for d, s in zip(docs[0].tolist(), scores[0].tolist(), strict=True) if s > 0]

    return Engine(
        name=f"bm25s-{backend}",
        inputs="tokens",
        build=build,
        save=lambda retriever, directory: retriever.save(directory),
        load=load,
        search=search,
        mmap=True,
        note=f"bm25s {backend} backend, Lucene idf, k1 1.5 b 0.75"
        + ("; JIT compilation excluded (one warm-up query)" if backend == "numba" else ""),
    )


def _tantivy_build(texts: list[str]) -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="whitespace", index_option="freq")
    schema = builder.build()
    directory = Path(os.environ["BENCH_ENGINE_DIR"])  # tantivy writes where it is built
    directory.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(schema, path=str(directory))
    writer = index.writer(heap_size=512 * 2**20, num_threads=2)
    for text in texts:
        writer.add_document(tantivy.Document(body=text))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


def _tantivy_load(directory: Path, _mmap: bool) -> Any:
    import tantivy

    index = tantivy.Index.open(str(directory))
    return index, index.searcher(), index.schema


def _tantivy_search(loaded: Any, query: list[str]) -> Hits:
    import tantivy

    _, searcher, schema = loaded
    terms = [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "body", word)) for word in dict.fromkeys(query)]
    result = searcher.search(tantivy.Query.boolean_query(terms), K, count=False)  # count=True would disable pruning
    # Hits are (score, DocAddress); with one merged segment the address's doc is the paragraph number.
    return [(address.doc, score) for score, address in result.hits]


TANTIVY = Engine(
    name="tantivy",
    inputs="text",
    build=_tantivy_build,
    save=lambda _index, _directory: None,  # committed to its directory while building
    load=_tantivy_load,
    search=_tantivy_search,
    mmap=True,
    note="tantivy-py, own 'whitespace' tokenizer on the joined words, freqs without positions, BM25 k1 1.2 b 0.75",
)


def _fts5_build(texts: list[str]) -> Any:
    path = Path(os.environ["BENCH_ENGINE_DIR"]) / "fts5.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("CREATE VIRTUAL TABLE paragraphs USING fts5(body, tokenize='unicode61')")
    with connection:
        connection.executemany("INSERT INTO paragraphs(rowid, body) VALUES (?, ?)", enumerate(texts))
    connection.execute("INSERT INTO paragraphs(paragraphs) VALUES ('optimize')")
    connection.commit()
    return connection


def _fts5_load(directory: Path, mmap: bool) -> Any:
    connection = sqlite3.connect(f"file:{directory / 'fts5.sqlite3'}?mode=ro", uri=True, check_same_thread=False)
    if mmap:
        connection.execute(f"PRAGMA mmap_size={1 << 34}")
    connection.execute("SELECT count(*) FROM paragraphs_data").fetchone()  # opens the schema and the table
    return connection


def _fts5_search(connection: sqlite3.Connection, query: list[str]) -> Hits:
    match = " OR ".join(f'"{word}"' for word in dict.fromkeys(query))
    rows = connection.execute(
        "SELECT rowid, rank FROM paragraphs WHERE paragraphs MATCH ? ORDER BY rank LIMIT ?", (match, K)
    ).fetchall()
    return [(int(rowid), -float(rank)) for rowid, rank in rows]  # bm25() is negated: smaller is better


FTS5 = Engine(
    name="sqlite-fts5",
    inputs="text",
    build=_fts5_build,
    save=lambda connection, _directory: connection.close(),
    load=_fts5_load,
    search=_fts5_search,
    mmap=True,
    note="stdlib sqlite3 FTS5, unicode61 tokenizer, full detail (positions), ORDER BY rank (bm25(), k1 1.2 b 0.75)",
)

ALL = (STORYBOT, RANK_BM25, _bm25s_engine("numpy"), _bm25s_engine("numba"), TANTIVY, FTS5)
ENGINES = {engine.name: engine for engine in ALL}
PEERS = [name for name in ENGINES if name != "storybot"]

logging.getLogger("bm25s").setLevel(logging.WARNING)
