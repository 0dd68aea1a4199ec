"""Compiled loops over every vote (numba, cached to disk after the first compile).

An incremental update re-reads all votes; with a million of them, numpy's sort-based
deduplication and bincount over temporaries cost more than the PCA. These loops make one or
two passes over the votes with no sort of the whole stream: votes are bucketed by
participant, and each participant's few dozen statements are sorted on their own.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _sort_prefix(values, count):  # pragma: no cover - compiled
    """Sort values[:count] in place: insertion sort for the few dozen columns a row usually
    holds, heapsort beyond (np.sort would allocate, and takes numba ten seconds to compile)."""
    if count <= 64:
        for q in range(1, count):
            item = values[q]
            j = q - 1
            while j >= 0 and values[j] > item:
                values[j + 1] = values[j]
                j -= 1
            values[j + 1] = item
        return
    for start in range(count // 2 - 1, -1, -1):
        _sift_down(values, start, count)
    for end in range(count - 1, 0, -1):
        values[0], values[end] = values[end], values[0]
        _sift_down(values, 0, end)


@njit(cache=True, nogil=True)
def _sift_down(values, root, end):  # pragma: no cover - compiled
    while True:
        child = 2 * root + 1
        if child >= end:
            return
        if child + 1 < end and values[child + 1] > values[child]:
            child += 1
        if values[root] >= values[child]:
            return
        values[root], values[child] = values[child], values[root]
        root = child


@njit(cache=True, nogil=True)
def latest_votes_csr(rows, cols, votes, n, m):  # pragma: no cover - compiled
    """CSR of each (row, column)'s last vote in stream order, columns ascending in each row.

    `rows`, `cols` and `votes` list the votes oldest first. Returns indptr (n + 1), indices,
    data in Polis's internal sign (agree = -1), the stream position of each stored vote, and
    each row's first position in the stream.
    """
    count = rows.shape[0]
    start = np.zeros(n + 1, dtype=np.int64)
    for k in range(count):
        start[rows[k] + 1] += 1
    for r in range(n):
        start[r + 1] += start[r]
    fill = start[:-1].copy()
    bucket = np.empty(count, dtype=np.int64)  # stream positions, grouped by row, in order
    for k in range(count):
        r = rows[k]
        bucket[fill[r]] = k
        fill[r] += 1

    indptr = np.zeros(n + 1, dtype=np.int64)
    indices = np.empty(count, dtype=np.int32)
    data = np.empty(count, dtype=np.float64)
    position = np.empty(count, dtype=np.int64)
    first_seen = np.empty(n, dtype=np.int64)
    last = np.full(m, -1, dtype=np.int64)  # latest stream position per column, this row
    touched = np.empty(m, dtype=np.int64)
    stored = 0
    for r in range(n):
        first_seen[r] = bucket[start[r]]
        distinct = 0
        for p in range(start[r], start[r + 1]):
            k = bucket[p]
            c = cols[k]
            if last[c] < 0:
                touched[distinct] = c
                distinct += 1
            last[c] = k  # later in the stream: the newer vote wins
        _sort_prefix(touched, distinct)
        for q in range(distinct):
            c = touched[q]
            indices[stored] = c
            data[stored] = -np.float64(votes[last[c]])  # CSV sign -> internal sign
            position[stored] = last[c]
            stored += 1
            last[c] = -1
        indptr[r + 1] = stored
    return indptr, indices[:stored], data[:stored], position[:stored], first_seen


@njit(cache=True, nogil=True)
def cluster_vote_counts(indptr, indices, data, cluster_of_row, k, m):  # pragma: no cover
    """(k, m, 3) counts of agree, disagree and seen per (cluster, column); rows in cluster -1
    skipped. The three counts of a cell share a cache line while counting."""
    counts = np.zeros((k, m, 3), dtype=np.int32)
    for r in range(indptr.shape[0] - 1):
        c = cluster_of_row[r]
        if c < 0:
            continue
        for p in range(indptr[r], indptr[r + 1]):
            j = indices[p]
            counts[c, j, 2] += 1
            if data[p] < 0:  # internal sign: agree = -1
                counts[c, j, 0] += 1
            elif data[p] > 0:
                counts[c, j, 1] += 1
    return counts


# The Gram statistics, packed: for statements j <= k, gram[j, k] holds XᵀX[j, k], MᵀX[j, k],
# MᵀM[j, k] and MᵀX[k, j] (X the votes in internal sign, M their mask), as int32 counts. One
# cache line per pair and half the pairs: 4x faster to build than three float (m, m) arrays.
XX, MX, MM, XM = 0, 1, 2, 3


@njit(cache=True, nogil=True, inline="always")
def _replace_pair(gram, ja, jb, xa, xb, ma, mb, ya, yb, na, nb):  # pragma: no cover - compiled
    """One participant's pair of cells ja, jb changed from values xa, xb (voted marks ma, mb;
    0 for not voted) to ya, yb (marks na, nb): move the four statistics by the difference."""
    if ja == jb:
        gram[ja, ja, XX] += ya * ya - xa * xa
        gram[ja, ja, MX] += na * ya - ma * xa
        gram[ja, ja, MM] += na - ma
        return
    if ja > jb:
        ja, jb = jb, ja
        xa, xb, ma, mb = xb, xa, mb, ma
        ya, yb, na, nb = yb, ya, nb, na
    gram[ja, jb, XX] += ya * yb - xa * xb
    gram[ja, jb, MX] += na * yb - ma * xb
    gram[ja, jb, MM] += na * nb - ma * mb
    gram[ja, jb, XM] += ya * nb - xa * mb


@njit(cache=True, nogil=True)
def gram_stats(indptr, indices, data, m):  # pragma: no cover - compiled
    """The packed statistics (see XX, MX, MM, XM) of a latest-vote CSR with sorted rows.

    The PCA's Gram matrix for any column centre follows from them; they are counts, so
    updating them vote by vote (`merge_latest_votes`) gives exactly what this builds.
    """
    gram = np.zeros((m, m, 4), dtype=np.int32)
    for r in range(indptr.shape[0] - 1):
        lo, hi = indptr[r], indptr[r + 1]
        for a in range(lo, hi):
            ja = indices[a]
            xa = np.int32(data[a])
            gram[ja, ja, XX] += xa * xa
            gram[ja, ja, MX] += xa
            gram[ja, ja, MM] += 1
            for b in range(a + 1, hi):  # columns ascend: ja < indices[b]
                jb = indices[b]
                xb = np.int32(data[b])
                gram[ja, jb, XX] += xa * xb
                gram[ja, jb, MX] += xb
                gram[ja, jb, MM] += 1
                gram[ja, jb, XM] += xa
    return gram


@njit(cache=True, nogil=True)
def gram_covariance(gram, center, zeroed):  # pragma: no cover - compiled
    """Xcᵀ·Xc, dense and symmetric, for column centre μ, with the `zeroed` columns left 0.

    A centred cell is x − μ where voted and 0 elsewhere, so entry (j, k) is XᵀX − μ_j·MᵀX[j, k]
    − μ_k·MᵀX[k, j] + μ_j·μ_k·MᵀM: no pass over the votes.
    """
    m = gram.shape[0]
    out = np.zeros((m, m))
    for j in range(m):
        if zeroed[j]:
            continue
        mj = center[j]
        out[j, j] = gram[j, j, XX] - 2.0 * mj * gram[j, j, MX] + mj * mj * gram[j, j, MM]
        for k in range(j + 1, m):
            if zeroed[k]:
                continue
            mk = center[k]
            value = (
                gram[j, k, XX]
                - mj * gram[j, k, MX]
                - mk * gram[j, k, XM]
                + mj * mk * gram[j, k, MM]
            )
            out[j, k] = value
            out[k, j] = value
    return out


@njit(cache=True, nogil=True)
def merge_latest_votes(
    indptr,
    indices,
    data,
    cell_ts,
    first_ts,
    new_rows,
    new_cols,
    new_votes,
    new_ts,
    n,
    gram,
):  # pragma: no cover - compiled
    """Fold the cells' new latest votes into the latest-vote CSR; return the new CSR, cell
    times, first times.

    The old CSR has len(indptr) - 1 rows; rows up to n - 1 may be new. New votes come sorted by
    (row, column, time, vote), one per cell from a caller that keeps only the latest vote per
    cell: they stand whatever their time (on a repeated cell, the last one). A touched row's
    first time is the earliest of its cells' times, as `latest_votes_csr` gives from those
    latest votes alone; `first_ts` is extended to n rows. When `gram` holds the packed
    statistics of `gram_stats` (else it is empty), they are updated in place, changed cell by
    changed cell: O(changes × row length), not O(row length²).
    """
    old_n = indptr.shape[0] - 1
    count_new = new_rows.shape[0]
    capacity = indices.shape[0] + count_new
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    out_idx = np.empty(capacity, dtype=np.int32)
    out_val = np.empty(capacity, dtype=np.float64)
    out_ts = np.empty(capacity, dtype=np.int64)
    out_first = np.empty(n, dtype=np.int64)
    out_first[:old_n] = first_ts
    big = np.iinfo(np.int64).max
    out_first[old_n:] = big
    with_gram = gram.shape[0] > 0
    # One row's union of old and new cells: column, old value and presence, new value (every
    # cell of the union is voted afterwards).
    m_row = 0
    for r in range(old_n):
        if indptr[r + 1] - indptr[r] > m_row:
            m_row = indptr[r + 1] - indptr[r]
    u_col = np.empty(m_row + count_new, dtype=np.int64)
    u_old = np.empty(m_row + count_new, dtype=np.int32)
    u_new = np.empty(m_row + count_new, dtype=np.int32)
    u_had = np.empty(m_row + count_new, dtype=np.int32)  # 1 if the cell was voted before
    changed = np.empty(m_row + count_new, dtype=np.int64)

    stored = 0
    p = 0  # next new vote
    for r in range(n):
        lo = indptr[r] if r < old_n else 0
        hi = indptr[r + 1] if r < old_n else 0
        q = p
        while q < count_new and new_rows[q] == r:
            q += 1
        if q == p:  # untouched row: copy it
            for a in range(lo, hi):
                out_idx[stored] = indices[a]
                out_val[stored] = data[a]
                out_ts[stored] = cell_ts[a]
                stored += 1
            out_ptr[r + 1] = stored
            continue
        # Merge the row's old cells with its new votes, both in column order.
        units = 0
        n_changed = 0
        a = lo
        k = p
        while a < hi or k < q:
            if k >= q or (a < hi and indices[a] < new_cols[k]):  # an old cell, no new vote
                col = indices[a]
                had = True
                old = data[a]
                val = old
                ts = cell_ts[a]
                a += 1
            else:
                col = new_cols[k]
                had = a < hi and indices[a] == col
                old = data[a] if had else 0.0
                val = old
                ts = cell_ts[a] if had else -big
                if had:
                    a += 1
                while k < q and new_cols[k] == col:
                    val = -np.float64(new_votes[k])  # CSV sign -> internal sign
                    ts = new_ts[k]
                    k += 1
            u_col[units] = col
            u_had[units] = 1 if had else 0
            u_old[units] = np.int32(old)
            u_new[units] = np.int32(val)
            if not had or val != old:
                changed[n_changed] = units
                n_changed += 1
            out_idx[stored] = col
            out_val[stored] = val
            out_ts[stored] = ts
            stored += 1
            units += 1
        out_ptr[r + 1] = stored
        # Only latest votes are known: a re-vote can move the row's first time later.
        first = big
        for a in range(out_ptr[r], stored):
            first = min(first, out_ts[a])
        out_first[r] = first
        p = q
        if not with_gram:
            continue
        if 4 * n_changed >= units:
            # Most of the row changed (someone mid-session): take the whole row out and put it
            # back, pairs in column order so the writes run along the packed rows.
            for i in range(units):
                for j in range(i, units):
                    _replace_pair(
                        gram,
                        u_col[i],
                        u_col[j],
                        u_old[i],
                        u_old[j],
                        u_had[i],
                        u_had[j],
                        u_new[i],
                        u_new[j],
                        1,
                        1,
                    )
            continue
        # A few cells changed: only the pairs with a changed cell, each once, old out, new in.
        is_changed = np.zeros(units, dtype=np.bool_)
        for c in range(n_changed):
            is_changed[changed[c]] = True
        for c in range(n_changed):
            j = changed[c]
            for i in range(units):
                if is_changed[i] and i < j:
                    continue  # both changed: taken when the outer loop was at i
                _replace_pair(
                    gram,
                    u_col[j],
                    u_col[i],
                    u_old[j],
                    u_old[i],
                    u_had[j],
                    u_had[i],
                    u_new[j],
                    u_new[i],
                    1,
                    1,
                )
    return out_ptr, out_idx[:stored], out_val[:stored], out_ts[:stored], out_first
