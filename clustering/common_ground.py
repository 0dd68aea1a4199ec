"""The common agenda's order: statements every group supports, by group-informed consensus.

Group-informed consensus (clustering.uncertainty.group_informed_consensus, Polis's
group-aware consensus) is high only when every opinion group leans towards agreeing; ranking by
it puts first what all sides can back. This is the one place the order is decided, for the
console's agenda, its promotion list, the plenary report and `python -m clustering agenda`.
"""

from __future__ import annotations

import numpy as np


def rank_by_consensus(consensus: np.ndarray, shown: np.ndarray | None = None) -> np.ndarray:
    """Column indices of the ranked statements, highest consensus first (ties: lower index,
    i.e. lower tid when columns are in ascending tid order).

    consensus: (m,) with NaN where it is not known (no group voted); those are left out, and so
    are columns where `shown` ((m,) bool) is False (moderated out, meta, rejected).
    """
    consensus = np.asarray(consensus, dtype=np.float64)
    keep = np.isfinite(consensus)
    if shown is not None:
        keep &= np.asarray(shown, dtype=bool)
    candidates = np.flatnonzero(keep)
    return candidates[np.argsort(-consensus[candidates], kind="stable")]
