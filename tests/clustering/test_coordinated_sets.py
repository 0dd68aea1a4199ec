"""Coordinated voting (issue 13, point 6): who the rule flags, and who it must leave alone."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.coordination import GOAL_REAL, GOAL_SCRIPT, demo_crowd, measure
from clustering.coordination import CoordinationDetector, CoordinationRule, find_coordinated_sets
from clustering.inputs import VoteRecords

MINUTE = 60_000
STATEMENTS = 30


def polarised_crowd(rng, people: int, first_pid: int = 0, span_ms: int = 120 * MINUTE):
    """Two camps voting with conviction: agree with their camp's side 80% of the time, pass
    sometimes, on a random two thirds of the statements; arrivals spread over two hours."""
    sides = rng.choice([-1, 1], size=(2, STATEMENTS))
    sides[:, :8] = 1  # common ground: both camps agree
    rows = []
    for k in range(people):
        pid, camp = first_pid + k, k % 2
        joined = int(rng.integers(0, span_ms))
        for n, tid in enumerate(rng.permutation(STATEMENTS)[: 2 * STATEMENTS // 3]):
            roll = rng.random()
            vote = 0 if roll < 0.1 else (sides[camp, tid] if roll < 0.85 else -sides[camp, tid])
            rows.append((pid, tid, vote, joined + 5_000 * n))
    return rows


def script(rng, people: int, first_pid: int, start_ms: int, span_ms: int, flips: float = 0.05):
    """`people` accounts voting one agenda on every statement, each flipping `flips` of it."""
    agenda = rng.choice([-1, 1], size=STATEMENTS)
    rows = []
    for k in range(people):
        joined = start_ms + int(rng.integers(0, span_ms))
        for tid in range(STATEMENTS):
            vote = agenda[tid]
            if rng.random() < flips:
                vote = rng.choice([v for v in (-1, 0, 1) if v != vote])
            rows.append((first_pid + k, tid, int(vote), joined + 3_000 * tid))
    return rows


def records(rows) -> VoteRecords:
    pids, tids, votes, times = zip(*rows, strict=True)
    return VoteRecords.from_arrays(pids, tids, votes, times)


def test_a_script_joining_in_a_burst_is_flagged_and_the_crowd_is_not():
    rng = np.random.default_rng(1)
    crowd = polarised_crowd(rng, 200)
    scripted = script(rng, 40, first_pid=1000, start_ms=30 * MINUTE, span_ms=3 * MINUTE)
    found = find_coordinated_sets(records(crowd + scripted))
    assert found.n_sets == 1
    assert set(found.participant_ids.tolist()) == set(range(1000, 1040))
    assert found.links > 0


def test_the_same_ballots_spread_over_a_day_are_not_a_burst():
    rng = np.random.default_rng(2)
    crowd = polarised_crowd(rng, 100)
    # One account every 20 minutes: no two within the ten-minute window.
    slow = [
        (pid, tid, vote, (pid - 1000) * 20 * MINUTE + t)
        for pid, tid, vote, t in script(rng, 40, first_pid=1000, start_ms=0, span_ms=1)
    ]
    assert len(find_coordinated_sets(records(crowd + slow)).participant_ids) == 0
    # A wider window (an operator's choice) finds them.
    wide = CoordinationRule(join_window_ms=24 * 60 * MINUTE)
    assert len(find_coordinated_sets(records(crowd + slow), rule=wide).participant_ids) == 40


def test_like_minded_people_who_joined_together_are_not_flagged():
    """A whole camp arriving at once, voting its side with conviction, is a crowd, not a script."""
    rng = np.random.default_rng(3)
    together = polarised_crowd(rng, 120, span_ms=5 * MINUTE)
    assert len(find_coordinated_sets(records(together)).participant_ids) == 0


def test_a_set_smaller_than_min_group_is_not_flagged():
    rng = np.random.default_rng(4)
    crowd = polarised_crowd(rng, 100)
    few = script(rng, 7, first_pid=1000, start_ms=10 * MINUTE, span_ms=MINUTE)
    assert len(find_coordinated_sets(records(crowd + few)).participant_ids) == 0
    five = CoordinationRule(min_group=5)
    assert len(find_coordinated_sets(records(crowd + few), rule=five).participant_ids) == 7


def test_join_times_given_override_the_first_vote_and_row_order_does_not_matter():
    rng = np.random.default_rng(5)
    rows = polarised_crowd(rng, 80) + script(rng, 20, 1000, start_ms=0, span_ms=MINUTE)
    votes = records(rows)
    detector = CoordinationDetector().fit(votes)
    assert detector.coordinated_.participant_ids.tolist() == list(range(1000, 1020))
    shuffled = votes.take(rng.permutation(len(votes)))
    again = find_coordinated_sets(shuffled)
    assert np.array_equal(again.participant_ids, detector.coordinated_.participant_ids)
    # Joined a day apart each, though they voted at once: not a burst.
    pids = np.arange(1000, 1020)
    apart = find_coordinated_sets(votes, pids, pids * 24 * 60 * MINUTE)
    assert len(apart.participant_ids) == 0


def test_too_few_votes_say_nothing():
    assert len(find_coordinated_sets(VoteRecords.empty()).participant_ids) == 0
    rng = np.random.default_rng(6)
    rows = [r for r in script(rng, 30, 0, 0, MINUTE) if r[1] < 11]  # 11 statements each
    assert len(find_coordinated_sets(records(rows)).participant_ids) == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"min_group": 1},
        {"min_shared": 0},
        {"join_window_ms": -1},
        {"min_agreement": 1.5},
        {"min_set_agreement": -2},
    ],
)
def test_a_rule_out_of_range_is_refused(bad):
    with pytest.raises(ValueError):
        CoordinationRule(**bad)


def test_the_benchmark_meets_its_goals_on_the_demo_crowd():
    """The measurement of `python -m benchmarks.coordination`, on its quickest crowd."""
    measured = measure(demo_crowd(), seed=13, rule=CoordinationRule())
    assert measured.scripted == 200 and measured.real == 240
    assert measured.scripted_flagged / measured.scripted >= GOAL_SCRIPT
    assert measured.real_flagged / measured.real <= GOAL_REAL
