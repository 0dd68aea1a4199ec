"""The common agenda's analyses of one conversation, as one JSON-ready dict.

Given the votes, the opinion groups already found (a result of `clustering.pipeline.update`)
and, optionally, each participant's declared sector, this computes everything the common
agenda shows beside Polis's own figures: per-group agree shares with intervals, group-informed
consensus with its bootstrap interval, bridging scores with theirs, divisive statements, cluster
stability and sector shares with red lines. Arrays are aligned with `tids` (ascending); a
missing value (nobody voted, too few ratings) is None. See `AGENDA_FORMAT` for the layout.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp

from clustering.bridging import FACTOR_LAMBDA, INTERCEPT_LAMBDA, MIN_RATINGS, BridgingModel
from clustering.divisive import rank_divisive
from clustering.inputs import Moderation, VoteRecords
from clustering.laps import LapTimer
from clustering.matrix import build_rating_matrix, statement_vote_totals
from clustering.result_view import Placements
from clustering.sectors import sector_counts, sector_shares
from clustering.spread import agree_spread
from clustering.stability import DEFAULT_STABILITY_RESAMPLES, cluster_stability
from clustering.threads import one_blas_thread
from clustering.uncertainty import (
    CONFIDENCE,
    DEFAULT_RESAMPLES,
    bootstrap_consensus,
    centred_percentile_interval,
    group_informed_consensus,
    jeffreys_interval,
    percentile_interval,
)

AGENDA_FORMAT = 1
DECIMALS = 6  # stored precision: far below any difference a reader could see


@dataclass(frozen=True)
class AgendaParams:
    """Knobs of the analyses; `seed` drives every bootstrap (the conversation's math seed)."""

    seed: int = 0
    resamples: int = DEFAULT_RESAMPLES  # bootstrap of consensus and bridging intervals
    stability_resamples: int = DEFAULT_STABILITY_RESAMPLES  # each one re-clusters
    confidence: float = CONFIDENCE
    intercept_lambda: float = INTERCEPT_LAMBDA
    factor_lambda: float = FACTOR_LAMBDA
    min_ratings: int = MIN_RATINGS

    def to_dict(self) -> dict:
        return {
            **asdict(self),
            "share_interval": "jeffreys",
            "bootstrap": "percentile (bridging: re-centred on the estimate)",
        }


@one_blas_thread
def agenda_analyses(
    votes: VoteRecords,
    result: dict,
    moderation: Moderation | None = None,
    sectors: dict[int, str] | None = None,
    sector_names: list[str] | None = None,
    params: AgendaParams | None = None,
) -> dict:
    """The analyses (see the module doc) of `votes` grouped as `result` (a pipeline result's
    dict, whose `mesa.participants` gives each pid's group). `sectors`: pid → declared sector;
    `sector_names`: the sectors to report, in order (default: those declared, sorted)."""
    params = params or AgendaParams()
    moderation = moderation or Moderation()
    timer = LapTimer()
    lap = timer.lap
    matrix = build_rating_matrix(votes)
    rating = matrix.votes
    pids, tids = matrix.participant_ids, matrix.statement_ids
    m = len(tids)
    excluded = np.isin(tids, np.fromiter(moderation.mod_out, dtype=np.int64))
    group_ids, group_of_row = _groups_of_rows(result, pids)
    n_groups = len(group_ids)
    agree_ind = _indicator(rating, rating.data < 0)
    seen_ind = _indicator(rating, np.ones(rating.nnz, dtype=bool))
    lap("matrix")

    overall_agree, overall_disagree, overall_seen = statement_vote_totals(rating)
    g_agree, g_disagree, g_seen = _group_counts(rating, group_of_row, n_groups)
    g_low, g_high = jeffreys_interval(g_agree, g_seen, params.confidence)
    consensus = group_informed_consensus(g_agree, g_seen) if n_groups else np.full(m, np.nan)
    boot = bootstrap_consensus(
        agree_ind,
        seen_ind,
        group_of_row,
        n_groups,
        n_resamples=params.resamples,
        seed=params.seed,
    )
    c_low, c_high = (
        percentile_interval(boot, params.confidence)
        if params.resamples
        else (
            np.full(m, np.nan),
            np.full(m, np.nan),
        )
    )
    lap("consensus")

    model = BridgingModel(
        intercept_lambda=params.intercept_lambda,
        factor_lambda=params.factor_lambda,
        min_ratings=params.min_ratings,
        random_state=params.seed,
    ).fit(rating)
    lap("bridging")
    if params.resamples:
        b_low, b_high = centred_percentile_interval(
            model.bootstrap(params.resamples, seed=params.seed),
            model.bridging_scores_,
            params.confidence,
        )
    else:
        b_low = b_high = np.full(m, np.nan)
    lap("bridging_bootstrap")

    spread = agree_spread(g_agree, g_seen) if n_groups else np.full(m, np.nan)
    order = rank_divisive(g_agree, g_seen, excluded) if n_groups > 1 else np.zeros(0, np.int64)
    stability = _stability(rating, group_of_row, group_ids, excluded, params)
    lap("stability")

    sector_block = _sectors(rating, pids, sectors, sector_names, params)
    lap("sectors")

    return {
        "format": AGENDA_FORMAT,
        "params": params.to_dict(),
        "tids": tids.tolist(),
        "excluded": tids[excluded].tolist(),
        "overall": {
            "agree": _ints(overall_agree),
            "disagree": _ints(overall_disagree),
            "seen": _ints(overall_seen),
        },
        "groups": {
            "ids": group_ids.tolist(),
            "agree": _ints(g_agree),
            "disagree": _ints(g_disagree),
            "seen": _ints(g_seen),
            "agree_low": _floats(g_low),
            "agree_high": _floats(g_high),
        },
        "consensus": {
            "value": _floats(consensus),
            "low": _floats(c_low),
            "high": _floats(c_high),
        },
        "bridging": {
            "score": _floats(model.bridging_scores_),
            "low": _floats(np.where(np.isnan(model.bridging_scores_), np.nan, b_low)),
            "high": _floats(np.where(np.isnan(model.bridging_scores_), np.nan, b_high)),
            "factor": _floats(model.statement_factors_),
            "ratings": _ints(model.ratings_per_statement_),
            "sweeps": int(model.n_sweeps_),
        },
        "divisive": {"spread": _floats(spread), "order": tids[order].tolist()},
        "stability": stability,
        "sectors": sector_block,
        "timings": {name: round(seconds, 4) for name, seconds in timer.timings.items()},
    }


def _indicator(rating: sp.csr_matrix, mask: np.ndarray) -> sp.csr_matrix:
    data = mask.astype(np.float64)
    return sp.csr_matrix((data, rating.indices, rating.indptr), shape=rating.shape)


def _groups_of_rows(result: dict, pids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group ids (ascending) and each matrix row's group position (−1: not grouped)."""
    people = Placements.from_document(result)
    listed, groups = people.pid, people.group
    group_ids = np.unique(groups[groups >= 0])
    group_of_row = np.full(len(pids), -1, dtype=np.int64)
    if len(listed) and len(pids):
        pos = np.minimum(np.searchsorted(pids, listed), len(pids) - 1)
        found = (pids[pos] == listed) & (groups >= 0)
        group_of_row[pos[found]] = np.searchsorted(group_ids, groups[found])
    return group_ids, group_of_row


def _group_counts(rating: sp.csr_matrix, group_of_row: np.ndarray, n_groups: int):
    """Agree, disagree, seen (n_groups, m) over grouped participants (Polis's group-votes)."""
    agree, disagree, seen = sector_counts(rating, group_of_row, n_groups)
    return agree.astype(np.float64), disagree.astype(np.float64), seen.astype(np.float64)


def _stability(rating, group_of_row, group_ids, excluded, params: AgendaParams) -> dict:
    n_groups = len(group_ids)
    if n_groups < 2 or params.stability_resamples <= 0:
        return {"ari": None, "groups": {}, "resamples": 0}
    result = cluster_stability(
        rating,
        group_of_row,
        excluded,
        n_resamples=params.stability_resamples,
        seed=params.seed,
    )
    return {
        "ari": _float(result.ari),
        "groups": {str(int(g)): _float(j) for g, j in zip(group_ids, result.jaccard, strict=True)},
        "resamples": result.n_resamples,
    }


def _sectors(rating, pids, sectors, sector_names, params: AgendaParams) -> dict:
    sectors = sectors or {}
    names = list(sector_names) if sector_names is not None else sorted(set(sectors.values()))
    position = {name: i for i, name in enumerate(names)}
    sector_of_row = np.full(len(pids), -1, dtype=np.int64)
    if sectors and len(pids):
        for pid, name in sectors.items():
            row = np.searchsorted(pids, pid)
            if row < len(pids) and pids[row] == pid and name in position:
                sector_of_row[row] = position[name]
    shares = sector_shares(rating, sector_of_row, len(names), params.confidence)
    members = np.bincount(sector_of_row[sector_of_row >= 0], minlength=len(names))
    return {
        "names": names,
        "voters": _ints(members),  # participants of the sector who voted at all
        "agree": _ints(shares.agree),
        "disagree": _ints(shares.disagree),
        "seen": _ints(shares.seen),
        "agree_low": _floats(shares.agree_low),
        "agree_high": _floats(shares.agree_high),
        "disagree_low": _floats(shares.disagree_low),
        "disagree_high": _floats(shares.disagree_high),
    }


def _ints(values) -> list:
    return np.rint(np.asarray(values, dtype=np.float64)).astype(np.int64).tolist()


def _float(value) -> float | None:
    value = float(value)
    return None if not np.isfinite(value) else round(value, DECIMALS)


def _floats(values) -> list:
    """Nested lists of rounded floats with None for NaN (JSON has no NaN)."""
    array = np.round(np.asarray(values, dtype=np.float64), DECIMALS)
    as_objects = array.astype(object)
    as_objects[~np.isfinite(array)] = None
    return as_objects.tolist()
