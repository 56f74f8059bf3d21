"""Compiled query kernels (numba, cached on disk) over the layout of index/postings.py.

`top_k` ranks by float32 approximate scores computed from the frequencies (postings are added into an array of
every document; columns a block of documents at a time, in loops the compiler vectorises). Every approximate weight
is within (terms + 20)·2⁻²⁴ of the largest possible score of its exact float64 value (a handful of float32 roundings
per weight, one per addition), so a document of the exact top k always has an approximate score within 2·error of
the k-th best. That band is collected while scanning (a min-heap of the k best so far gives a rising lower bound)
and rescored exactly in float64, in rank-bm25's operation order; `exact_scores` is that rescoring alone.

Every kernel takes the index as one tuple `ix` in the order of index/topk.py's INDEX_ARRAYS. They all live in this
one file on purpose: numba's cache is invalidated by a change to the file of the function compiled, not to the
files of the functions it calls. Import it through index/accel.py only: importing numba takes a few hundred
milliseconds, compiling (the first use after an install or a change) several seconds.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# numpy's error model: division never raises (so loops vectorise); no Python objects; the GIL is released.
JIT_OPTIONS = {"cache": True, "nogil": True, "error_model": "numpy"}
INLINE = {**JIT_OPTIONS, "inline": "always"}  # small helpers called per posting or document
OKAPI, PLUS, L = 0, 1, 2
BLOCK = 256
_ULP32 = 2.0**-24
_SLACK_ROUNDINGS = 20
_TINY = 1e-45  # below the smallest positive float32: s ≥ _TINY ⟺ s > 0


@njit(**JIT_OPTIONS)
def find_term(blob, offsets, key):  # type: ignore[no-untyped-def]
    """The id of the term whose UTF-8 bytes are `key` (uint8), or −1: binary search over the sorted blob."""
    lo, hi = 0, offsets.size - 1
    while lo < hi:
        mid = (lo + hi) >> 1
        start, stop = offsets[mid], offsets[mid + 1]
        less, decided = False, False
        for i in range(min(stop - start, key.size)):
            if blob[start + i] != key[i]:
                less, decided = blob[start + i] < key[i], True
                break
        if not decided:
            less = stop - start < key.size
        if less:
            lo = mid + 1
        else:
            hi = mid
    if lo == offsets.size - 1 or offsets[lo + 1] - offsets[lo] != key.size:
        return -1
    for i in range(key.size):
        if blob[offsets[lo] + i] != key[i]:
            return -1
    return lo


@njit(**JIT_OPTIONS)
def big_tf_of(big_at, big_tf, key, stored):  # type: ignore[no-untyped-def]
    """The exact frequency behind a saturated one (`stored`), found by its key in big_at."""
    position = np.searchsorted(big_at, key)
    if position < big_at.size and big_at[position] == key:
        return np.int64(big_tf[position])
    return np.int64(stored)


@njit(**JIT_OPTIONS)
def column_index(column_terms, t):  # type: ignore[no-untyped-def]
    """The column of term `t`, or −1 when it has postings."""
    position = np.searchsorted(column_terms, t)
    if position < column_terms.size and column_terms[position] == t:
        return np.int64(position)
    return np.int64(-1)


@njit(**INLINE)
def posting_tf(doc_low, tf_nibbles, run_offsets, run_chunk, run_start, big_at, big_tf, t, d):  # type: ignore[no-untyped-def]
    """How often term `t` (one with postings) occurs in document `d`; 0 when absent."""
    chunk, low = d >> 16, d & 0xFFFF
    lo, hi = run_offsets[t], run_offsets[t + 1]
    while lo < hi:  # the run of d's chunk
        mid = (lo + hi) >> 1
        if np.int64(run_chunk[mid]) < chunk:
            lo = mid + 1
        else:
            hi = mid
    if lo == run_offsets[t + 1] or np.int64(run_chunk[lo]) != chunk:
        return np.int64(0)
    first, size = run_start[lo], run_start[lo + 1] - run_start[lo]
    while size > 1:  # d within the run, without branches to mispredict (the compiler makes it a conditional move)
        half = size >> 1
        first = first + half if np.int64(doc_low[first + half - 1]) < low else first
        size -= half
    if np.int64(doc_low[first]) != low:
        return np.int64(0)
    nibble = (tf_nibbles[first >> 1] >> ((first & 1) << 2)) & 15
    return big_tf_of(big_at, big_tf, first, nibble) if nibble == 15 else np.int64(nibble)


@njit(**INLINE)
def exact_weight(variant, k1, b, delta, avgdl, idf, tf, dl):  # type: ignore[no-untyped-def]
    """One word's exact score in one document, in rank-bm25's operation order (index/bm25.py `_contribution`)."""
    if tf == 0:
        return idf * delta if variant == PLUS else 0.0
    norm = (1.0 - b) + (b * np.float64(dl)) / avgdl
    x = np.float64(tf)
    if variant == OKAPI:
        return idf * (x * (k1 + 1.0) / (x + k1 * norm))
    if variant == PLUS:
        return idf * (delta + (x * (k1 + 1.0)) / (k1 * norm + x))
    ctd = x / norm
    return idf * x * (k1 + 1.0) * (ctd + delta) / (k1 + ctd + delta)


@njit(**INLINE)
def approx_weight(variant, k1p1, k1, delta, x, dn):  # type: ignore[no-untyped-def]
    """A word's float32 ranking weight before idf, from its frequency and the document's factor `dn`."""
    if variant == L:
        ctd = x * dn
        return x * k1p1 * (ctd + delta) / (k1 + ctd + delta)
    return x * k1p1 / (x + dn)


@njit(**JIT_OPTIONS)
def distinct(query):  # type: ignore[no-untyped-def]
    """The distinct terms of `query`, in first-seen order, and how often each is repeated."""
    terms, counts = np.empty(query.size, np.int64), np.zeros(query.size, np.int64)
    n = 0
    for q in query:
        j = 0
        while j < n and terms[j] != q:
            j += 1
        if j == n:
            terms[n] = q
            n += 1
        counts[j] += 1
    return terms[:n], counts[:n]


@njit(**JIT_OPTIONS)
def exact_scores(ix, params, query, docs):  # type: ignore[no-untyped-def]
    """Exact scores (float64) of `docs` for `query` (term ids, repeats and order as asked), as rank-bm25 sums."""
    terms, _ = distinct(query)
    return rescore(ix, params, query, terms, docs)


@njit(**JIT_OPTIONS)
def rescore(ix, params, query, terms, docs):  # type: ignore[no-untyped-def]
    """`exact_scores` given the distinct terms of the query. params: variant, k1, b, delta, avgdl."""
    doc_low, tf_nibbles, run_offsets, run_chunk, run_start, column_terms, columns, big_at, big_tf = ix[:9]
    doc_len, idf = ix[9], ix[10]
    variant, k1, b, delta, avgdl = np.int64(params[0]), params[1], params[2], params[3], params[4]
    contributions = np.zeros((terms.size, docs.size))
    for j in range(terms.size):
        t = terms[j]
        column = column_index(column_terms, t)
        for i in range(docs.size):
            d = docs[i]
            if column >= 0:
                tf = np.int64(columns[column, d])
                if tf == 255:
                    tf = big_tf_of(big_at, big_tf, doc_low.size + column * columns.shape[1] + d, tf)
            else:
                tf = posting_tf(doc_low, tf_nibbles, run_offsets, run_chunk, run_start, big_at, big_tf, t, d)
            contributions[j, i] = exact_weight(variant, k1, b, delta, avgdl, idf[t], tf, doc_len[d])
    total = np.zeros(docs.size)
    for q in query:  # in query order, repeats included, like rank-bm25's sum
        j = 0
        while terms[j] != q:
            j += 1
        for i in range(docs.size):
            total[i] += contributions[j, i]
    return total


@njit(**INLINE)
def _offer(d, s, band, heap, sizes, lower, cand_d, cand_s):  # type: ignore[no-untyped-def]
    """Take document `d` with approximate score `s` (> 0, ≥ lower[0]) into the heap and the candidates.

    (Returning nothing matters: a call returning the buffers made the scanning loop ten times slower.)"""
    count = sizes[0]
    if count < heap.size:
        i = count
        heap[i] = s
        while i > 0 and heap[(i - 1) >> 1] > heap[i]:
            parent = (i - 1) >> 1
            heap[i], heap[parent] = heap[parent], heap[i]
            i = parent
        sizes[0] = count + 1
        if count + 1 == heap.size:
            lower[0] = np.float64(heap[0]) - band
    elif s > heap[0]:
        heap[0] = s
        i = 0
        while True:
            smallest, left = i, 2 * i + 1
            if left < heap.size and heap[left] < heap[smallest]:
                smallest = left
            if left + 1 < heap.size and heap[left + 1] < heap[smallest]:
                smallest = left + 1
            if smallest == i:
                break
            heap[i], heap[smallest] = heap[smallest], heap[i]
            i = smallest
        lower[0] = np.float64(heap[0]) - band
    held = sizes[1]  # the buffers have room for every document, each offered at most once
    cand_d[held], cand_s[held] = d, s
    sizes[1] = held + 1


@njit(**INLINE)
def _scatter_chunk(ix, acc, terms, weights, cursor, chunk, dn, model):  # type: ignore[no-untyped-def]
    """Add the weights of `terms` (each times its idf × count) into `acc` for their postings in one chunk;
    `cursor` holds each term's next run and moves past the chunk's."""
    doc_low, tf_nibbles, run_offsets, run_chunk, run_start = ix[:5]
    big_at, big_tf = ix[7], ix[8]
    variant, k1p1, k1, delta = np.int64(model[0]), model[1], model[2], model[3]
    n, base = acc.size, np.int64(chunk) << 16
    for j in range(terms.size):
        r, f = cursor[j], weights[j]
        if r == run_offsets[terms[j] + 1] or np.int64(run_chunk[r]) != chunk:
            continue
        cursor[j] = r + 1
        for i in range(run_start[r], run_start[r + 1]):
            d = base + np.int64(doc_low[i])
            if d >= n:  # only a damaged index could say so; never write outside acc
                continue
            nibble = (tf_nibbles[i >> 1] >> ((i & 1) << 2)) & 15
            x = np.float32(big_tf_of(big_at, big_tf, i, nibble) if nibble == 15 else nibble)
            acc[d] += f * approx_weight(variant, k1p1, k1, delta, x, dn[d])


@njit(**JIT_OPTIONS)
def _scatter(ix, acc, terms, weights, dn, model):  # type: ignore[no-untyped-def]
    """Add the weights of `terms` into `acc` for all their postings, a chunk at a time (_scatter_chunk)."""
    cursor = ix[2][terms]
    for chunk in range((acc.size + 0xFFFF) >> 16):
        _scatter_chunk(ix, acc, terms, weights, cursor, chunk, dn, model)


@njit(**JIT_OPTIONS)
def _fix_saturated(ix, acc, column, f, dn, model):  # type: ignore[no-untyped-def]
    """Columns hold 255 for "255 or more": add the difference the exact frequencies make. Returns how many."""
    big_at, big_tf = ix[7], ix[8]
    variant, k1p1, k1, delta = np.int64(model[0]), model[1], model[2], model[3]
    first = ix[0].size + column * acc.size
    e = np.searchsorted(big_at, first)
    fixed = 0
    while e < big_at.size and big_at[e] < first + acc.size:
        d = big_at[e] - first
        exact = approx_weight(variant, k1p1, k1, delta, np.float32(big_tf[e]), dn[d])
        acc[d] += f * (exact - approx_weight(variant, k1p1, k1, delta, np.float32(255), dn[d]))
        e += 1
        fixed += 1
    return fixed


@njit(**INLINE)
def _block_scores(acc, columns, chosen, weights, dn, model, start, width, buffer):  # type: ignore[no-untyped-def]
    """buffer[:width] = the scores of documents start… : the postings' part (in acc) plus the columns'."""
    variant, k1p1, k1, delta = np.int64(model[0]), model[1], model[2], model[3]
    block, factors = acc[start : start + width], dn[start : start + width]
    for i in range(width):
        buffer[i] = block[i]
    for j in range(chosen.size):
        row, f = columns[chosen[j], start : start + width], weights[j]
        if variant == L:
            for i in range(width):
                x = np.float32(row[i])
                ctd = x * factors[i]
                buffer[i] += f * (x * k1p1 * (ctd + delta) / (k1 + ctd + delta))
        else:
            for i in range(width):
                x = np.float32(row[i])
                buffer[i] += f * (x * k1p1 / (x + factors[i]))


@njit(**JIT_OPTIONS)
def _block_pass(
    ix, acc, terms, weights, columns, chosen, column_weights, dn, model, band, heap, sizes, lower, cand_d, cand_s
):  # type: ignore[no-untyped-def]
    """Offer every document that can be in the band, a block of documents at a time: the postings of `terms` are
    added into `acc` (left so) and the columns into a block's buffer. A first pass, a chunk at a time while its
    scores are in the core's cache, keeps each block's best score (the k-th best of those is a lower bound of the
    k-th best score); a second pass recomputes and scans only the blocks that can reach it."""
    n = acc.size
    blocks = (n + BLOCK - 1) // BLOCK
    buffer, best = np.empty(BLOCK, np.float32), np.zeros(blocks, np.float32)
    bits, best_bits = buffer.view(np.int32), best.view(np.int32)
    cursor = ix[2][terms]
    per_chunk = (1 << 16) // BLOCK
    for chunk in range((n + 0xFFFF) >> 16):
        _scatter_chunk(ix, acc, terms, weights, cursor, chunk, dn, model)
        for b in range(chunk * per_chunk, min(blocks, (chunk + 1) * per_chunk)):
            width = min(BLOCK, n - b * BLOCK)
            _block_scores(acc, columns, chosen, column_weights, dn, model, b * BLOCK, width, buffer)
            top = np.int32(0)
            for i in range(width):  # scores are ≥ 0, so their bits order as they do: an integer maximum vectorises
                top = max(top, bits[i])
            best_bits[b] = top
    floor = _TINY  # s ≥ floor ⟺ s > 0, for s ≥ 0
    if blocks >= heap.size:
        floor = max(np.float64(np.partition(best, blocks - heap.size)[blocks - heap.size]) - band, _TINY)
    for b in range(blocks):
        if best[b] < max(lower[0], floor):
            continue
        width = min(BLOCK, n - b * BLOCK)
        _block_scores(acc, columns, chosen, column_weights, dn, model, b * BLOCK, width, buffer)
        for i in range(width):
            if buffer[i] >= max(lower[0], floor):
                _offer(b * BLOCK + i, buffer[i], band, heap, sizes, lower, cand_d, cand_s)


@njit(**JIT_OPTIONS)
def _clear(ix, acc, terms):  # type: ignore[no-untyped-def]
    """Reset `acc` to 0 where the postings of `terms` put something."""
    doc_low, run_offsets, run_chunk, run_start = ix[0], ix[2], ix[3], ix[4]
    n = acc.size
    for t in terms:
        for r in range(run_offsets[t], run_offsets[t + 1]):
            base = np.int64(run_chunk[r]) << 16
            for i in range(run_start[r], run_start[r + 1]):
                d = base + np.int64(doc_low[i])
                if d < n:
                    acc[d] = 0


@njit(**JIT_OPTIONS)
def _posting_pass(ix, acc, terms, band, heap, sizes, lower, cand_d, cand_s):  # type: ignore[no-untyped-def]
    """Without columns only the postings' documents can score: read each once from `acc` and reset it to 0."""
    doc_low, run_offsets, run_chunk, run_start = ix[0], ix[2], ix[3], ix[4]
    n = acc.size
    for t in terms:
        for r in range(run_offsets[t], run_offsets[t + 1]):
            base = np.int64(run_chunk[r]) << 16
            for i in range(run_start[r], run_start[r + 1]):
                d = base + np.int64(doc_low[i])
                if d >= n:
                    continue
                s = acc[d]
                if s != 0:
                    acc[d] = 0
                    if s > 0 and s >= lower[0]:
                        _offer(d, s, band, heap, sizes, lower, cand_d, cand_s)


