"""Comment priorities: which statement a participant should see next (conv.clj; spec §10.1).

New statements (few votes), divisive ones (far from the centre of the map) and ones people do
not pass on get shown more. Polis computes this from the previous update's group votes, one
update behind; we keep that lag so priorities equal Polis's.
"""

from __future__ import annotations

import numpy as np

META_PRIORITY = 49.0  # 7², so meta statements (about the conversation itself) come up often


def comment_priorities(
    agree: np.ndarray,
    disagree: np.ndarray,
    seen: np.ndarray,
    extremity: np.ndarray,
    is_meta: np.ndarray,
) -> np.ndarray:
    """Priority per statement from vote sums over groups and the statement's extremity, (m,).

    (importance · (1 + 8·2^(−S/5)))², importance = (1 − pass share)·(E + 1)·agree share, with
    Polis's pseudocounts: pass share (P+1)/(S+2), agree share (A+1)/(S+2).
    """
    passes = seen - agree - disagree
    importance = (
        (1.0 - (passes + 1.0) / (seen + 2.0)) * (extremity + 1.0) * (agree + 1.0) / (seen + 2.0)
    )
    newness = 1.0 + 8.0 * np.power(2.0, -seen / 5.0)
    return np.where(is_meta, META_PRIORITY, (importance * newness) ** 2)
