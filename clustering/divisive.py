"""Divisive statements: where the opinion groups part, ranked by the spread of their agree shares.

The spread is `clustering.spread.agree_spread`, the one the console's "What divides" list uses:
the widest gap between two groups' agree shares (Polis's (A + 1)/(S + 2)), over the groups that
voted on the statement at least `MIN_SEEN_PER_GROUP` times. Near 1 when one group all agrees
and another all disagrees, 0 when the groups agree alike.
"""

from __future__ import annotations

import numpy as np

from clustering.spread import MIN_SEEN_PER_GROUP, agree_spread


def rank_divisive(
    agree, seen, excluded: np.ndarray | None = None, min_seen: int = MIN_SEEN_PER_GROUP
) -> np.ndarray:
    """Column indices of the divisive statements, widest spread first (ties: lower index first).

    agree, seen: (n_groups, m) counts. Statements without a spread (fewer than two groups saw
    them `min_seen` times) and `excluded` ones ((m,) bool, e.g. moderated out or meta) are left
    out.
    """
    spread = agree_spread(agree, seen, min_seen)
    keep = ~np.isnan(spread)
    if excluded is not None:
        keep &= ~np.asarray(excluded, dtype=bool)
    candidates = np.flatnonzero(keep)
    return candidates[np.argsort(-spread[candidates], kind="stable")]
