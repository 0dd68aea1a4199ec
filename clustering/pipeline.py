"""One Polis math update: votes and moderation in, a `math-pca2.json`-shaped result out.

This is the sequence of Polis's `conv-update` (spec §2–10): rating matrix, PCA and projections,
in-conv, base clusters, group clusters with the k-smoother, vote aggregates, representative and
consensus statements, priorities. Pass the previous result to make it incremental, as Polis's
math worker does on every tick.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp

from clustering._vote_kernels import cluster_vote_counts
from clustering.groups import BASE_K, GROUP_K_BUFFER, MAX_GROUPS, base_clusters, choose_groups
from clustering.inconv import MIN_IN_CONV, MIN_VOTES, select_in_conv
from clustering.inputs import Moderation, VoteRecords
from clustering.kmeans import StartClusters
from clustering.laps import LapTimer
from clustering.matrix import RatingMatrix, build_rating_matrix, statement_vote_totals
from clustering.pca import GramStatistics, centred_votes, polis_pca
from clustering.priorities import comment_priorities
from clustering.repness import (
    GroupCounts,
    group_aware_consensus,
    majority_consensus,
    representative_statements,
)
from clustering.result import PolisResult, assemble_result
from clustering.state import PreviousState, aligned_components, group_vote_sums


@dataclass(frozen=True)
class PolisParams:
    """Knobs of the pipeline; the defaults are Polis's (conv.clj :opts')."""

    min_votes: int = MIN_VOTES
    in_conv_target: int = MIN_IN_CONV
    base_k: int = BASE_K
    max_groups: int = MAX_GROUPS
    group_k_buffer: int = GROUP_K_BUFFER
    seed: int = 0
    projection: str = "pca"  # "pca", or "umap" to add the alternative map
    umap_neighbors: int = 15
    umap_min_dist: float = 0.1

    def to_dict(self) -> dict:
        return asdict(self)


def _column_order(matrix: RatingMatrix, state: PreviousState) -> np.ndarray:
    """Polis names columns by first appearance: last update's tids, then new ones ascending."""
    present = set(matrix.statement_ids.tolist())
    kept = [t for t in state.tids if t in present]
    if not kept:
        return np.arange(len(matrix.statement_ids))
    seen = set(kept)
    order = kept + [int(t) for t in matrix.statement_ids if int(t) not in seen]
    return np.searchsorted(matrix.statement_ids, np.asarray(order, dtype=np.int64))


def _row_order(matrix: RatingMatrix, state: PreviousState) -> np.ndarray:
    """Rows in first-appearance order: last update's order, then newcomers in load order."""
    if not state.row_order:
        return matrix.first_vote_order
    pids = matrix.participant_ids
    known = np.asarray(state.row_order, dtype=np.int64)
    pos = np.searchsorted(pids, known)
    pos = np.minimum(pos, max(len(pids) - 1, 0))
    old_rows = pos[(len(pids) > 0) & (pids[pos] == known)] if len(pids) else pos[:0]
    is_old = np.zeros(len(pids), dtype=bool)
    is_old[old_rows] = True
    new_rows = matrix.first_vote_order[~is_old[matrix.first_vote_order]]
    return np.concatenate([old_rows, new_rows]).astype(np.int64)


def _rows_of(pids: np.ndarray, wanted: list[int]) -> np.ndarray:
    """Row index of each wanted pid, -1 when it is not in the matrix."""
    wanted_arr = np.asarray(wanted, dtype=np.int64)
    if len(pids) == 0 or len(wanted_arr) == 0:
        return np.full(len(wanted_arr), -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(pids, wanted_arr), len(pids) - 1)
    return np.where(pids[pos] == wanted_arr, pos, -1)


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector, restoring its previous state on exit.

    An update builds a few hundred thousand small Python objects (the result's lists and
    dicts) while the previous result, just as big, is alive; every generation-2 collection
    then walks both. None of them forms a reference cycle, so reference counting frees them
    all, and pausing the collector cut the assemble phase about in half.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class PreparedVotes:
    """The latest-vote matrix of an update's votes, built by a caller that keeps it between
    updates (`clustering.incremental`), with the packed Gram statistics of its columns
    (`_vote_kernels.gram_stats`) or None."""

    matrix: RatingMatrix
    gram: np.ndarray | None


def update(
    votes: VoteRecords,
    moderation: Moderation | None = None,
    previous: dict | None = None,
    params: PolisParams | None = None,
    prepared: PreparedVotes | None = None,
) -> PolisResult:
    """Run one math update. `previous` is the last result's dict (or a Polis math-pca2.json).

    `prepared`, when given, must be what `build_rating_matrix(votes)` gives (and the Gram
    statistics of `_vote_kernels.gram_stats` on it): `IncrementalUpdater` keeps them.
    """
    with _gc_paused():
        return _update(votes, moderation, previous, params, prepared)


