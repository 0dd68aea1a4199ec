"""Polis's k-means: deterministic, warm-started, with history-carrying cluster ids (spec §6.1).

It differs from scikit-learn's on purpose, because the groups a facilitator sees must be the
groups Polis would show: initial centres are the first k distinct points in row order, empty
clusters disappear, convergence means every sorted centre moved less than 0.01, and a warm start
re-centres the previous clusters on their surviving members and keeps their ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clustering import _kernels

CONVERGENCE_DISTANCE = 0.01


@dataclass(frozen=True)
class Clustering:
    """A partition of points into clusters with stable ids.

    ids: (k,) cluster ids, ascending. centers: (k, 2). labels: (n,) position in `ids` of each
    point's cluster (not the id itself).
    """

    ids: np.ndarray
    centers: np.ndarray
    labels: np.ndarray

    def members(self) -> list[np.ndarray]:
        """Point indices of each cluster, in `ids` order, ascending within a cluster."""
        order = np.argsort(self.labels, kind="stable")
        bounds = np.searchsorted(self.labels[order], np.arange(len(self.ids) + 1))
        return [order[bounds[i] : bounds[i + 1]] for i in range(len(self.ids))]

    def sizes(self, weights: np.ndarray | None = None) -> np.ndarray:
        w = None if weights is None else weights
        return np.bincount(self.labels, weights=w, minlength=len(self.ids))


@dataclass(frozen=True)
class StartClusters:
    """Previous clusters to warm-start from: ids and each one's member point indices."""

    ids: np.ndarray
    members: list[np.ndarray]


def _nearest_two(points: np.ndarray, centers: np.ndarray):
    """Nearest centre (the later centre wins an exact tie, as in Polis), its distance, and the
    distance to the second nearest. Shapes (n,), (n,), (n,)."""
    labels = np.empty(len(points), dtype=np.int64)
    first = np.empty(len(points))
    second = np.empty(len(points))
    _kernels.nearest_two(
        np.ascontiguousarray(points), np.ascontiguousarray(centers), labels, first, second
    )
    return labels, first, second


