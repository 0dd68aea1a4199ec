"""What each declared sector thinks: agree and disagree shares per sector and statement.

A sector (police, prosecutors, victims' associations...) is declared by the participant, not
found by clustering; its shares are plain shares of the sector's voters on a statement (passes
count as votes), each with a 90% Jeffreys interval (clustering.uncertainty). A statement is a
**red line** for a sector when even the lower end of the interval of its disagree share is
above one half: most of the sector disagrees, beyond reasonable doubt.

Hiding cells too small to show is a rule of the deliberation (deliberation.services.
sector_privacy), not of the math: this module computes every cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from clustering.uncertainty import CONFIDENCE, jeffreys_interval, plain_share

RED_LINE_DISAGREE = 0.5


@dataclass(frozen=True)
class SectorShares:
    """Per sector and statement, each (n_sectors, m): counts, plain shares (NaN: nobody voted),
    their interval ends, and the red-line mask."""

    agree: np.ndarray
    disagree: np.ndarray
    seen: np.ndarray
    agree_share: np.ndarray
    agree_low: np.ndarray
    agree_high: np.ndarray
    disagree_share: np.ndarray
    disagree_low: np.ndarray
    disagree_high: np.ndarray
    red_line: np.ndarray


def sector_counts(votes: sp.csr_matrix, sector_of_row: np.ndarray, n_sectors: int):
    """Agree, disagree and seen counts (n_sectors, m) from a rating matrix (n, m) in Polis's
    internal sign; sector_of_row: (n,) sector position 0..n_sectors-1, or −1 (none declared)."""
    votes = sp.csr_matrix(votes)
    m = votes.shape[1]
    sector = np.repeat(np.asarray(sector_of_row, dtype=np.int64), np.diff(votes.indptr))
    keep = sector >= 0
    kind = votes.data[keep].astype(np.int64) + 1  # internal sign: agree −1 → 0, disagree → 2
    cell = (sector[keep] * m + votes.indices[keep]) * 3 + kind
    counts = np.bincount(cell, minlength=n_sectors * m * 3).reshape(n_sectors, m, 3)
    return counts[:, :, 0], counts[:, :, 2], counts.sum(axis=2)


def sector_shares(
    votes: sp.csr_matrix,
    sector_of_row: np.ndarray,
    n_sectors: int,
    confidence: float = CONFIDENCE,
) -> SectorShares:
    agree, disagree, seen = sector_counts(votes, sector_of_row, n_sectors)
    agree_low, agree_high = jeffreys_interval(agree, seen, confidence)
    disagree_low, disagree_high = jeffreys_interval(disagree, seen, confidence)
    red_line = np.nan_to_num(disagree_low, nan=0.0) > RED_LINE_DISAGREE
    return SectorShares(
        agree=agree,
        disagree=disagree,
        seen=seen,
        agree_share=plain_share(agree, seen),
        agree_low=agree_low,
        agree_high=agree_high,
        disagree_share=plain_share(disagree, seen),
        disagree_low=disagree_low,
        disagree_high=disagree_high,
        red_line=red_line,
    )
