"""The matrix-free ARPACK path of the PCA (more than DENSE_GRAM_LIMIT statements).

The Polis fixtures all have at most 600 statements, so they exercise only the dense Gram path;
these tests hold the sparse path to the same exactness against a dense eigendecomposition,
both cold and warm-started from the axes of an earlier update, as an incremental update is.
"""

from __future__ import annotations

import numpy as np

from clustering.inputs import VoteRecords
from clustering.matrix import build_rating_matrix
from clustering.pca import DENSE_GRAM_LIMIT, centred_votes, column_means, polis_pca
from clustering.synth import synthesize

M = DENSE_GRAM_LIMIT + 150


def _records():
    synth = synthesize(3_000, M, 40, groups=4, seed=3)
    return synth.records if hasattr(synth, "records") else synth[0]


def _take(records: VoteRecords, count: int) -> VoteRecords:
    order = np.argsort(records.timestamps, kind="stable")[:count]
    return records.take(order)


def _dense_axes(votes, mod_out) -> np.ndarray:
    """Top two eigenvectors of the full Gram matrix, in polis_pca's orientation convention."""
    xc = centred_votes(votes, column_means(votes, mod_out), mod_out).toarray()
    values, vectors = np.linalg.eigh(xc.T @ xc)
    return vectors[:, np.argsort(values)[::-1][:2]].T


def _assert_same_axes(fast: np.ndarray, exact: np.ndarray, atol: float) -> None:
    for k in range(2):
        sign = 1.0 if fast[k] @ exact[k] >= 0 else -1.0
        np.testing.assert_allclose(fast[k], sign * exact[k], rtol=0, atol=atol)


def test_sparse_path_matches_dense_eigh_cold_and_warm():
    records = _records()
    before = build_rating_matrix(_take(records, int(len(records) * 0.99))).votes
    after = build_rating_matrix(records).votes
    assert after.shape[1] == M > DENSE_GRAM_LIMIT
    mod_out = np.zeros(M, dtype=bool)
    mod_out[[5, 17]] = True

    cold = polis_pca(after, mod_out, seed=1)
    _assert_same_axes(cold.components, _dense_axes(after, mod_out), atol=1e-9)

    previous = polis_pca(before, mod_out, seed=1).components
    warm = polis_pca(after, mod_out, previous, seed=1)
    # Warm updates stop at ARPACK tolerance WARM_TOLERANCE: still 10x inside the 1e-6 to which
    # `clustering.compare` holds our axes against Polis's.
    _assert_same_axes(warm.components, _dense_axes(after, mod_out), atol=1e-7)
    # Warm-started axes keep the previous update's orientation, as Polis's power iteration does.
    assert np.all(np.einsum("km,km->k", warm.components, previous) > 0)


def test_sparse_path_is_deterministic():
    votes = build_rating_matrix(_records()).votes
    mod_out = np.zeros(M, dtype=bool)
    first = polis_pca(votes, mod_out, seed=7)
    second = polis_pca(votes, mod_out, seed=7)
    assert first.components.tobytes() == second.components.tobytes()
    assert first.participant_xy.tobytes() == second.participant_xy.tobytes()