@njit(**JIT_OPTIONS)
def top_k(ix, dn, params, query, k, acc, cand_d, cand_s):  # type: ignore[no-untyped-def]
    """The best `k` documents for `query` (known term ids with non-negative idf, in query order with repeats):
    (documents, exact scores), best first, ties by lower document, only scores above 0. `dn`: each document's
    length factor (topk.py); scratch space, one entry per document: `acc` (float32, all 0, and left so),
    `cand_d` (int32) and `cand_s` (float32)."""
    column_terms, columns, doc_len, idf, bounds = ix[5], ix[6], ix[9], ix[10], ix[11]
    terms, counts = distinct(query)
    kept = min(k, doc_len.size)
    if kept <= 0 or terms.size == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    model = np.array([params[0], params[1] + 1.0, params[1], params[3]], np.float32)
    largest = 0.0
    for j in range(terms.size):
        largest += counts[j] * np.float64(bounds[terms[j]])
    band = 2.0 * (terms.size + _SLACK_ROUNDINGS) * _ULP32 * largest
    chosen, weights = np.empty(terms.size, np.int64), np.empty(terms.size, np.float32)
    posting_terms, posting_weights = np.empty(terms.size, np.int64), np.empty(terms.size, np.float32)
    columns_used, scattered = 0, 0
    for j in range(terms.size):
        t = terms[j]
        f = np.float32(idf[t] * counts[j])
        column = column_index(column_terms, t)
        if column >= 0:
            chosen[columns_used], weights[columns_used] = column, f
            columns_used += 1
        else:
            posting_terms[j - columns_used], posting_weights[j - columns_used] = t, f
            scattered += np.int64(ix[4][ix[2][t + 1]] - ix[4][ix[2][t]])
    posting_terms = posting_terms[: terms.size - columns_used]
    posting_weights = posting_weights[: posting_terms.size]
    chosen, weights = chosen[:columns_used], weights[:columns_used]
    heap, sizes, lower = np.empty(kept, np.float32), np.zeros(2, np.int64), np.full(1, -np.inf)
    saturated = 0
    for j in range(columns_used):
        saturated += _fix_saturated(ix, acc, chosen[j], weights[j], dn, model)
    if columns_used or scattered * 8 > doc_len.size:  # every document, a block at a time
        _block_pass(
            ix, acc, posting_terms, posting_weights, columns, chosen, weights, dn, model,
            band, heap, sizes, lower, cand_d, cand_s,
        )  # fmt: skip
        if saturated or scattered * 4 > doc_len.size:  # saturated: a word 255 times or more in one document
            acc[:] = 0
        else:
            _clear(ix, acc, posting_terms)
    else:  # few postings: only their documents can score
        _scatter(ix, acc, posting_terms, posting_weights, dn, model)
        _posting_pass(ix, acc, posting_terms, band, heap, sizes, lower, cand_d, cand_s)
    bound = np.float64(heap[0]) - band if sizes[0] == kept else -np.inf
    docs = np.sort(cand_d[: sizes[1]][cand_s[: sizes[1]] >= bound].astype(np.int64))
    exact = rescore(ix, params, query, terms, docs)
    positive = exact > 0
    docs, exact = docs[positive], exact[positive]
    order = np.argsort(-exact, kind="mergesort")[:kept]  # stable: ties stay in ascending document order
    return docs[order], exact[order]
