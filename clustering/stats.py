"""Polis's small-sample tests (stats.clj), vectorised over statements.

The pseudocounts look inconsistent, and they are: Polis's proportion test uses (s+1)/(n+1)
while its shares use (s+1)/(n+2). We keep both as Polis has them, so results compare exactly.
"""

from __future__ import annotations

import numpy as np

# One-sided 90% significance, hard-coded in stats.clj (not norm.ppf(0.9) = 1.28155...).
Z_90 = 1.2816


def prop_test(successes, trials):
    """z-score of a share against one half: 2·sqrt(n+1)·((s+1)/(n+1) − 0.5)."""
    s = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    return 2.0 * np.sqrt(n + 1.0) * ((s + 1.0) / (n + 1.0) - 0.5)


def two_prop(s1, s2, n1, n2):
    """z-score of the difference of two shares, each count plus one; 0 if the pooled share is 1."""
    s1 = np.asarray(s1, dtype=np.float64) + 1.0
    s2 = np.asarray(s2, dtype=np.float64) + 1.0
    n1 = np.asarray(n1, dtype=np.float64) + 1.0
    n2 = np.asarray(n2, dtype=np.float64) + 1.0
    p1 = s1 / n1
    p2 = s2 / n2
    pooled = (s1 + s2) / (n1 + n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (p1 - p2) / np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    return np.where(pooled == 1.0, 0.0, z)


def significant(z) -> np.ndarray:
    return np.asarray(z) > Z_90
