"""Many writers at once, through the services, each thread with its own app context and session.

What must hold: no vote lost or doubled, a retried vote id stored once, and pids and tids handed
out distinct and contiguous, on SQLite (one writer at a time, waiting on the busy timeout) and
PostgreSQL (row locks and ON CONFLICT).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from deliberation import services
from deliberation.db import db
from deliberation.errors import Conflict
from deliberation.models import LatestVote, VoteRecord
from tests.deliberation.conftest import signed_xid

THREADS = 8
CALLS_PER_THREAD = 1000
STATEMENTS = 40
CONTESTED_CALLS_PER_THREAD = 50  # each contested vote is sent by two threads at once
CONTESTED_VOTES = THREADS * CONTESTED_CALLS_PER_THREAD // 2


@dataclass(frozen=True)
class Call:
    pid: int
    tid: int
    vote: int
    vote_id: str | None


def run_in_threads(app, work, count=THREADS):
    """Run work(index) in `count` threads started together; re-raise the first failure."""
    barrier = threading.Barrier(count)
    results, failures = [None] * count, []

    def body(index):
        with app.app_context():
            try:
                barrier.wait()
                results[index] = work(index)
            except BaseException as failure:  # noqa: BLE001 - reported in the main thread
                failures.append(failure)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=body, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.rollback()  # end the caller's snapshot, so that it sees what the threads wrote
    if failures:
        raise failures[0]
    return results


def plan_calls(own_pids: list[int], shared_pids: list[int]) -> list[list[Call]]:
    """Each thread's 1,000 calls: new votes, changed votes, retries of its own earlier vote
    ids, and votes that another thread sends too (same id, same content).

    Only one thread votes for each own participant, so the vote that stands for each
    (participant, statement) is known in advance whatever the interleaving.
    """
    contested = [
        Call(shared_pids[j // STATEMENTS], j % STATEMENTS, j % 3 - 1, f"shared-{j}")
        for j in range(CONTESTED_VOTES)
    ]
    plans = []
    for thread in range(THREADS):
        rng = random.Random(thread)
        mine = [
            c for j, c in enumerate(contested) if j % THREADS in (thread, (thread + 1) % THREADS)
        ]
        own: list[Call] = []
        for index in range(CALLS_PER_THREAD - len(mine)):
            if index % 10 == 9:  # a retry of one of this thread's earlier vote ids
                own.append(rng.choice([c for c in own if c.vote_id is not None]))
                continue
            vote_id = None if index % 13 == 0 else f"own-{thread}-{index}"
            # tids cycle, so after the first 40 every new vote changes an earlier one
            own.append(Call(own_pids[thread], index % STATEMENTS, rng.choice((1, -1, 0)), vote_id))
        calls = own[:]
        for position, call in zip(
            sorted(rng.sample(range(len(calls)), len(mine))), mine, strict=True
        ):
            calls.insert(position, call)
        plans.append(calls)
    return plans


def expected_outcome(plans):
    stored_ids, history, latest = set(), 0, {}
    for calls in plans:
        for call in calls:
            if call.vote_id is not None and (call.pid, call.vote_id) in stored_ids:
                continue
            stored_ids.add((call.pid, call.vote_id))
            history += 1
            latest[(call.pid, call.tid)] = call.vote
    return history, latest


def test_concurrent_votes_are_neither_lost_nor_doubled(app, owner, conversation):
    for index in range(STATEMENTS):
        services.add_seed_statement(owner.id, conversation.public_id, f"Propuesta número {index}.")
    pids = [services.join_conversation(conversation.public_id).pid for _ in range(THREADS + 5)]
    own_pids, shared_pids = pids[:THREADS], pids[THREADS:]
    plans = plan_calls(own_pids, shared_pids)
    assert all(len(calls) == CALLS_PER_THREAD for calls in plans)
    public_id = conversation.public_id

    def vote(thread):
        return [
            services.cast_vote(public_id, c.pid, c.tid, c.vote, client_vote_id=c.vote_id)
            for c in plans[thread]
        ]

    receipts = run_in_threads(app, vote)

    expected_history, expected_latest = expected_outcome(plans)
    rows = db.session.execute(sa.select(VoteRecord.pid, VoteRecord.client_vote_id)).all()
    assert len(rows) == expected_history
    with_ids = Counter(row for row in rows if row.client_vote_id is not None)
    assert max(with_ids.values()) == 1  # every retried id stored once
    latest = {
        (row.pid, row.tid): row.vote
        for row in db.session.execute(sa.select(LatestVote.pid, LatestVote.tid, LatestVote.vote))
    }
    assert latest == expected_latest
    # Of the two threads that sent each contested vote, exactly one stored it.
    first_sends = Counter(
        r.client_vote_id
        for thread_receipts in receipts
        for r in thread_receipts
        if r.client_vote_id and r.client_vote_id.startswith("shared-") and not r.replayed
    )
    assert len(first_sends) == CONTESTED_VOTES and set(first_sends.values()) == {1}


def test_concurrent_joins_get_distinct_contiguous_pids(app, conversation):
    per_thread = 25
    public_id = conversation.public_id  # ORM objects belong to this thread's session

    def join(_thread):
        return [services.join_conversation(public_id).pid for _ in range(per_thread)]

    pids = [pid for batch in run_in_threads(app, join) for pid in batch]
    assert sorted(pids) == list(range(THREADS * per_thread))


def test_concurrent_joins_with_one_new_xid_make_one_participant(app, conversation):
    public_id = conversation.public_id
    ana = signed_xid(public_id, "ana")

    def join(_thread):
        return services.join_conversation(public_id, **ana).pid

    assert len(set(run_in_threads(app, join))) == 1


def test_concurrent_statements_get_contiguous_tids_and_duplicates_are_refused_once(
    app, conversation
):
    public_id = conversation.public_id
    authors = [services.join_conversation(public_id).pid for _ in range(THREADS)]
    per_thread = 10

    def submit(thread):
        outcomes = []
        for index in range(per_thread):
            # Half the texts are written by two threads at once.
            text = f"Idea {index} de {thread // 2}" if index % 2 else f"Idea {index} de {thread}"
            try:
                outcomes.append(services.submit_statement(public_id, authors[thread], text).tid)
            except Conflict:
                outcomes.append(None)
        return outcomes

    outcomes = [outcome for batch in run_in_threads(app, submit) for outcome in batch]
    tids = [tid for tid in outcomes if tid is not None]
    duplicates_per_pair = per_thread // 2
    assert outcomes.count(None) == THREADS // 2 * duplicates_per_pair
    assert sorted(tids) == list(range(len(tids)))
    # Each author's automatic agree was recorded with their statement, and only then.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VoteRecord)) == len(tids)
