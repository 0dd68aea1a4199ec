"""The worker's in-memory latest votes never drift from the database's, whatever happens."""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa

from clustering._vote_kernels import gram_stats
from clustering.matrix import build_rating_matrix
from deliberation import services
from deliberation.db import now_ms, simulated_clock, unit_of_work
from deliberation.math_inputs import latest_votes
from deliberation.models import LatestVote, VoteRecord
from deliberation.recompute.freshness import SETTLE_MS
from deliberation.recompute.vote_cache import LatestVoteCache, latest_per_cell, merge_latest
from tests.deliberation.conftest import join


def as_set(records) -> set[tuple[int, int, int, int]]:
    return set(
        zip(
            records.participant_ids.tolist(),
            records.statement_ids.tolist(),
            records.votes.tolist(),
            records.timestamps.tolist(),
            strict=True,
        )
    )


def assert_same(db, cache, conversation) -> str:
    """The copy equals the database's latest votes, and the layout kept beside it equals the
    pipeline's own layout of them; how the layout was brought up to date."""
    db.session.rollback()
    cached, prepared = cache.read_prepared(conversation)
    assert len(cached) == len(as_set(cached))  # one row per participant and statement
    assert as_set(cached) == as_set(latest_votes(conversation))
    db.session.rollback()
    if len(cached) == 0:
        assert prepared is None
        return "empty"
    built = build_rating_matrix(cached)
    for name in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(
            getattr(prepared.matrix.votes, name), getattr(built.votes, name)
        )
    np.testing.assert_array_equal(prepared.matrix.first_vote_order, built.first_vote_order)
    csr = built.votes
    if prepared.gram is not None:
        expected = gram_stats(csr.indptr.astype(np.int64), csr.indices, csr.data, csr.shape[1])
        np.testing.assert_array_equal(prepared.gram, expected)
    return cache.layout_of(conversation).last_fold


def test_the_copy_follows_new_votes_changed_votes_and_deletions(db, owner, conversation):
    tids = [
        services.add_seed_statement(owner.id, conversation.public_id, f"Propuesta {i}.").tid
        for i in range(4)
    ]
    cache = LatestVoteCache()
    assert len(cache.read(conversation)) == 0
    pids = [join(conversation).pid for _ in range(3)]
    for pid in pids:
        for tid in tids[:2]:
            services.cast_vote(conversation.public_id, pid, tid, 1)
    assert_same(db, cache, conversation)

    services.cast_vote(conversation.public_id, pids[0], tids[0], -1)  # a changed vote
    services.cast_vote(conversation.public_id, pids[1], tids[3], 0)  # a new cell
    assert_same(db, cache, conversation)

    # A read a while later: everything read so far has settled, the next read starts above it.
    with simulated_clock(now_ms() + 2 * SETTLE_MS):
        assert_same(db, cache, conversation)
    # From here on a read folds only the changed cells into the kept layout.
    services.cast_vote(conversation.public_id, pids[1], tids[0], -1)  # a participant's first cell
    services.cast_vote(conversation.public_id, pids[2], tids[3], 1)
    assert assert_same(db, cache, conversation) == "appended"

    # A participant's votes disappear below the floor (as deleting a participation does).
    with unit_of_work():
        for model in (LatestVote, VoteRecord):
            db.session.execute(sa.delete(model).where(model.pid == pids[2]))
    services.cast_vote(conversation.public_id, pids[0], tids[2], 1)
    assert_same(db, cache, conversation)


def test_a_vote_committed_late_below_the_ids_already_read_is_merged(db, owner, conversation):
    """On PostgreSQL an id is taken before the commit: a vote can appear below an id read."""
    tids = [
        services.add_seed_statement(owner.id, conversation.public_id, f"Propuesta {i}.").tid
        for i in range(3)
    ]
    pids = [join(conversation).pid for _ in range(2)]
    now = now_ms()
    cell = {"conversation_id": conversation.id, "pid": pids[0]}

    def insert(vote_id: int, tid: int, created_ms: int, pid: int = pids[0]) -> None:
        row = {**cell, "pid": pid, "tid": tid, "vote": 1, "created_ms": created_ms}
        with unit_of_work():
            db.session.execute(sa.insert(VoteRecord), [{**row, "id": vote_id}])
            db.session.execute(sa.insert(LatestVote), [row])

    insert(1_000, tids[0], now - 3 * SETTLE_MS)  # long settled
    insert(1_030, tids[1], now)  # cast just now
    cache = LatestVoteCache()
    assert_same(db, cache, conversation)
    insert(1_020, tids[2], now, pid=pids[1])  # cast just now too, committed after the read
    assert_same(db, cache, conversation)


def test_the_newest_vote_per_cell_stands_by_time_then_history_id():
    rows = np.array(
        [
            # id, pid, tid, vote, created_ms
            [5, 0, 0, 1, 100],
            [4, 0, 0, -1, 200],  # newer by time despite the smaller id (an imported history)
            [7, 1, 0, 1, 300],
            [8, 1, 0, 0, 300],  # same millisecond: the later id stands
            [9, 1, 2, -1, 50],
        ],
        dtype=np.int64,
    )
    kept = {(int(r[1]), int(r[2])): int(r[3]) for r in latest_per_cell(rows)}
    assert kept == {(0, 0): -1, (1, 0): 0, (1, 2): -1}


def test_merging_more_history_equals_reducing_all_of_it():
    """merge_latest folds history rows into the kept latest rows as latest_per_cell on all of
    them would, and names exactly the cells whose latest vote changed."""
    rng = np.random.default_rng(4)
    history = np.zeros((0, 5), dtype=np.int64)
    kept = latest_per_cell(history)
    next_id = 1
    for _ in range(30):
        k = int(rng.integers(0, 40))
        batch = np.column_stack(
            [
                np.arange(next_id, next_id + k),
                rng.integers(0, 12, k),
                rng.integers(0, 9, k),
                rng.integers(-1, 2, k),
                rng.integers(0, 50, k) * 10,  # equal times: the larger id stands
            ]
        ).astype(np.int64)
        next_id += k
        history = np.concatenate([history, batch])
        repeat = history[rng.integers(0, len(history), 5)] if len(history) else batch
        merged, changed = merge_latest(kept, np.concatenate([batch, repeat]))
        expected = latest_per_cell(history)
        np.testing.assert_array_equal(merged, expected)
        before = {tuple(row) for row in kept.tolist()}
        assert {tuple(row) for row in changed.tolist()} == {
            tuple(row) for row in expected.tolist() if tuple(row) not in before
        }
        kept = merged
