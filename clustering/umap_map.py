"""The alternative opinion map: UMAP of the clustered participants' vote rows.

PCA keeps only two straight axes; UMAP keeps neighbourhoods, so it can show structure PCA folds
together. It never replaces the Polis groups (repness and consensus stay theirs); instead we
cluster the UMAP map with HDBSCAN and report how well those groups agree with Polis's (adjusted
Rand index), so a facilitator can see whether both views tell the same story.

umap-learn compiles with numba on first use in a process (~30 s), so this runs in the
long-lived worker's slow stage, never on a request.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import HDBSCAN
from sklearn.metrics import adjusted_rand_score

# UMAP needs more points than neighbours; below this the map says why it is missing.
MIN_PARTICIPANTS = 20


def umap_map(
    rows: sp.csr_matrix,
    participant_ids: np.ndarray,
    polis_groups: np.ndarray,
    seed: int = 0,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
) -> dict:
    """Embed (n, m) centred vote rows in 2-D; group the map with HDBSCAN; compare with Polis.

    polis_groups: (n,) Polis group id per row (-1 when ungrouped). Returns a JSON-ready dict.
    """
    n = rows.shape[0]
    params = {"n_neighbors": n_neighbors, "min_dist": min_dist, "seed": seed, "metric": "cosine"}
    if n < MIN_PARTICIPANTS:
        return {
            "available": False,
            "reason": f"needs {MIN_PARTICIPANTS} clustered participants",
            "params": params,
        }
    import umap  # deferred: importing umap-learn costs seconds (numba)

    reducer = umap.UMAP(
        n_neighbors=min(n_neighbors, n - 1),
        min_dist=min_dist,
        n_components=2,
        metric="cosine",
        random_state=seed,
        transform_seed=seed,
        n_jobs=1,  # a seed makes umap-learn single-threaded anyway; say so to silence it
    )
    # Cosine is undefined for an all-zero row (someone who voted exactly the mean everywhere).
    dense_enough = rows.copy().tocsr()
    empty = np.diff(dense_enough.indptr) == 0
    if empty.any():
        dense_enough = sp.vstack([dense_enough, sp.csr_matrix((0, rows.shape[1]))]).tolil()
        dense_enough[np.flatnonzero(empty), 0] = 1e-9
        dense_enough = dense_enough.tocsr()
    embedding = reducer.fit_transform(dense_enough).astype(np.float64)

    min_cluster = max(5, n // 50)
    labels = HDBSCAN(min_cluster_size=min_cluster, copy=True).fit_predict(embedding)
    grouped = polis_groups >= 0
    ari = (
        float(adjusted_rand_score(polis_groups[grouped], labels[grouped]))
        if grouped.sum() > 1
        else None
    )
    return {
        "available": True,
        "params": {**params, "hdbscan_min_cluster_size": min_cluster},
        "pid": [int(p) for p in participant_ids],
        "x": embedding[:, 0].tolist(),
        "y": embedding[:, 1].tolist(),
        "hdbscan_group": [int(g) for g in labels],
        "hdbscan_groups": int(labels.max()) + 1 if len(labels) else 0,
        "adjusted_rand_vs_polis": ari,
    }