def _nearest(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    return _nearest_two(points, centers)[0]


class _BoundedAssigner:
    """Nearest-centre assignment that skips points whose centre cannot have changed.

    Hamerly's bounds: after centres move, a point's distance to its own centre grows by at most
    that centre's shift and its distance to any other shrinks by at most the largest shift. While
    the first bound stays strictly below the second, the point keeps its centre, so the result is
    exactly Lloyd's assignment at a fraction of the cost once clusters settle.
    """

    def __init__(self, points: np.ndarray) -> None:
        self.points = np.ascontiguousarray(points)
        self.centers: np.ndarray | None = None
        self.labels = np.zeros(len(points), dtype=np.int64)
        self.upper = np.zeros(len(points))
        self.lower = np.zeros(len(points))

    def assign(self, centers: np.ndarray) -> np.ndarray:
        if self.centers is None or len(self.centers) != len(centers):
            self.labels, self.upper, self.lower = _nearest_two(self.points, centers)
        else:
            shift = np.hypot(*(centers - self.centers).T)
            _kernels.bounded_assign(
                self.points,
                np.ascontiguousarray(centers),
                shift,
                self.labels,
                self.upper,
                self.lower,
            )
        self.centers = centers.copy()
        return self.labels

    def drop_empty(self, alive: np.ndarray) -> None:
        """Forget clusters that lost every member; removing a centre keeps lower bounds valid."""
        remap = np.cumsum(alive) - 1
        self.labels = remap[self.labels]
        self.centers = self.centers[alive]


def _weighted_means(points: np.ndarray, labels: np.ndarray, weights: np.ndarray, k: int):
    total = np.bincount(labels, weights=weights, minlength=k)
    sx = np.bincount(labels, weights=weights * points[:, 0], minlength=k)
    sy = np.bincount(labels, weights=weights * points[:, 1], minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.column_stack([sx / total, sy / total]), total


def initial_clustering(points: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Ids 0..k-1 on the first k distinct points in row order."""
    if len(points) == 0:
        return np.zeros(0, np.int64), np.zeros((0, 2))
    _, first = np.unique(points, axis=0, return_index=True)
    first = np.sort(first)[:k]
    return np.arange(len(first), dtype=np.int64), points[first].copy()


def warm_start(
    points: np.ndarray, weights: np.ndarray, start: StartClusters, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Polis's clean-start: re-centre, merge identical centres, then split off far points."""
    centers, ids, sizes = [], [], []
    for cid, members in zip(start.ids, start.members, strict=True):
        members = members[(members >= 0) & (members < len(points))]
        if len(members) == 0:
            continue
        w = weights[members]
        centers.append((points[members] * w[:, None]).sum(axis=0) / w.sum())
        ids.append(int(cid))
        sizes.append(len(members))
    # Merge clusters that now share a centre, keeping the id of the larger one.
    merged: dict[tuple[float, float], tuple[int, int]] = {}
    for cid, center, size in zip(ids, centers, sizes, strict=True):
        key = (float(center[0]), float(center[1]))
        if key not in merged or size > merged[key][1]:
            merged[key] = (cid, size)
    kept = sorted((cid, key) for key, (cid, _) in merged.items())
    ids_arr = np.array([cid for cid, _ in kept], dtype=np.int64)
    centers_arr = np.array([key for _, key in kept], dtype=np.float64).reshape(-1, 2)

    # Counting distinct points costs a sort; only needed when clusters are missing.
    target = min(k, len(np.unique(points, axis=0))) if len(ids_arr) < k else k
    while len(ids_arr) < target:
        if len(ids_arr) == 0:
            far = 0
            distance = np.inf
        else:
            nearest = _nearest(points, centers_arr)
            gaps = np.hypot(*(points - centers_arr[nearest]).T)
            far = int(np.argmax(gaps))
            distance = gaps[far]
        if distance <= 0:
            break
        new_id = int(ids_arr.max()) + 1 if len(ids_arr) else 0
        ids_arr = np.append(ids_arr, new_id)
        centers_arr = np.vstack([centers_arr, points[far]])
    return ids_arr, centers_arr


def _same_clustering(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    sa = a[np.lexsort((a[:, 1], a[:, 0]))]
    sb = b[np.lexsort((b[:, 1], b[:, 0]))]
    return bool(np.all(np.hypot(*(sa - sb).T) < CONVERGENCE_DISTANCE))


def _step(assigner: _BoundedAssigner, weights, ids, centers):
    labels = assigner.assign(centers)
    means, total = _weighted_means(assigner.points, labels, weights, len(ids))
    alive = total > 0
    if not alive.all():
        assigner.drop_empty(alive)
        labels = assigner.labels
    return ids[alive], means[alive], labels.copy()


def polis_kmeans(
    points: np.ndarray,
    k: int,
    weights: np.ndarray | None = None,
    start: StartClusters | None = None,
    max_iters: int = 20,
) -> Clustering:
    """Cluster 2-D points (n, 2) into at most k clusters, Polis's way.

    weights: (n,) point weights for the centre means (base-cluster sizes for groups).
    start: previous clusters for a warm start; without it, the first k distinct points.
    max_iters: Polis's `max-iters`; at most max_iters + 1 assignment steps run.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if weights is None:
        weights = np.ones(len(points))
    if len(points) == 0 or k <= 0:
        return Clustering(np.zeros(0, np.int64), np.zeros((0, 2)), np.zeros(0, np.int64))
    if start is not None and len(start.ids):
        ids, centers = warm_start(points, weights, start, k)
    else:
        ids, centers = initial_clustering(points, k)
    assigner = _BoundedAssigner(points)
    ids, new_centers, labels = _step(assigner, weights, ids, centers)
    for _ in range(max_iters):
        if _same_clustering(centers, new_centers):
            break
        centers = new_centers
        ids, new_centers, labels = _step(assigner, weights, ids, centers)
    return Clustering(ids, new_centers, labels)