def _update(
    votes: VoteRecords,
    moderation: Moderation | None,
    previous: dict | None,
    params: PolisParams | None,
    prepared: PreparedVotes | None = None,
) -> PolisResult:
    params = params or PolisParams()
    moderation = moderation or Moderation()
    timer = LapTimer()
    state = PreviousState.from_result(previous)

    matrix = prepared.matrix if prepared is not None else build_rating_matrix(votes)
    columns = _column_order(matrix, state)
    tids = matrix.statement_ids[columns]
    rating = matrix.votes
    permuted = bool(np.any(columns != np.arange(len(columns))))
    if permuted:
        rating = sp.csr_matrix(rating[:, columns])
    gram = None
    if prepared is not None and prepared.gram is not None:
        gram = GramStatistics(prepared.gram, columns if permuted else None)
    n, m = rating.shape
    mod_out = np.isin(tids, np.fromiter(moderation.mod_out, dtype=np.int64))
    is_meta = np.isin(tids, np.fromiter(moderation.meta, dtype=np.int64))
    rows = _row_order(matrix, state)
    pids = matrix.participant_ids
    timer.lap("matrix")

    pca = polis_pca(rating, mod_out, aligned_components(state, tids), seed=params.seed, gram=gram)
    timer.lap("pca")

    previous_in = np.zeros(n, dtype=bool)
    prev_rows = _rows_of(pids, state.in_conv)
    previous_in[prev_rows[prev_rows >= 0]] = True
    vote_counts = matrix.row_vote_counts()
    in_conv = select_in_conv(
        vote_counts, rows, m, previous_in, params.min_votes, params.in_conv_target
    )
    clustered_rows = rows[in_conv[rows]]  # in-conv participants in row order
    timer.lap("in_conv")

    base_start = None
    if state.base_ids:
        position_of_row = np.full(n + 1, -1, dtype=np.int64)  # row -1 (gone) maps to -1
        position_of_row[clustered_rows] = np.arange(len(clustered_rows))
        sizes = [len(members) for members in state.base_members]
        member_rows = _rows_of(pids, [p for members in state.base_members for p in members])
        positions = np.split(position_of_row[member_rows], np.cumsum(sizes)[:-1])
        base_start = StartClusters(np.asarray(state.base_ids, dtype=np.int64), positions)
    base = base_clusters(pca.participant_xy[clustered_rows], base_start, params.base_k)
    base_sizes = base.sizes()
    timer.lap("base_clusters")

    group_starts = {}
    base_position = {int(b): i for i, b in enumerate(base.ids)}
    for k, (ids, members) in state.group_clusterings.items():
        group_starts[k] = StartClusters(
            np.asarray(ids, dtype=np.int64),
            [np.asarray([base_position.get(b, -1) for b in ms], dtype=np.int64) for ms in members],
        )
    selection = choose_groups(
        base.centers, base_sizes.astype(np.float64), group_starts, state.smoother, params.max_groups
    )
    timer.lap("group_clusters")

    # Vote aggregates over base clusters and groups, from the raw (un-zeroed) latest votes.
    n_base = len(base.ids)
    base_of_row = np.full(n, -1, dtype=np.int64)
    base_of_row[clustered_rows] = base.labels
    member_rows = np.flatnonzero(base_of_row >= 0)
    base_agree, base_disagree, base_seen = _cluster_vote_counts(rating, base_of_row, n_base)

    chosen = selection.chosen
    if chosen is not None and len(chosen.ids):
        group_of_base = chosen.labels
        to_groups = sp.csr_matrix(
            (np.ones(n_base), (group_of_base, np.arange(n_base))), shape=(len(chosen.ids), n_base)
        )
        counts = GroupCounts(
            agree=to_groups @ base_agree,
            disagree=to_groups @ base_disagree,
            seen=to_groups @ base_seen,
        )
        group_ids = chosen.ids
    else:
        group_of_base = np.zeros(n_base, dtype=np.int64)
        counts = GroupCounts(np.zeros((0, m)), np.zeros((0, m)), np.zeros((0, m)))
        group_ids = np.zeros(0, dtype=np.int64)
    timer.lap("votes")

    repness = representative_statements(counts, group_ids, tids, mod_out)
    total_agree, total_disagree, total_seen = statement_vote_totals(rating)
    consensus = majority_consensus(total_agree, total_disagree, total_seen, tids, mod_out)
    gac = group_aware_consensus(counts) if len(group_ids) else None
    prev_a, prev_d, prev_s = group_vote_sums(state, tids)
    priorities = comment_priorities(prev_a, prev_d, prev_s, pca.statement_extremity, is_meta)
    timer.lap("repness")

    umap_map = None
    if params.projection == "umap":
        from clustering.umap_map import umap_map as compute_umap

        group_of_row = np.full(n, -1, dtype=np.int64)
        if chosen is not None:
            group_of_row[member_rows] = chosen.ids[group_of_base[base_of_row[member_rows]]]
        umap_map = compute_umap(
            centred_votes(rating, pca.center, mod_out)[clustered_rows],
            pids[clustered_rows],
            group_of_row[clustered_rows],
            seed=params.seed,
            n_neighbors=params.umap_neighbors,
            min_dist=params.umap_min_dist,
        )
        timer.lap("umap")

    result = assemble_result(
        matrix=matrix,
        tids=tids,
        rows=rows,
        vote_counts=vote_counts,
        in_conv=in_conv,
        moderation=moderation,
        pca=pca,
        base=base,
        clustered_rows=clustered_rows,
        base_counts=(base_agree, base_disagree, base_seen),
        selection=selection,
        counts=counts,
        group_ids=group_ids,
        repness=repness,
        consensus=consensus,
        gac=gac,
        priorities=priorities,
        umap_map=umap_map,
        params=params.to_dict(),
        math_tick=state.math_tick + 1,
    )
    timer.lap("assemble")
    result.timings.update(timer.timings)
    return result


def _cluster_vote_counts(rating: sp.csr_matrix, cluster_of_row: np.ndarray, k: int):
    """Agree, disagree and seen counts per cluster and statement, each (k, m).

    Rows with cluster -1 (not clustered) are left out. One compiled pass over the stored
    votes: cheaper than sparse products with an indicator matrix or a bincount over
    temporaries as long as the votes.
    """
    counts = cluster_vote_counts(
        rating.indptr, rating.indices, rating.data, cluster_of_row, k, rating.shape[1]
    )
    return tuple(counts[:, :, kind].astype(np.float64) for kind in range(3))
