"""Opinion groups: base clusters, group clusterings for each k, and the k-smoother (spec §6.2–6.3).

Polis first condenses participants into up to 100 base clusters, then groups the base-cluster
centres (weighted by size) for every k from 2 to K, scores each k by silhouette over the base
centres, and only switches to a new k after it has won several updates in a row, so the map does
not flicker between group counts as votes arrive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import cdist

from clustering.kmeans import Clustering, StartClusters, polis_kmeans

BASE_K = 100
BASE_ITERS = 100
# conv.clj passes group-iters under a key kmeans never reads, so its default of 20 applies.
GROUP_ITERS = 20
MAX_GROUPS = 5
GROUP_K_BUFFER = 4


@dataclass(frozen=True)
class KSmoother:
    """Which k won the last update, how many updates in a row, and the k currently shown."""

    last_k: int | None = None
    last_k_count: int = 0
    smoothed_k: int | None = None


@dataclass(frozen=True)
class GroupSelection:
    """Group clusterings for every candidate k, their scores, and the one shown."""

    clusterings: dict[int, Clustering]
    silhouettes: dict[int, float]
    smoother: KSmoother
    chosen: Clustering | None


def group_label(group_id: int) -> str:
    """A group's name wherever people read it: letters, as on Polis's maps (0 is "A")."""
    return chr(ord("A") + group_id) if 0 <= group_id < 26 else str(group_id)


def max_group_count(n_base_clusters: int, max_groups: int = MAX_GROUPS) -> int:
    """K = min(5, 2 + B // 12): few base clusters cannot support many groups (conv.clj max-k-fn)."""
    return min(max_groups, 2 + n_base_clusters // 12)


def silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette over points, unweighted; a point alone in its cluster scores 0.

    points: (B, 2) base-cluster centres; labels: (B,) cluster positions. Polis's
    clusters.clj silhouette, which differs from scikit-learn's only in accepting any labelling.
    """
    k = int(labels.max()) + 1 if len(labels) else 0
    if k < 2:
        return 0.0
    dist = cdist(points, points)
    onehot = np.zeros((len(points), k))
    onehot[np.arange(len(points)), labels] = 1.0
    sizes = onehot.sum(axis=0)
    sums = dist @ onehot  # (B, k): summed distance from each point to each cluster
    own = sizes[labels]
    a = np.divide(
        sums[np.arange(len(points)), labels],
        own - 1,
        out=np.zeros(len(points)),
        where=own > 1,
    )
    mean_to = np.divide(sums, sizes, out=np.full_like(sums, np.inf), where=sizes > 0)
    mean_to[np.arange(len(points)), labels] = np.inf
    b = mean_to.min(axis=1)
    denom = np.maximum(a, b)
    s = np.divide(b - a, denom, out=np.zeros(len(points)), where=(own > 1) & (denom > 0))
    return float(s.mean())


def smooth_k(previous: KSmoother | None, this_k: int, buffer: int = GROUP_K_BUFFER) -> KSmoother:
    """A new best k is shown only once it has won `buffer` consecutive updates (conv.clj)."""
    previous = previous or KSmoother()
    count = previous.last_k_count + 1 if previous.last_k == this_k else 1
    if count >= buffer or previous.smoothed_k is None:
        smoothed = this_k
    else:
        smoothed = previous.smoothed_k
    return KSmoother(this_k, count, smoothed)


def base_clusters(
    points: np.ndarray, start: StartClusters | None = None, k: int = BASE_K
) -> Clustering:
    """Up to 100 base clusters of in-conv participants' map positions, (n, 2) in row order."""
    return polis_kmeans(points, k, start=start, max_iters=BASE_ITERS)


def choose_groups(
    base_centers: np.ndarray,
    base_sizes: np.ndarray,
    previous: dict[int, StartClusters],
    smoother: KSmoother | None,
    max_groups: int = MAX_GROUPS,
) -> GroupSelection:
    """Cluster base centres for k = 2..K and pick k by silhouette, ties to the larger k.

    base_centers: (B, 2) in base-cluster id order; base_sizes: (B,) participants per base cluster.
    previous: warm starts per k, members given as positions in base_centers.
    """
    n_base = len(base_centers)
    if n_base == 0:
        return GroupSelection({}, {}, smoother or KSmoother(), None)
    top = max_group_count(n_base, max_groups)
    clusterings: dict[int, Clustering] = {}
    scores: dict[int, float] = {}
    for k in range(2, top + 1):
        clustering = polis_kmeans(
            base_centers, k, weights=base_sizes, start=previous.get(k), max_iters=GROUP_ITERS
        )
        clusterings[k] = clustering
        scores[k] = silhouette(base_centers, clustering.labels)
    best = max(scores.values())
    this_k = max(k for k, score in scores.items() if score == best)
    new_smoother = smooth_k(smoother, this_k)
    shown = new_smoother.smoothed_k
    if shown not in clusterings:
        # The 2024 Clojure would show no groups here; upstream later fell back to this k.
        new_smoother = KSmoother(new_smoother.last_k, new_smoother.last_k_count, this_k)
        shown = this_k
    return GroupSelection(clusterings, scores, new_smoother, clusterings[shown])
