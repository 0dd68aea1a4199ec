"""The common agenda's one ranking: by group-informed consensus, highest first."""

from __future__ import annotations

import numpy as np

from clustering.common_ground import rank_by_consensus


def test_ranking_leaves_out_unknown_and_hidden_statements_and_breaks_ties_by_column():
    consensus = np.array([0.2, np.nan, 0.9, 0.5, 0.9, 0.7])
    assert rank_by_consensus(consensus).tolist() == [2, 4, 5, 3, 0]
    shown = np.array([True, True, True, False, True, True])
    assert rank_by_consensus(consensus, shown).tolist() == [2, 4, 5, 0]
    assert rank_by_consensus(np.array([])).tolist() == []
