"""Clustering section: pipeline speed and memory (table 1), agreement with Polis (table 2).

Table 1 runs every dataset in its own child process (`python -m benchmarks.clustering_bench
--child JSON`), so peak RSS is per dataset; the child does one untimed warm-up update on a tiny
input first, so numba's one-off JIT compile / cache load is not in any timing. Only `update` is
timed: loading (or synthesising) the votes is not.

Table 2 runs in this process: the five open-data conversations, our groups against Polis's
`group-id` (participants-votes.csv), cold and replayed in time order with incremental updates.
"""

from __future__ import annotations

import copy
import os
import statistics
import sys
import time
from dataclasses import dataclass

import numpy as np

from benchmarks.common import (
    REPO,
    Options,
    Section,
    Table,
    peak_rss_mb,
    progress,
    run_child,
)

OPEN_DATA = REPO / "tests" / "data" / "polis-open-data"
REPEATS = 3  # cold updates timed per dataset
# Incremental updates are short and the machines noisy: more of them for a steadier median.
INCREMENTAL_REPEATS = 7
HOLD_OUT = 0.01  # incremental: the newest 1% of votes arrive after the previous update
SYNTH_GROUPS = 4
SYNTH_SEED = 1
REPLAY_BATCHES = (100, 1000)
REPLAY_LIMIT_S = 180.0  # a replay slower than this is redone at REPLAY_FALLBACK
REPLAY_FALLBACK = 500
LOW_MIN_VOTES = (1, 3, 5)

# Goals (cold and incremental seconds, peak RSS MB), keyed by synthetic shape.
GOALS = {
    (25_000, 1_000, 40): {"cold_s": 1.0, "kept_incremental_s": 0.3},
    (100_000, 10_000, 100): {"cold_s": 15.0, "peak_rss_mb": 4096.0},
}
# red-dwarf 0.4.0 figures as quoted to us: (label, P, S, V, cold s, peak RSS MB or None).
RED_DWARF = (
    ("10k x 2k x 40", 10_000, 2_000, 40, 5.7, None),
    ("100k x 2k x 40", 100_000, 2_000, 40, 237.0, 10_700.0),
)


@dataclass(frozen=True)
class Dataset:
    name: str
    path: str | None = None  # open data folder
    shape: tuple[int, int, int] | None = None  # synthetic (participants, statements, votes each)

    @property
    def big(self) -> bool:
        return self.shape is not None and self.shape[0] >= 100_000

    def payload(self) -> dict:
        return {"task": "speed", "name": self.name, "path": self.path, "shape": self.shape}


def open_datasets() -> list[Dataset]:
    return [Dataset(p.name, path=str(p)) for p in sorted(OPEN_DATA.iterdir()) if p.is_dir()]


def synthetic_datasets() -> list[Dataset]:
    shapes = [
        (10_000, 1_000, 40),
        (25_000, 1_000, 40),
        (100_000, 2_000, 40),
        (100_000, 10_000, 100),
    ]
    return [Dataset(f"synth {_shape_label(s)}", shape=s) for s in shapes]


def _shape_label(shape: tuple[int, int, int]) -> str:
    p, s, v = shape
    return f"{_k(p)} x {_k(s)} x {v}"


