"""Divisive statements: where the opinion groups part, ranked by the spread of their agree shares.

The spread of a statement is the widest gap between two groups' agree shares (plain shares of
the group's voters, passes counted as votes, the same shares the agenda shows), over the groups
that voted on it at least `MIN_SEEN_PER_GROUP` times: 1 when one group all agrees and another
all disagrees, 0 when the groups agree alike. Polis's console shows the same idea with its
smoothed shares (clustering.spread); here the gap is the one a reader sees between the bars.
"""

from __future__ import annotations

import numpy as np

from clustering.spread import MIN_SEEN_PER_GROUP
from clustering.uncertainty import plain_share


def share_spread(agree, seen, min_seen: int = MIN_SEEN_PER_GROUP) -> np.ndarray:
    """(m,) max − min of the groups' agree shares; NaN where fewer than two groups saw the
    statement `min_seen` times. agree, seen: (n_groups, m) counts."""
    agree = np.atleast_2d(np.asarray(agree, dtype=np.float64))
    seen = np.atleast_2d(np.asarray(seen, dtype=np.float64))
    shares = plain_share(agree, seen)
    counted = seen >= min_seen
    highest = np.where(counted, shares, -np.inf).max(axis=0, initial=-np.inf)
    lowest = np.where(counted, shares, np.inf).min(axis=0, initial=np.inf)
    return np.where(counted.sum(axis=0) >= 2, highest - lowest, np.nan)


def rank_divisive(
    agree, seen, excluded: np.ndarray | None = None, min_seen: int = MIN_SEEN_PER_GROUP
) -> np.ndarray:
    """Column indices of the divisive statements, widest spread first (ties: lower index first).

    Statements without a spread (see `share_spread`) and `excluded` ones ((m,) bool, e.g.
    moderated out or meta) are left out.
    """
    spread = share_spread(agree, seen, min_seen)
    keep = ~np.isnan(spread)
    if excluded is not None:
        keep &= ~np.asarray(excluded, dtype=bool)
    candidates = np.flatnonzero(keep)
    return candidates[np.argsort(-spread[candidates], kind="stable")]
