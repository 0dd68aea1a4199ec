"""Updates of one conversation that keep the vote matrix in memory between them.

Polis's math worker recomputes a conversation every few seconds from all of its votes. Most of
an update's time over a million votes goes to laying out the latest-vote matrix again and to
the PCA's products with it, though only the newest votes changed. `IncrementalUpdater` keeps
the matrix and three vote statistics it can update cell by cell (XᵀX, MᵀX, MᵀM: counts, so
exact), folds in only the cells whose latest vote changed since the last call (the recompute
worker's vote cache says which), and gives the pipeline a dense Gram matrix whose products cost
a thousandth of the sparse ones.

The matrix is what `build_rating_matrix` lays out from the same latest votes, so the update is
what `pipeline.update` gives for them, up to the rounding of the Gram matrix (its axes agree to
~1e-12); anything the fold cannot take (ids that do not sort after the known ones, a caller out
of step) starts over from all the latest votes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from clustering._vote_kernels import gram_stats, merge_latest_votes
from clustering.inputs import VoteRecords
from clustering.matrix import RatingMatrix, latest_votes
from clustering.pipeline import PreparedVotes

# Beyond this many statements the statistics cost more memory (16·m² bytes) and
# time than the sparse products they replace: the matrix is still kept, the PCA stays sparse.
GRAM_STATEMENT_LIMIT = 2_000
# Nor below this many votes per cell of the (m, m) statistics: a dense product costs m², a
# sparse one 2·votes, and the statistics' 16·m² bytes stay within 64 bytes a vote.
GRAM_MIN_VOTES_PER_CELL = 0.25

_NO_GRAM = np.zeros((0, 0, 4), dtype=np.int32)


@dataclass
class _Kept:
    """The votes folded in so far and the latest-vote matrix they give."""

    votes: VoteRecords
    pids: np.ndarray  # ascending
    tids: np.ndarray  # ascending
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    cell_ts: np.ndarray  # time of each stored vote
    first_ts: np.ndarray  # per row, the time of its first vote
    gram: np.ndarray  # packed (m, m, 4), or empty when not worth it (`_wants_gram`)


class IncrementalUpdater:
    """The latest-vote matrix of one conversation, kept between `prepare_latest` calls."""

    def __init__(self, gram_statement_limit: int = GRAM_STATEMENT_LIMIT):
        self.gram_statement_limit = gram_statement_limit
        self._kept: _Kept | None = None
        self.last_fold: str = "none"  # "appended" (folded in) or "rebuilt": the last call

    def prepare_latest(
        self, latest: VoteRecords, changed: VoteRecords | None
    ) -> PreparedVotes | None:
        """The matrix (and Gram statistics) of `latest`, each cell's latest vote, for
        `pipeline.update(..., prepared=)`; None for no votes at all. `changed` holds the cells
        whose latest vote is new since the last call (None when unknown: everything is laid
        out again)."""
        folded = None
        if self._kept is not None and changed is not None:
            folded = self._fold(self._kept, changed, latest)
            if folded is not None and folded.indptr[-1] != len(latest):
                folded = None  # out of step with the caller: a cell we never heard of
        if len(latest) == 0:
            self._kept = None
            return None
        self.last_fold = "appended" if folded is not None else "rebuilt"
        self._kept = folded if folded is not None else self._rebuild(latest)
        return _prepared(self._kept)

    def _rebuild(self, votes: VoteRecords) -> _Kept:
        """Everything from all the votes, as `build_rating_matrix` lays them out."""
        laid_out = latest_votes(votes)
        matrix = laid_out.matrix
        csr = matrix.votes
        indptr = csr.indptr.astype(np.int64)
        gram = _NO_GRAM
        if self._wants_gram(len(matrix.statement_ids), csr.nnz):
            gram = gram_stats(indptr, csr.indices, csr.data, len(matrix.statement_ids))
        return _Kept(
            votes=votes,
            pids=matrix.participant_ids,
            tids=matrix.statement_ids,
            indptr=indptr,
            indices=csr.indices,
            data=csr.data,
            cell_ts=laid_out.cell_ts,
            first_ts=laid_out.first_ts,
            gram=gram,
        )

    @property
    def keeps_statistics(self) -> bool:
        """Whether the last call kept Gram statistics (else the PCA ran sparse)."""
        return self._kept is not None and self._kept.gram.shape[0] > 0

    def _wants_gram(self, m: int, votes: int) -> bool:
        return m <= self.gram_statement_limit and m * m * GRAM_MIN_VOTES_PER_CELL <= votes

    def _fold(self, kept: _Kept, new: VoteRecords, everything: VoteRecords):
        """`kept` with the `new` latest votes folded in (`merge_latest_votes`); None if their
        ids cannot be appended (a new id sorts before a known one): rows and columns are only
        ever appended. `everything`: all the latest votes the result describes."""
        pids, rows = _extend_ids(kept.pids, new.participant_ids)
        tids, cols = _extend_ids(kept.tids, new.statement_ids)
        if pids is None or tids is None:
            return None
        m = len(tids)
        order = np.lexsort((new.votes, new.timestamps, cols, rows))
        wanted = self._wants_gram(m, len(kept.indices) + len(new))
        kept_gram = kept.gram.shape[0] > 0
        # Kept statistics are updated by the merge (in a copy); otherwise built after it.
        gram = _pad_gram(kept.gram, m) if wanted and kept_gram else _NO_GRAM
        indptr, indices, data, cell_ts, first_ts = merge_latest_votes(
            kept.indptr,
            kept.indices,
            kept.data,
            kept.cell_ts,
            kept.first_ts,
            rows[order],
            cols[order].astype(np.int32),
            new.votes[order],
            new.timestamps[order],
            len(pids),
            gram,
        )
        if wanted and not kept_gram:
            gram = gram_stats(indptr, indices, data, m)
        return _Kept(everything, pids, tids, indptr, indices, data, cell_ts, first_ts, gram)


def _extend_ids(known: np.ndarray, ids: np.ndarray):
    """(all ids ascending, index of each of `ids`), or (None, None) when a new id would sort
    before a known one: rows and columns are only ever appended."""
    if len(known):
        position = np.minimum(np.searchsorted(known, ids), len(known) - 1)
        unknown = ids[known[position] != ids]
    else:
        unknown = ids
    fresh = np.unique(unknown)
    if len(known) and len(fresh) and fresh[0] < known[-1]:
        return None, None
    every = np.concatenate([known, fresh]).astype(np.int64)
    return every, np.searchsorted(every, ids).astype(np.int64)


def _pad_gram(gram: np.ndarray, m: int) -> np.ndarray:
    """A copy of the statistics, with zero rows and columns for statements voted on for the
    first time. A copy (a few ms), so that a result prepared earlier never changes under a
    caller still computing with it while another thread folds the next votes in."""
    old = gram.shape[0]
    if old == m:
        return gram.copy()
    padded = np.zeros((m, m, 4), dtype=np.int32)
    padded[:old, :old] = gram
    return padded


def _prepared(kept: _Kept) -> PreparedVotes:
    n, m = len(kept.pids), len(kept.tids)
    indptr = kept.indptr.astype(np.int32) if kept.indptr[-1] < 2**31 else kept.indptr
    votes = sp.csr_matrix((kept.data, kept.indices, indptr), shape=(n, m))
    votes.has_sorted_indices = True
    matrix = RatingMatrix(
        participant_ids=kept.pids,
        statement_ids=kept.tids,
        votes=votes,
        first_vote_order=np.argsort(kept.first_ts, kind="stable"),
        # Every vote left out was superseded by a newer one on its cell: the newest of all is
        # among the kept ones.
        last_vote_timestamp=int(kept.cell_ts.max()),
    )
    return PreparedVotes(matrix, kept.gram if kept.gram.shape[0] > 0 else None)
