"""Compiled inner loops of Polis's k-means (numba, cached to disk after the first compile).

Base clustering assigns up to 100,000 participants to 100 centres for up to 101 steps; numpy
spends most of that allocating temporaries. These loops do the same arithmetic in one pass and
keep Polis's exact tie rule (the later centre wins), so results equal the numpy reference.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _closest_two(px, py, centers):  # pragma: no cover - compiled
    """Index of the nearest centre (later wins ties), squared distances to nearest and second."""
    best = -1
    d1 = np.inf
    d2 = np.inf
    for j in range(centers.shape[0]):
        dx = px - centers[j, 0]
        dy = py - centers[j, 1]
        d = dx * dx + dy * dy
        if d <= d1:
            d2 = d1
            d1 = d
            best = j
        elif d < d2:
            d2 = d
    return best, d1, d2


@njit(cache=True, nogil=True)
def nearest_two(points, centers, labels, first, second):  # pragma: no cover - compiled
    """Fill labels (nearest centre, later wins ties), and distances to nearest and second."""
    for i in range(points.shape[0]):
        best, d1, d2 = _closest_two(points[i, 0], points[i, 1], centers)
        labels[i] = best
        first[i] = np.sqrt(d1)
        second[i] = np.sqrt(d2)


@njit(cache=True, nogil=True)
def bounded_assign(points, centers, shift, labels, upper, lower):  # pragma: no cover
    """Hamerly's step: move the bounds by the centre shifts, recompute only unsure points.

    Returns how many points were recomputed.
    """
    max_shift = 0.0
    for j in range(centers.shape[0]):
        if shift[j] > max_shift:
            max_shift = shift[j]
    recomputed = 0
    for i in range(points.shape[0]):
        upper[i] += shift[labels[i]]
        lower[i] -= max_shift
        # A small margin keeps rounding in the bounds from hiding an exact tie.
        if upper[i] < lower[i] - 1e-9 * (1.0 + abs(lower[i])):
            continue
        recomputed += 1
        best, d1, d2 = _closest_two(points[i, 0], points[i, 1], centers)
        labels[i] = best
        upper[i] = np.sqrt(d1)
        lower[i] = np.sqrt(d2)
    return recomputed
