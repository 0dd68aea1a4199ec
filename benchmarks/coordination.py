"""Coordinated-voting detection measured (issue 13, point 6): `python -m benchmarks.coordination`.

Six crowds: the demo's simulated evening (deliberation.demo, 240 people) and the five real Polis
conversations of tests/data/polis-open-data (join time: each participant's first vote). Into
each, a script joins 200 participants within five minutes, starting at a seeded moment inside
the conversation; they vote on the statements a participant would meet first (the most voted,
up to 40) from one agenda, each flipping 5% of its votes at random to look human. The
detector (clustering.coordination, default rule) then runs on everyone. Goals: >= 95% of the
script flagged, <= 1% of the real participants. Seeded: the same figures every run.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from clustering.coordination import CoordinationRule, find_coordinated_sets
from clustering.inputs import VoteRecords
from clustering.loaders import load_conversation
from deliberation.demo import read_scenario, simulate_evening

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
REAL = ("15-per-hour-seattle", "canadian-electoral-reform", "football-concussions",
        "scoop-hivemind.biodiversity", "vtaiwan.uberx")  # fmt: skip
SCRIPTED = 200
SCRIPT_STATEMENTS = 40
FLIP_SHARE = 0.05
SCRIPT_SPAN_MS = 5 * 60_000
GOAL_SCRIPT = 0.95
GOAL_REAL = 0.01


@dataclass(frozen=True)
class Crowd:
    name: str
    votes: VoteRecords  # CSV sign; join time of a participant = their first vote


@dataclass(frozen=True)
class Measured:
    name: str
    real: int
    real_flagged: int
    scripted: int
    scripted_flagged: int
    sets: int
    seconds: float


def demo_crowd(seed: int = 0, participants: int = 240) -> Crowd:
    evening = simulate_evening(read_scenario(), seed=seed, participants=participants)
    pids, tids, values, times = [], [], [], []
    for pid, person in enumerate(evening):
        # A participant's join is their arrival; a vote at the arrival marks it.
        for tid, vote, at_ms in person.votes:
            pids.append(pid)
            tids.append(tid)
            values.append(vote)
            times.append(at_ms)
    return Crowd("demo (240 simulated)", VoteRecords.from_arrays(pids, tids, values, times))


def real_crowds() -> list[Crowd]:
    return [Crowd(name, load_conversation(DATA / "polis-open-data" / name).votes) for name in REAL]


def with_script(crowd: Crowd, rng: np.random.Generator) -> tuple[VoteRecords, np.ndarray]:
    """The crowd plus SCRIPTED scripted participants; the scripted pids."""
    votes = crowd.votes
    tids, counts = np.unique(votes.statement_ids, return_counts=True)
    targets = tids[np.argsort(-counts, kind="stable")][:SCRIPT_STATEMENTS]
    agenda = rng.choice([-1, 1], size=len(targets))
    start = int(rng.integers(votes.timestamps.min(), votes.timestamps.max() + 1))
    first_pid = int(votes.participant_ids.max()) + 1
    scripted = np.arange(first_pid, first_pid + SCRIPTED, dtype=np.int64)
    joins = start + np.sort(rng.integers(0, SCRIPT_SPAN_MS, SCRIPTED))
    ballots = np.tile(agenda, (SCRIPTED, 1))
    flips = rng.random(ballots.shape) < FLIP_SHARE
    # A flip moves to one of the two other answers at random.
    shift = rng.integers(1, 3, size=ballots.shape)
    ballots = np.where(flips, (ballots + 1 + shift) % 3 - 1, ballots)
    n = len(targets)
    script = VoteRecords.from_arrays(
        np.repeat(scripted, n),
        np.tile(targets, SCRIPTED),
        ballots.ravel(),
        np.repeat(joins, n) + np.tile(np.arange(n) * 4_000, SCRIPTED),  # a vote every 4 s
    )
    merged = VoteRecords.from_arrays(
        np.concatenate([votes.participant_ids, script.participant_ids]),
        np.concatenate([votes.statement_ids, script.statement_ids]),
        np.concatenate([votes.votes, script.votes]),
        np.concatenate([votes.timestamps, script.timestamps]),
    )
    return merged, scripted


def measure(crowd: Crowd, seed: int, rule: CoordinationRule) -> Measured:
    rng = np.random.default_rng(seed)
    real_pids = np.unique(crowd.votes.participant_ids)
    # The crowd alone: anything flagged here is a real participant wrongly flagged.
    started = time.perf_counter()
    alone = find_coordinated_sets(crowd.votes, rule=rule)
    merged, scripted = with_script(crowd, rng)
    found = find_coordinated_sets(merged, rule=rule)
    seconds = time.perf_counter() - started
    flagged = found.participant_ids
    real_flagged = np.union1d(alone.participant_ids, np.intersect1d(flagged, real_pids))
    return Measured(
        crowd.name,
        len(real_pids),
        len(real_flagged),
        len(scripted),
        len(np.intersect1d(flagged, scripted)),
        found.n_sets,
        seconds,
    )


def report(rows: list[Measured]) -> str:
    lines = [
        f"{'crowd':34} {'real':>6} {'flagged':>8} {'share':>7} "
        f"{'script':>6} {'flagged':>8} {'share':>7} {'sets':>4} {'s':>6}"
    ]
    for row in rows:
        lines.append(
            f"{row.name:34} {row.real:6d} {row.real_flagged:8d} {row.real_flagged / row.real:7.2%} "
            f"{row.scripted:6d} {row.scripted_flagged:8d} "
            f"{row.scripted_flagged / row.scripted:7.2%} {row.sets:4d} {row.seconds:6.2f}"
        )
    real = sum(row.real for row in rows)
    real_flagged = sum(row.real_flagged for row in rows)
    scripted = sum(row.scripted for row in rows)
    scripted_flagged = sum(row.scripted_flagged for row in rows)
    lines.append(
        f"{'all':34} {real:6d} {real_flagged:8d} {real_flagged / real:7.2%} "
        f"{scripted:6d} {scripted_flagged:8d} {scripted_flagged / scripted:7.2%}"
    )
    script_ok = all(row.scripted_flagged / row.scripted >= GOAL_SCRIPT for row in rows)
    real_ok = all(row.real_flagged / row.real <= GOAL_REAL for row in rows)
    verdict = {True: "met", False: "MISSED"}
    lines.append(
        f"goal: script flagged >= {GOAL_SCRIPT:.0%} in every crowd: {verdict[script_ok]}; "
        f"real flagged <= {GOAL_REAL:.0%} in every crowd: {verdict[real_ok]}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.coordination", description=__doc__)
    parser.add_argument("--seed", type=int, default=13, help="seed of the scripts (default 13)")
    parser.add_argument("--min-agreement", type=float, default=CoordinationRule.min_agreement)
    parser.add_argument("--min-shared", type=int, default=CoordinationRule.min_shared)
    parser.add_argument("--min-group", type=int, default=CoordinationRule.min_group)
    parser.add_argument(
        "--min-set-agreement", type=float, default=CoordinationRule.min_set_agreement
    )
    parser.add_argument(
        "--join-window-min", type=float, default=CoordinationRule.join_window_ms / 60_000
    )
    args = parser.parse_args(argv)
    rule = CoordinationRule(
        join_window_ms=int(args.join_window_min * 60_000),
        min_shared=args.min_shared,
        min_agreement=args.min_agreement,
        min_group=args.min_group,
        min_set_agreement=args.min_set_agreement,
    )
    print(f"rule: {rule}")
    crowds = [demo_crowd(), *real_crowds()]
    rows = [measure(crowd, args.seed + i, rule) for i, crowd in enumerate(crowds)]
    text = report(rows)
    print(text)
    return 0 if "MISSED" not in text else 1


if __name__ == "__main__":
    sys.exit(main())
