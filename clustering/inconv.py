"""Who is placed in opinion groups: Polis's `in-conv` set (conv.clj; spec §3.1).

A participant with a handful of votes has an unreliable position, so only those with at least
min(7, statements) votes are clustered; while fewer than 15 qualify, the most active others are
added so an early conversation still shows groups. Once in, always in: a group member never
drops off the map because new statements lowered their share of votes.
"""

from __future__ import annotations

import numpy as np

MIN_VOTES = 7
MIN_IN_CONV = 15


def select_in_conv(
    vote_counts: np.ndarray,
    row_order: np.ndarray,
    n_statements: int,
    previous: np.ndarray | None = None,
    min_votes: int = MIN_VOTES,
    target: int = MIN_IN_CONV,
) -> np.ndarray:
    """Boolean mask (n,) of clustered participants.

    vote_counts: (n,) votes per participant, passes included. row_order: (n,) row indices in
    Polis's first-appearance order, which breaks ties in the top-up (Polis leaves them to hash
    order; ours are reproducible). previous: (n,) mask of last update's in-conv set.
    """
    n = len(vote_counts)
    chosen = np.zeros(n, dtype=bool) if previous is None else previous.copy()
    chosen |= vote_counts >= min(min_votes, n_statements)
    missing = target - int(chosen.sum())
    if missing > 0:
        candidates = row_order[~chosen[row_order]]
        by_count = candidates[np.argsort(-vote_counts[candidates], kind="stable")]
        chosen[by_count[:missing]] = True
    return chosen