def _k(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


# --------------------------------------------------------------------------------------------
# Section entry point


def run(options: Options) -> Section:
    t0 = time.perf_counter()
    datasets = open_datasets() + [d for d in synthetic_datasets() if not (options.quick and d.big)]
    speed = []
    for d in datasets:
        progress(f"speed: {d.name} ...")
        t = time.perf_counter()
        row = run_child("benchmarks.clustering_bench", d.payload())
        row["wall_s"] = round(time.perf_counter() - t, 2)
        progress(
            f"speed: {d.name}: cold {row['cold_s']:.3f} s,"
            f" incremental {row['incremental_s']:.3f} s (kept {row['kept_incremental_s']:.3f} s),"
            f" peak {row['peak_rss_mb']:.0f} MB"
            f" (child {row['wall_s']:.1f} s)"
        )
        speed.append(row)
    speed_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    _warm_up()
    agreement = [_agreement(d) for d in open_datasets()]
    agreement_s = time.perf_counter() - t1

    skipped = [d.name for d in synthetic_datasets() if options.quick and d.big]
    tables = [
        _speed_table(speed, speed_s, skipped),
        _agreement_table(agreement, agreement_s),
    ]
    data = {
        "speed": speed,
        "agreement": agreement,
        "elapsed_s": {"speed": round(speed_s, 2), "agreement": round(agreement_s, 2)},
        "goals": {_shape_label(k): v for k, v in GOALS.items()},
        "red_dwarf_quoted": [
            {"shape": r[0], "cold_s": r[4], "peak_rss_mb": r[5]} for r in RED_DWARF
        ],
        "skipped": skipped,
    }
    return Section("clustering", tables, data)


# --------------------------------------------------------------------------------------------
# Table 1: speed (child process per dataset)


def _speed_child(payload: dict) -> dict:
    from sklearn.metrics import adjusted_rand_score

    from clustering.incremental import IncrementalUpdater
    from clustering.pipeline import update

    load_before = os.getloadavg()[0]
    _warm_up()
    rss_before_data = peak_rss_mb()
    t = time.perf_counter()
    votes, moderation = _load(payload)
    load_s = time.perf_counter() - t
    rss_after_data = peak_rss_mb()

    cold_times, cold = [], None
    for _ in range(REPEATS):
        t = time.perf_counter()
        cold = update(votes, moderation)
        cold_times.append(time.perf_counter() - t)
    cold_dict = cold.to_dict()

    order = np.argsort(votes.timestamps, kind="stable")
    held = max(1, int(round(len(votes) * HOLD_OUT)))
    previous = update(votes.take(order[: len(votes) - held]), moderation).to_dict()
    inc_times, inc = [], None
    for _ in range(INCREMENTAL_REPEATS):
        t = time.perf_counter()
        inc = update(votes, moderation, previous=previous)
        inc_times.append(time.perf_counter() - t)

    # The same +1% through the worker's path: an IncrementalUpdater that kept the matrix and
    # its Gram statistics from the update before, given each cell's latest vote and the cells
    # the new votes changed, as the worker's vote cache gives them.
    older = latest_of_each_cell(votes.take(order[: len(votes) - held]))
    latest = latest_of_each_cell(votes)
    changed = cells_voted_on(latest, votes.take(order[len(votes) - held :]))
    updater = IncrementalUpdater()
    t = time.perf_counter()
    update(older, moderation, prepared=updater.prepare_latest(older, None))
    kept_first_s = time.perf_counter() - t
    kept_times, kept = [], None
    for _ in range(INCREMENTAL_REPEATS):
        fresh = copy.deepcopy(updater)  # each repeat folds the same 1% into the same state
        t = time.perf_counter()
        prepared = fresh.prepare_latest(latest, changed)
        kept = update(latest, moderation, previous=previous, prepared=prepared)
        kept_times.append(time.perf_counter() - t)
        assert fresh.last_fold == "appended"
    del updater, fresh, prepared

    people = cold_dict["mesa"]["participants"]
    grouped = [(p, g) for p, g in zip(people["pid"], people["group"], strict=True) if g is not None]
    planted_ari = None
    if payload["shape"] is not None:
        from clustering.synth import planted_groups

        planted = planted_groups(payload["shape"][0], SYNTH_GROUPS, SYNTH_SEED)
        if grouped:
            pids = np.array([p for p, _ in grouped])
            planted_ari = float(adjusted_rand_score(planted[pids], [g for _, g in grouped]))
    return {
        "name": payload["name"],
        "shape": payload["shape"],
        "participants": cold_dict["n"],
        "statements": cold_dict["n-cmts"],
        "votes": len(votes),
        "held_out_votes": held,
        "load_s": round(load_s, 3),
        "cold_s": statistics.median(cold_times),
        "cold_runs_s": cold_times,
        "cold_phases_s": dict(cold.timings),
        "incremental_s": statistics.median(inc_times),
        "incremental_runs_s": inc_times,
        "incremental_phases_s": dict(inc.timings),
        "kept_first_s": kept_first_s,
        "kept_incremental_s": statistics.median(kept_times),
        "kept_incremental_runs_s": kept_times,
        "kept_incremental_phases_s": dict(kept.timings),
        "in_conv": len(cold_dict["in-conv"]),
        "grouped": len(grouped),
        "groups": len(cold_dict["group-clusters"]),
        "planted_ari": planted_ari,
        "peak_rss_before_data_mb": rss_before_data,
        "peak_rss_after_data_mb": rss_after_data,
        "peak_rss_mb": peak_rss_mb(),
        "loadavg_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def _load(payload: dict):
    from clustering.inputs import Moderation

    if payload["path"] is not None:
        from clustering.loaders import load_conversation

        conv = load_conversation(payload["path"])
        return conv.votes, conv.moderation
    from clustering.synth import synthesize

    p, s, v = payload["shape"]
    votes, _ = synthesize(p, s, v, SYNTH_GROUPS, SYNTH_SEED)
    return votes, Moderation()


def _warm_up() -> None:
    """One cold and one incremental update on a tiny input: compiles / loads numba kernels."""
    from clustering.incremental import IncrementalUpdater
    from clustering.pipeline import update
    from clustering.synth import synthesize

    votes, _ = synthesize(80, 20, 15, 2, 0)
    first = update(votes.take(np.arange(len(votes) - 30)))
    update(votes, previous=first.to_dict())
    updater = IncrementalUpdater()
    order = np.argsort(votes.timestamps, kind="stable")
    older = latest_of_each_cell(votes.take(order[:-30]))
    update(older, prepared=updater.prepare_latest(older, None))
    latest = latest_of_each_cell(votes)
    prepared = updater.prepare_latest(latest, cells_voted_on(latest, votes.take(order[-30:])))
    update(latest, previous=first.to_dict(), prepared=prepared)


def latest_of_each_cell(votes):
    """Each (participant, statement)'s latest vote alone, as the worker's vote cache holds
    them (ordered by participant, then statement)."""
    from clustering.inputs import VoteRecords
    from clustering.matrix import latest_votes

    laid_out = latest_votes(votes)
    matrix, csr = laid_out.matrix, laid_out.matrix.votes
    rows = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    return VoteRecords(
        participant_ids=matrix.participant_ids[rows],
        statement_ids=matrix.statement_ids[csr.indices],
        votes=(-csr.data).astype(np.int8),  # internal sign -> CSV sign
        timestamps=laid_out.cell_ts.astype(np.int64),
    )


def cells_voted_on(latest, new_votes):
    """The latest votes of the cells `new_votes` voted on: the cells they changed."""
    width = int(max(latest.statement_ids.max(), new_votes.statement_ids.max())) + 1
    cell = latest.participant_ids * width + latest.statement_ids
    touched = new_votes.participant_ids * width + new_votes.statement_ids
    return latest.take(np.flatnonzero(np.isin(cell, touched)))


def _speed_table(rows: list[dict], seconds: float, skipped: list[str]) -> Table:
    loads = [x for r in rows for x in r["loadavg_1min"]] or [0.0]
    table = Table(
        "Clustering speed: one math update",
        [
            "dataset",
            "participants",
            "statements",
            "votes",
            "cold s",
            "incremental s (+1% votes)",
            "incremental s, matrix kept",
            "peak RSS MB",
            "groups",
            "ARI vs planted",
            "goal",
        ],
    )
    for r in rows:
        goal = GOALS.get(tuple(r["shape"])) if r["shape"] else None
        table.rows.append(
            [
                r["name"],
                f"{r['participants']:,}",
                f"{r['statements']:,}",
                f"{r['votes']:,}",
                _secs(r["cold_s"]),
                _secs(r["incremental_s"]),
                _secs(r["kept_incremental_s"]),
                f"{r['peak_rss_mb']:,.0f}",
                str(r["groups"]),
                "-" if r["planted_ari"] is None else f"{r['planted_ari']:.3f}",
                _goal_text(goal, r) if goal else "",
            ]
        )
    for label, p, s, v, cold_s, rss in RED_DWARF:
        table.rows.append(
            [
                f"red-dwarf 0.4.0, {label} (quoted, not measured here)",
                f"{p:,}",
                f"{s:,}",
                f"{p * v:,}",
                _secs(cold_s),
                "-",
                "-",
                "-" if rss is None else f"{rss:,.0f}",
                "-",
                "-",
                "",
            ]
        )
    table.notes = [
        f"cold: `update(votes, moderation, previous=None)`, median of {REPEATS}, timed around "
        "`update` only (votes already loaded or synthesised).",
        f"incremental: the newest {HOLD_OUT:.0%} of votes by timestamp held out, a cold update on "
        f"the other {1 - HOLD_OUT:.0%} gives `previous`; then `update(all votes, "
        f"previous=that dict)` is timed, median of {INCREMENTAL_REPEATS}.",
        "matrix kept: the same +1% through `IncrementalUpdater`, as the recompute worker runs "
        "it: the update before kept the latest-vote matrix and its Gram statistics, and only "
        "the cells the new votes changed are folded in (each cell's latest vote, as the "
        "worker's vote cache gives them; the fold is timed with the update). Its first call, "
        "which builds what it keeps, is in the JSON as kept_first_s.",
        "Each dataset runs in its own fresh subprocess; one untimed warm-up update (cold and "
        "incremental) on a tiny input runs first in each, so numba's one-off JIT compile / cache "
        "load is not counted.",
        "peak RSS: `ru_maxrss` of that subprocess at the end (interpreter, libraries, loading or "
        "synthesising the votes, and all updates).",
        f"synthetic: `synthesize(P, S, V, groups={SYNTH_GROUPS}, seed={SYNTH_SEED})` in memory; "
        "ARI vs planted is the adjusted Rand index of our cold groups vs the planted groups, over "
        "participants we grouped.",
        "goals: 1M votes cold <= 1.0 s and incremental <= 0.3 s (judged on the worker's path, "
        "matrix kept); 10M votes cold <= 15 s with peak RSS <= 4096 MB.",
        "red-dwarf 0.4.0 rows are figures quoted to us, not measured here (note their first "
        "shape has 2k statements, not the 1k of our 10k row).",
        f"table time: {seconds:.1f} s on {os.cpu_count()} CPUs; 1-minute load average seen "
        f"around the children: {min(loads):.1f} to {max(loads):.1f} (other work on the machine "
        "inflates and scatters timings).",
    ]
    if skipped:
        table.notes.append(f"--quick: skipped {', '.join(skipped)}.")
    return table


def _goal_text(goal: dict, r: dict) -> str:
    parts = []
    for key, label, unit in (
        ("cold_s", "cold", "s"),
        ("kept_incremental_s", "incr", "s"),
        ("peak_rss_mb", "RSS", "MB"),
    ):
        if key in goal:
            ok = r[key] <= goal[key]
            parts.append(f"{label} <= {goal[key]:g} {unit}: {'met' if ok else 'MISSED'}")
    return "; ".join(parts)


def _secs(s: float) -> str:
    return f"{s:.3f}" if s < 10 else f"{s:.1f}"


# --------------------------------------------------------------------------------------------
# Table 2: agreement with Polis (in this process)


def _agreement(d: Dataset) -> dict:
    from clustering.loaders import load_conversation, load_polis_groups
    from clustering.pipeline import PolisParams, update

    progress(f"agreement: {d.name} ...")
    conv = load_conversation(d.path)
    polis = load_polis_groups(d.path)
    votes, moderation = conv.votes, conv.moderation
    pids, counts = _distinct_votes_per_participant(votes)
    n_votes = dict(zip(pids.tolist(), counts.tolist(), strict=True))

    cold = update(votes, moderation).to_dict()
    row: dict = {
        "name": d.name,
        "votes": len(votes),
        "participants": len(pids),
        "polis_grouped": len(polis),
        "polis_grouped_under_7_votes": sum(1 for p in polis if n_votes.get(p, 0) < 7),
        "polis_grouped_without_votes": sum(1 for p in polis if p not in n_votes),
        "polis_groups": len(set(polis.values())),
        "cold": _score(cold, polis),
    }
    row["cold"]["in_conv"] = len(cold["in-conv"])
    row["min_votes"] = {}
    for n in LOW_MIN_VOTES:
        result = update(votes, moderation, params=PolisParams(min_votes=n)).to_dict()
        row["min_votes"][str(n)] = _score(result, polis) | {"in_conv": len(result["in-conv"])}
    row["replay"] = {}
    for batch in REPLAY_BATCHES:
        replay = _replay(votes, moderation, batch, update)
        if replay["aborted"] and batch < REPLAY_FALLBACK:
            progress(f"agreement: {d.name}: replay at {batch} > {REPLAY_LIMIT_S:.0f} s, using 500")
            slow = replay
            replay = _replay(votes, moderation, REPLAY_FALLBACK, update)
            replay["instead_of"] = {
                "batch": batch,
                "updates_done": slow["updates"],
                "seconds": slow["seconds"],
            }
        last = replay.pop("last")
        scored = _score(last, polis) if last is not None else {}
        row["replay"][str(batch)] = replay | scored
        progress(
            f"agreement: {d.name}: replay {replay['batch']}: {replay['updates']} updates in "
            f"{replay['seconds']:.1f} s, ARI {scored.get('ari')}"
        )
    return row


def _distinct_votes_per_participant(votes) -> tuple[np.ndarray, np.ndarray]:
    """Participant ids and how many distinct statements each voted on (passes included)."""
    pairs = np.unique(np.stack([votes.participant_ids, votes.statement_ids], axis=1), axis=0)
    return np.unique(pairs[:, 0], return_counts=True)


def _replay(votes, moderation, batch: int, update) -> dict:
    """Votes in timestamp order; an update at every multiple of `batch` and at the end, each
    fed the previous update's dict. Gives up after REPLAY_LIMIT_S (then `aborted` is True)."""
    order = np.argsort(votes.timestamps, kind="stable")
    n = len(order)
    ends = list(range(batch, n, batch)) + [n]
    previous, t0, done = None, time.perf_counter(), 0
    for end in ends:
        previous = update(votes.take(order[:end]), moderation, previous=previous).to_dict()
        done += 1
        if time.perf_counter() - t0 > REPLAY_LIMIT_S and done < len(ends):
            return {
                "batch": batch,
                "updates": done,
                "seconds": time.perf_counter() - t0,
                "aborted": True,
                "last": None,
            }
    return {
        "batch": batch,
        "updates": done,
        "seconds": time.perf_counter() - t0,
        "aborted": False,
        "last": previous,
    }


def _score(result: dict, polis: dict[int, int]) -> dict:
    """ARI of our groups vs Polis's, over participants both assigned a group."""
    from sklearn.metrics import adjusted_rand_score

    people = result["mesa"]["participants"]
    ours = {p: g for p, g in zip(people["pid"], people["group"], strict=True) if g is not None}
    common = sorted(set(ours) & set(polis))
    ari = None
    if len(common) >= 2:
        ari = float(adjusted_rand_score([polis[p] for p in common], [ours[p] for p in common]))
    return {
        "ari": ari,
        "both_grouped": len(common),
        "grouped": len(ours),
        "groups": len(result["group-clusters"]),
    }


def _agreement_table(rows: list[dict], seconds: float) -> Table:
    columns = [
        "conversation",
        "votes",
        "Polis grouped (<7 votes)",
        "our in-conv",
        "both grouped",
        "groups ours/Polis",
        "ARI cold",
    ]
    columns += [f"ARI replay {b}" for b in REPLAY_BATCHES]
    columns += [f"ARI cold min_votes={n} (in-conv)" for n in LOW_MIN_VOTES]
    columns.append("replay s (" + " / ".join(str(b) for b in REPLAY_BATCHES) + ")")
    table = Table("Agreement with Polis: adjusted Rand index of groups, open data", columns)
    fallbacks = []
    for r in rows:
        replays = [r["replay"][str(b)] for b in REPLAY_BATCHES]
        ours_groups = "/".join(
            str(x) for x in [r["cold"]["groups"]] + [p.get("groups", "-") for p in replays]
        )
        cells = [
            r["name"],
            f"{r['votes']:,}",
            f"{r['polis_grouped']:,} ({r['polis_grouped_under_7_votes']:,})",
            f"{r['cold']['in_conv']:,}",
            f"{r['cold']['both_grouped']:,}",
            f"{ours_groups} / {r['polis_groups']}",
            _ari(r["cold"]["ari"]),
        ]
        for b, p in zip(REPLAY_BATCHES, replays, strict=True):
            mark = f" (at {p['batch']})" if p["batch"] != b else ""
            cells.append(_ari(p.get("ari")) + mark)
            if p["aborted"]:
                fallbacks.append(
                    f"{r['name']}: replay at {p['batch']} stopped after {p['updates']} updates "
                    f"({p['seconds']:.0f} s > {REPLAY_LIMIT_S:.0f} s limit); no ARI."
                )
            if "instead_of" in p:
                fallbacks.append(
                    f"{r['name']}: replay at {b} passed {REPLAY_LIMIT_S:.0f} s after "
                    f"{p['instead_of']['updates_done']} updates; reported at {p['batch']} instead."
                )
        for n in LOW_MIN_VOTES:
            m = r["min_votes"][str(n)]
            cells.append(f"{_ari(m['ari'])} ({m['in_conv']:,})")
        cells.append(" / ".join(f"{p['seconds']:.1f} ({p['updates']})" for p in replays))
        table.rows.append(cells)
    table.notes = [
        "ARI: sklearn `adjusted_rand_score` of our group vs Polis's `group-id` "
        '(participants-votes.csv), over participants both assigned a group ("both grouped", '
        "for the cold run).",
        "Polis grouped: participants with a group-id; in brackets, how many of them voted on "
        "fewer than 7 distinct statements in votes.csv (our default min_votes is 7).",
        "groups ours: cold / replay " + " / replay ".join(str(b) for b in REPLAY_BATCHES) + ".",
        "replay N: votes sorted by timestamp, `update(prefix, moderation, previous=last dict)` "
        "for each prefix ending at a multiple of N and at the end; final moderation throughout "
        "(exports keep no moderation history). Replay s: wall seconds (number of updates).",
        "min_votes=N: cold update with `PolisParams(min_votes=N)`; in brackets our in-conv count.",
        f"table time: {seconds:.1f} s (in the parent process, after a warm-up update).",
    ] + fallbacks
    return table


def _ari(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


if __name__ == "__main__":
    from benchmarks.run import section_main

    sys.exit(section_main("clustering", children={"speed": _speed_child}))
