"""How much opinion groups differ on a statement, and how unsure people are about it.

Both work on the per-group vote counts of a result (`group-votes`): arrays of shape
(n_groups, n_statements) holding agrees A, disagrees D and votes seen S (passes = S − A − D).
"""

from __future__ import annotations

import numpy as np

# A group that saw a statement fewer times than this says little about it (its share would be
# mostly prior) and is left out of the spread.
MIN_SEEN_PER_GROUP = 3


def agree_shares(agree, seen) -> np.ndarray:
    """Share of a group that agreed, with a Beta(1,1) prior: (A + 1) / (S + 2), as Polis's
    p-success. Shape as the inputs."""
    agree = np.asarray(agree, dtype=np.float64)
    seen = np.asarray(seen, dtype=np.float64)
    return (agree + 1.0) / (seen + 2.0)


def agree_spread(agree, seen, min_seen: int = MIN_SEEN_PER_GROUP) -> np.ndarray:
    """(n_statements,) widest gap between two groups' agree shares: max − min over the groups
    that saw the statement at least `min_seen` times; NaN where fewer than two did.

    1 would mean one group all agrees and another all disagrees; 0, that groups agree alike.
    """
    agree = np.atleast_2d(np.asarray(agree, dtype=np.float64))
    seen = np.atleast_2d(np.asarray(seen, dtype=np.float64))
    shares = agree_shares(agree, seen)
    counted = seen >= min_seen
    highest = np.where(counted, shares, -np.inf).max(axis=0, initial=-np.inf)
    lowest = np.where(counted, shares, np.inf).min(axis=0, initial=np.inf)
    spread = highest - lowest
    return np.where(counted.sum(axis=0) >= 2, spread, np.nan)


def pass_shares(agree, disagree, seen) -> np.ndarray:
    """(n_statements,) share of votes that were passes ("not sure"), over all groups together;
    NaN where nobody voted. No prior: this is a plain proportion of what was cast."""
    agree = np.atleast_2d(np.asarray(agree, dtype=np.float64)).sum(axis=0)
    disagree = np.atleast_2d(np.asarray(disagree, dtype=np.float64)).sum(axis=0)
    seen = np.atleast_2d(np.asarray(seen, dtype=np.float64)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(seen > 0, (seen - agree - disagree) / seen, np.nan)
