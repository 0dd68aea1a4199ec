"""Agenda section: the slow stage's common-agenda analyses (clustering.agenda and friends).

Table 1, bridging: the Community Notes matrix factorisation (clustering.bridging) fitted on
synthetic conversations of 0.4M to 4M votes; the goal is 1M votes in 5 s.
Table 2, bootstrap and stability at the clustering section's synthetic sizes: the bootstrap of
group-informed consensus and of the bridging score (default 200 resamples), one re-clustered
stability resample, and a cold pipeline `update` for scale. Large inputs run one batch of
resamples and the 200-resample time is extrapolated from it (marked "≈").
Table 3, the whole analyses with their defaults on the five open-data conversations.
Everything runs in this process, after a small warm-up (numba's k-means compile).
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.clustering_bench import OPEN_DATA, SYNTH_GROUPS, SYNTH_SEED
from benchmarks.common import Options, Section, Table, progress

BRIDGING_SHAPES = [(10_000, 1_000, 40), (25_000, 1_000, 40), (100_000, 2_000, 40)]
BOOTSTRAP_SHAPES = [
    (10_000, 1_000, 40),
    (25_000, 1_000, 40),
    (100_000, 2_000, 40),
    (100_000, 10_000, 100),
]
BRIDGING_GOAL_S = 5.0  # for 1M votes
MEASURED_BATCH = 25  # resamples actually run on large inputs (one batch)
FULL_BELOW_VOTES = 1_500_000  # run all 200 resamples below this many votes


def run(options: Options) -> Section:
    from clustering.agenda import AgendaParams
    from clustering.stability import DEFAULT_STABILITY_RESAMPLES
    from clustering.uncertainty import DEFAULT_RESAMPLES

    _warm_up()
    quick = options.quick
    bridging_rows, bridging_data = _bridging_table(
        [s for s in BRIDGING_SHAPES if not (quick and s[0] >= 100_000)]
    )
    boot_rows, boot_data = _bootstrap_table(
        [s for s in BOOTSTRAP_SHAPES if not (quick and s[0] >= 100_000)], DEFAULT_RESAMPLES
    )
    open_rows, open_data = _open_data_table(AgendaParams())
    tables = [
        Table(
            "Bridging score fit (ALS, one-dimensional factors)",
            ["dataset", "votes", "fit s", "ALS sweeps", "goal"],
            bridging_rows,
            notes=[f"Goal: 1M votes in {BRIDGING_GOAL_S:.0f} s or less (25k x 1k x 40)."],
        ),
        Table(
            f"Bootstrap ({DEFAULT_RESAMPLES} resamples) and stability, synthetic conversations",
            [
                "dataset",
                "votes",
                "cold update s",
                "consensus bootstrap s",
                "bridging bootstrap s",
                "stability s / resample",
                f"stability x{DEFAULT_STABILITY_RESAMPLES} s",
            ],
            boot_rows,
            notes=[
                f"≈: extrapolated from one batch of {MEASURED_BATCH} resamples "
                f"(inputs of {FULL_BELOW_VOTES / 1e6:.1f}M votes or more).",
                "Stability: one resample re-runs PCA, base clusters and the group k-means; the "
                f"default of {DEFAULT_STABILITY_RESAMPLES} resamples is extrapolated from 2.",
            ],
        ),
        Table(
            "All agenda analyses with their defaults, open-data conversations",
            ["conversation", "votes", "total s", "consensus", "bridging", "bootstrap", "stability"],
            open_rows,
        ),
    ]
    return Section(
        "agenda",
        tables,
        data={"bridging": bridging_data, "bootstrap": boot_data, "open_data": open_data},
    )


def _warm_up() -> None:
    from clustering.stability import polis_groups
    from clustering.synth import synthesize

    votes, _ = synthesize(200, 20, 10, 2, 0)
    from clustering.matrix import build_rating_matrix

    polis_groups(build_rating_matrix(votes).votes)


def _synthetic(shape):
    from clustering.matrix import build_rating_matrix
    from clustering.synth import synthesize

    p, m, v = shape
    votes, _ = synthesize(p, m, v, SYNTH_GROUPS, SYNTH_SEED)
    return votes, build_rating_matrix(votes)


def _label(shape) -> str:
    p, m, v = shape
    return f"synth {p // 1000}k x {m // 1000}k x {v}"


def _bridging_table(shapes):
    from clustering.bridging import BridgingModel

    rows, data = [], []
    for shape in shapes:
        progress(f"agenda: bridging {_label(shape)}")
        votes, matrix = _synthetic(shape)
        started = time.perf_counter()
        model = BridgingModel().fit(matrix.votes)
        seconds = time.perf_counter() - started
        is_goal = shape == (25_000, 1_000, 40)
        goal = (
            ("met" if seconds <= BRIDGING_GOAL_S else "MISSED") + f" (<= {BRIDGING_GOAL_S:.0f} s)"
            if is_goal
            else ""
        )
        rows.append(
            [_label(shape), f"{len(votes):,}", f"{seconds:.2f}", str(model.n_sweeps_), goal]
        )
        data.append(
            {"shape": shape, "votes": len(votes), "fit_s": seconds, "sweeps": model.n_sweeps_}
        )
    return rows, data


def _bootstrap_table(shapes, resamples: int):
    from clustering.bridging import BridgingModel
    from clustering.pipeline import update
    from clustering.stability import (
        DEFAULT_STABILITY_RESAMPLES,
        cluster_stability,
        polis_groups,
    )
    from clustering.uncertainty import bootstrap_consensus

    rows, data = [], []
    for shape in shapes:
        progress(f"agenda: bootstrap and stability {_label(shape)}")
        votes, matrix = _synthetic(shape)
        rating = matrix.votes
        started = time.perf_counter()
        update(votes)
        cold_s = time.perf_counter() - started
        groups = polis_groups(rating)
        n_groups = int(groups.max()) + 1
        agree = _indicator(rating, rating.data < 0)
        seen = _indicator(rating, np.ones(rating.nnz, dtype=bool))
        full = len(votes) < FULL_BELOW_VOTES
        run_resamples = resamples if full else MEASURED_BATCH
        scale = resamples / run_resamples

        started = time.perf_counter()
        bootstrap_consensus(agree, seen, groups, n_groups, n_resamples=run_resamples, seed=0)
        consensus_s = (time.perf_counter() - started) * scale
        model = BridgingModel().fit(rating)
        started = time.perf_counter()
        model.bootstrap(run_resamples, seed=0)
        bridging_s = (time.perf_counter() - started) * scale
        started = time.perf_counter()
        cluster_stability(rating, groups, n_resamples=2, seed=0)
        per_resample = (time.perf_counter() - started) / 2
        mark = "" if full else "≈ "
        rows.append(
            [
                _label(shape),
                f"{len(votes):,}",
                f"{cold_s:.2f}",
                f"{mark}{consensus_s:.1f}",
                f"{mark}{bridging_s:.1f}",
                f"{per_resample:.2f}",
                f"≈ {per_resample * DEFAULT_STABILITY_RESAMPLES:.0f}",
            ]
        )
        data.append(
            {
                "shape": shape,
                "votes": len(votes),
                "cold_update_s": cold_s,
                "consensus_bootstrap_s": consensus_s,
                "bridging_bootstrap_s": bridging_s,
                "resamples_run": run_resamples,
                "stability_s_per_resample": per_resample,
            }
        )
    return rows, data


def _open_data_table(params):
    from clustering.agenda import agenda_analyses
    from clustering.loaders import load_conversation
    from clustering.pipeline import update

    rows, data = [], []
    for folder in sorted(p for p in OPEN_DATA.iterdir() if p.is_dir()):
        progress(f"agenda: open data {folder.name}")
        conv = load_conversation(folder)
        result = update(conv.votes, conv.moderation).to_dict()
        started = time.perf_counter()
        analyses = agenda_analyses(conv.votes, result, conv.moderation, params=params)
        total = time.perf_counter() - started
        t = analyses["timings"]
        rows.append(
            [
                folder.name,
                f"{len(conv.votes):,}",
                f"{total:.1f}",
                f"{t['consensus']:.2f}",
                f"{t['bridging']:.2f}",
                f"{t['bridging_bootstrap']:.2f}",
                f"{t['stability']:.1f}",
            ]
        )
        data.append({"name": folder.name, "votes": len(conv.votes), "total_s": total, **t})
    return rows, data


def _indicator(rating, mask):
    import scipy.sparse as sp

    return sp.csr_matrix((mask.astype(np.float64), rating.indices, rating.indptr), rating.shape)


if __name__ == "__main__":
    from benchmarks.run import section_main

    raise SystemExit(section_main("agenda"))
