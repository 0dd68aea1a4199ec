"""Properties of the math that must hold for every vote set, checked on generated ones.

Hypothesis draws small conversations (a few participants and statements, some votes cast more
than once) and checks what the deliberation relies on: the order of a file's rows means
nothing; the latest vote on a statement is the one that stands; a pass is seen but never counts
as agreement or disagreement; and whatever arrives, the math answers with a valid result or a
clear ValueError, never a crash or a NaN in the document.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clustering.inputs import VoteRecords
from clustering.matrix import build_rating_matrix
from clustering.pipeline import PolisParams, update

# Small and quick: each update of these sizes takes milliseconds.
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# One cast vote: (participant, statement, vote, timestamp ms).
vote = st.tuples(
    st.integers(0, 11), st.integers(0, 7), st.sampled_from([-1, 0, 1]), st.integers(0, 10_000)
)
vote_sets = st.lists(vote, min_size=1, max_size=120)


def records(rows) -> VoteRecords:
    if not rows:
        return VoteRecords.empty()
    pids, tids, votes, timestamps = zip(*rows, strict=True)
    return VoteRecords.from_arrays(pids, tids, votes, timestamps)


def latest_by_hand(rows) -> dict[tuple[int, int], int]:
    """The vote that stands per (participant, statement): the one with the latest timestamp;
    in the same millisecond, the larger value (clustering.matrix's documented tie-break)."""
    standing: dict[tuple[int, int], tuple[int, int]] = {}
    for pid, tid, value, timestamp in rows:
        key = (pid, tid)
        if key not in standing or (timestamp, value) > standing[key]:
            standing[key] = (timestamp, value)
    return {key: value for key, (_, value) in standing.items()}


def matrix_cells(rows) -> dict[tuple[int, int], int]:
    """The rating matrix as {(pid, tid): vote} in the CSV sign (agree = +1)."""
    matrix = build_rating_matrix(records(rows))
    coo = matrix.votes.tocoo()
    return {
        (int(matrix.participant_ids[r]), int(matrix.statement_ids[c])): -int(v)
        for r, c, v in zip(coo.row, coo.col, coo.data, strict=True)
    }


def per_statement_counts(document: dict, letter: str) -> dict[str, int]:
    """Sum over base clusters of Polis's votes-base A (agree), D (disagree) or S (seen)."""
    return {tid: sum(counts[letter]) for tid, counts in document["votes-base"].items()}


@FAST
@given(rows=vote_sets, data=st.data())
def test_shuffling_the_input_rows_changes_nothing(rows, data):
    shuffled = data.draw(st.permutations(rows))
    assert update(records(shuffled)).to_json() == update(records(rows)).to_json()


@FAST
@given(rows=vote_sets, data=st.data())
def test_duplicate_votes_resolve_to_the_latest(rows, data):
    # Re-vote some cells later than anything else, and some earlier: only the later ones stand.
    later = data.draw(st.lists(st.sampled_from(rows), max_size=10))
    earlier = data.draw(st.lists(st.sampled_from(rows), max_size=10))
    revotes = [
        (p, t, data.draw(st.sampled_from([-1, 0, 1])), 20_000 + i)
        for i, (p, t, _, _) in enumerate(later)
    ]
    stale = [
        (p, t, data.draw(st.sampled_from([-1, 0, 1])), -1 - i)
        for i, (p, t, _, _) in enumerate(earlier)
    ]
    history = rows + revotes + stale
    cells = matrix_cells(history)
    assert cells == latest_by_hand(history)
    last_revote = {(pid, tid): value for pid, tid, value, _ in revotes}  # in time order
    for cell, value in last_revote.items():
        assert cells[cell] == value
    # The stale ones changed nothing at all: the matrix of the rest is the same.
    assert cells == matrix_cells(rows + revotes)
    document = update(records(history)).to_dict()
    counted = {pid: 0 for pid, _ in cells}
    for pid, _ in cells:
        counted[pid] += 1
    assert document["user-vote-counts"] == {str(pid): n for pid, n in sorted(counted.items())}


@FAST
@given(rows=vote_sets, data=st.data())
def test_a_pass_never_changes_agree_or_disagree_counts(rows, data):
    params = PolisParams(min_votes=1)  # everyone who voted is clustered, so votes-base is total
    cells = matrix_cells(rows)
    pids = sorted({pid for pid, _ in cells})
    tids = sorted({tid for _, tid in cells})
    unvoted = [(p, t) for p in pids for t in tids if (p, t) not in cells]
    chosen = data.draw(st.lists(st.sampled_from(unvoted), unique=True)) if unvoted else []
    passes = [(p, t, 0, 50_000 + i) for i, (p, t) in enumerate(chosen)]
    before = update(records(rows), params=params).to_dict()
    after = update(records(rows + passes), params=params).to_dict()
    assert per_statement_counts(after, "A") == per_statement_counts(before, "A")
    assert per_statement_counts(after, "D") == per_statement_counts(before, "D")
    seen_before, seen_after = per_statement_counts(before, "S"), per_statement_counts(after, "S")
    for tid in seen_before:
        added = sum(1 for _, t in chosen if str(t) == tid)
        assert seen_after[tid] == seen_before[tid] + added


@FAST
@given(rows=vote_sets)
def test_agree_and_disagree_counts_match_the_latest_votes(rows):
    document = update(records(rows), params=PolisParams(min_votes=1)).to_dict()
    cells = latest_by_hand(rows)
    for letter, value in (("A", 1), ("D", -1)):
        expected = {str(t): 0 for t in document["tids"]}
        for (_, tid), standing in cells.items():
            expected[str(tid)] += standing == value
        assert per_statement_counts(document, letter) == expected


# Anything at all: ids far apart or negative, votes outside {-1, 0, 1}, arrays of unequal length.
wild_ints = st.integers(-(2**40), 2**40)
wild_votes = st.one_of(st.sampled_from([-1, 0, 1]), st.integers(-128, 127))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pids=st.lists(st.one_of(st.integers(0, 30), wild_ints), max_size=80),
    tids=st.lists(st.one_of(st.integers(0, 10), wild_ints), max_size=80),
    votes=st.lists(wild_votes, max_size=80),
    timestamps=st.lists(wild_ints, max_size=80),
)
def test_any_vote_set_gives_a_valid_result_or_a_clear_error(pids, tids, votes, timestamps):
    n = min(len(pids), len(tids), len(votes), len(timestamps))
    unequal = len({len(pids), len(tids), len(votes), len(timestamps)}) > 1
    out_of_range = any(v not in (-1, 0, 1) for v in votes[:n] if not unequal)
    try:
        result = update(VoteRecords.from_arrays(pids, tids, votes, timestamps))
    except ValueError as refusal:
        assert str(refusal), "a refusal says what is wrong"
        assert unequal or out_of_range or any(p < 0 for p in pids) or any(t < 0 for t in tids)
        return
    assert not unequal and not out_of_range
    document = json.loads(result.to_json())  # allow_nan=False: no NaN or infinity anywhere
    voters = sorted(set(pids))
    assert document["n"] == len(voters)
    assert document["tids"] == sorted(set(tids))
    assert sorted(int(pid) for pid in document["user-vote-counts"]) == voters
    in_conv = set(document["in-conv"])
    assert in_conv <= set(voters)
    grouped = [pid for group in document["group-clusters"] for pid in group["members"]]
    grouped_pids = sorted(
        pid
        for base in grouped
        for pid in document["base-clusters"]["members"][document["base-clusters"]["id"].index(base)]
    )
    assert grouped_pids == sorted(in_conv) or not document["group-clusters"]


@pytest.mark.parametrize("votes", [[2], [-2], [1, 1, 5]])
def test_a_vote_outside_agree_disagree_pass_is_refused_clearly(votes):
    with pytest.raises(ValueError, match="outside"):
        VoteRecords.from_arrays(range(len(votes)), range(len(votes)), votes)
