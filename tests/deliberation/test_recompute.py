"""The background recompute: votes in through the services, results out through the worker.

Runs on SQLite and PostgreSQL. Workers are started and stopped by the tests themselves
(MESA_EMBEDDED_WORKER is off under TESTING); waits poll with a timeout, never a fixed sleep.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
import sqlalchemy as sa

from clustering.inputs import Moderation, VoteRecords
from clustering.pipeline import PolisParams, update
from deliberation import services
from deliberation.db import now_ms, unit_of_work
from deliberation.models import MathKind, MathResult, RecomputeLease, RecomputeState, VoteRecord
from deliberation.recompute import (
    RecomputeSettings,
    Runner,
    Worker,
    canonical_json,
    recompute_cold,
    run_here,
    run_once,
    use_runner,
)
from deliberation.recompute import worker as worker_module
from deliberation.recompute.child import run_in_child
from deliberation.recompute.freshness import Debounce
from deliberation.recompute.leases import hold, release_lease, take_lease
from deliberation.recompute.settings import embedded_worker_enabled
from tests.deliberation.conftest import join
from web import create_app

WAIT_S = 15.0  # generous for a loaded CI machine; a passing test returns as soon as it can


def add_statements(owner, conversation, count: int) -> list[int]:
    return [
        services.add_seed_statement(owner.id, conversation.public_id, f"Propuesta número {i}.").tid
        for i in range(count)
    ]


def vote_all(conversation, pids, tids) -> None:
    """Two camps: even pids agree with even tids and disagree with odd ones, odd pids reverse."""
    for pid in pids:
        for tid in tids:
            services.cast_vote(conversation.public_id, pid, tid, 1 if (pid + tid) % 2 == 0 else -1)


def joined(conversation, count: int) -> list[int]:
    return [join(conversation).pid for _ in range(count)]


def results(db, conversation, kind=MathKind.FAST) -> list[MathResult]:
    db.session.rollback()  # a fresh snapshot: the worker wrote from another session
    return list(
        db.session.scalars(
            sa.select(MathResult)
            .where(MathResult.conversation_id == conversation.id, MathResult.kind == kind)
            .order_by(MathResult.version)
        )
    )


def computed(outcomes) -> list:
    return [outcome for outcome in outcomes if outcome.status == "computed"]


def wait_for(condition, timeout: float = WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s")


@pytest.fixture
def voted(owner, conversation):
    """Four statements and six participants who voted on all of them."""
    tids = add_statements(owner, conversation, 4)
    pids = joined(conversation, 6)
    vote_all(conversation, pids, tids)
    return pids, tids


def test_votes_get_a_fast_result_with_the_participants_in_conversation(db, owner, conversation):
    tids = add_statements(owner, conversation, 8)
    regulars, newcomers = joined(conversation, 18), joined(conversation, 2)
    vote_all(conversation, regulars, tids)
    vote_all(conversation, newcomers, tids[:1])  # one vote: below the in-conv threshold

    [outcome] = run_once("fast")

    assert outcome.status == "computed" and outcome.version == 1
    [stored] = results(db, conversation)
    result = stored.result
    assert result["n"] == 20
    assert result["in-conv"] == sorted(regulars)
    assert result["math_tick"] == 1
    assert result["mesa"]["params"]["seed"] == conversation.math_seed
    newest_vote = db.session.scalar(sa.select(sa.func.max(VoteRecord.id)))
    assert result["mesa"]["inputs"]["last_vote_id"] == newest_vote
    assert result["mesa"]["inputs"]["previous_version"] is None


def test_a_second_pass_without_changes_does_nothing(db, conversation, voted):
    assert len(computed(run_once("fast"))) == 1
    assert run_once("fast") == []
    assert len(results(db, conversation)) == 1


def test_new_votes_make_a_new_version_from_the_previous_one(db, conversation, voted):
    pids, tids = voted
    run_once("fast")
    latecomers = joined(conversation, 2)
    vote_all(conversation, latecomers, tids)

    [outcome] = run_once("fast")

    first, second = results(db, conversation)
    assert outcome.version == second.version == first.version + 1
    assert second.result["math_tick"] == first.result["math_tick"] + 1
    assert second.result["mesa"]["inputs"]["previous_version"] == first.version
    # Incremental: the previous update's row order is kept, newcomers come after it.
    row_order = second.result["mesa"]["state"]["row_order"]
    assert row_order[: len(pids)] == first.result["mesa"]["state"]["row_order"]
    assert sorted(row_order[len(pids) :]) == latecomers


def test_a_moderation_change_is_recomputed(db, owner, conversation, voted):
    run_once("fast")
    services.moderate_statement(owner.id, conversation.public_id, 1, "rejected")

    assert len(computed(run_once("fast"))) == 1

    assert results(db, conversation)[-1].result["mod-out"] == [1]


def test_a_vote_committed_below_the_watermark_is_not_missed(app, db, conversation, voted):
    """On PostgreSQL a vote's id is handed out at insert and seen at commit: an older
    transaction can commit after a newer one was already recomputed."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers: ids become visible in order")
    pids, tids = voted
    run_once("fast")
    straggler, prompt = joined(conversation, 2)
    late = db.engine.connect()
    late_transaction = late.begin()
    for table in ("votes", "latest_votes"):
        late.exec_driver_sql(
            f"INSERT INTO {table} (conversation_id, pid, tid, vote, created_ms) "
            f"VALUES ({conversation.id}, {straggler}, 0, 1, {now_ms()})"
        )
    services.cast_vote(conversation.public_id, prompt, 0, -1)  # a higher id, committed first
    assert len(computed(run_once("fast"))) == 1
    late_transaction.commit()
    late.close()

    assert len(computed(run_once("fast"))) == 1

    assert str(straggler) in results(db, conversation)[-1].result["user-vote-counts"]


def slowed_down(seconds: float) -> Runner:
    """A runner whose every fast computation takes a while, so that workers overlap."""

    def slow_start(function, *args, **kwargs):
        time.sleep(seconds)
        return function(*args, **kwargs)

    return Runner(fast=slow_start, topics=run_here)


def test_two_workers_never_compute_the_same_conversation_at_once(app, db, conversation, voted):
    runner = slowed_down(0.3)
    barrier = threading.Barrier(2)
    outcomes, failures = [], []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                outcomes.extend(run_once("fast", runner=runner))
            except BaseException as failure:  # noqa: BLE001 - reported in the main thread
                failures.append(failure)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures
    assert len(computed(outcomes)) == 1
    assert {o.status for o in outcomes} <= {"computed", "leased", "clean"}
    assert len(results(db, conversation)) == 1


def test_a_worker_that_lost_its_lease_stores_nothing(db, conversation, voted):
    def stalled(function, *args, **kwargs):
        # Meanwhile our lease ran out and another worker took it over.
        with unit_of_work() as session:
            session.execute(sa.update(RecomputeLease).values(expires_ms=0))
        assert take_lease(conversation.id, MathKind.FAST, "successor", 60_000)
        return function(*args, **kwargs)

    assert [o.status for o in run_once("fast", runner=Runner(fast=stalled))] == ["failed"]
    assert results(db, conversation) == []


def test_a_lease_is_exclusive_until_it_expires(db, conversation):
    fast = MathKind.FAST
    assert take_lease(conversation.id, fast, "worker-a", 60_000)
    assert not take_lease(conversation.id, fast, "worker-b", 60_000)
    assert take_lease(conversation.id, fast, "worker-a", 60_000)  # renewing one's own
    assert take_lease(conversation.id, MathKind.SLOW, "worker-b", 60_000)  # another stage

    assert take_lease(conversation.id, fast, "worker-a", -1)  # a is stalled: expired
    assert take_lease(conversation.id, fast, "worker-b", 60_000)
    with unit_of_work():
        assert not hold(conversation.id, fast, "worker-a", 60_000)  # a may not store now
    release_lease(conversation.id, fast, "worker-a")  # no effect: not a's any more
    assert not take_lease(conversation.id, fast, "worker-c", 60_000)


def test_a_dead_workers_lease_is_taken_over_once_it_expires(db, conversation, voted):
    with unit_of_work() as session:
        session.add(
            RecomputeLease(
                conversation_id=conversation.id,
                stage=MathKind.FAST,
                holder="crashed-host:4242:0",
                expires_ms=now_ms() + 60_000,
            )
        )
    assert [o.status for o in run_once("fast")] == ["leased"]

    with unit_of_work() as session:
        session.get(RecomputeLease, (conversation.id, MathKind.FAST)).expires_ms = now_ms() - 1
    assert [o.status for o in run_once("fast")] == ["computed"]
    lease = db.session.get(RecomputeLease, (conversation.id, MathKind.FAST))
    db.session.refresh(lease)
    assert lease.holder is None  # released after storing


def test_a_cold_recompute_reproduces_the_stored_cold_result_byte_for_byte(db, conversation, voted):
    run_once("fast")
    [stored] = results(db, conversation)
    assert stored.result["mesa"]["inputs"]["previous_version"] is None

    assert canonical_json(recompute_cold(conversation.public_id)) == canonical_json(stored.result)


def test_canonical_json_spells_numbers_by_value_and_sorts_keys():
    document = {"b": [-0.0, 2.0, 0.5], "a": 1e16}
    assert canonical_json(document) == b'{"a":10000000000000000,"b":[0,2,0.5]}'
    assert canonical_json({"a": 1e300}) == canonical_json({"a": 10**300})


def test_the_worker_loop_survives_a_failing_pass_and_picks_up_votes(
    app, db, conversation, voted, monkeypatch
):
    app.config.update(MESA_RECOMPUTE_DEBOUNCE_S=0.1, MESA_RECOMPUTE_POLL_S=0.05)
    real_fast_pending, calls = worker_module.fast_pending, []

    def fails_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real_fast_pending(*args, **kwargs)

    monkeypatch.setattr(worker_module, "fast_pending", fails_once)
    worker = Worker(app, "fast").start()
    try:
        wait_for(lambda: results(db, conversation))
        first = results(db, conversation)[-1].version
        pids, tids = voted
        vote_all(conversation, joined(conversation, 1), tids)
        wait_for(lambda: results(db, conversation)[-1].version > first)
    finally:
        worker.stop()
    assert len(calls) > 2 and not worker.running


def test_the_embedded_worker_starts_with_the_first_request(app, db, conversation, voted):
    assert app.config["MESA_EMBEDDED_WORKER"] is False  # off under TESTING
    web_process = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "test-secret-key",
            "TESTING": True,
            "MESA_EMBEDDED_WORKER": True,
            "MESA_RECOMPUTE_DEBOUNCE_S": 0.1,
        }
    )
    # Its slow stage runs too: in this thread, since a child process takes seconds to start.
    use_runner(web_process, Runner(slow=run_here, topics=run_here))
    web_process.test_client().get("/no-such-page")
    worker = web_process.extensions[worker_module.EXTENSION_KEY]
    try:
        assert worker.running
        wait_for(lambda: results(db, conversation))
    finally:
        worker.stop()
        with web_process.app_context():  # its own engine: close it before the next test
            db.session.remove()
            db.engine.dispose()


def test_a_running_slow_job_does_not_hold_up_the_fast_stage(app, db, conversation, voted):
    app.config.update(MESA_RECOMPUTE_DEBOUNCE_S=0.1, MESA_RECOMPUTE_POLL_S=0.05)
    slow_started, slow_may_finish = threading.Event(), threading.Event()

    def blocking_slow_stage(update, votes, moderation, previous, params):
        slow_started.set()
        slow_may_finish.wait(WAIT_S)
        return update(votes, moderation, previous, replace(params, projection="pca"))  # no UMAP

    worker = Worker(app, runner=Runner(slow=blocking_slow_stage, topics=run_here)).start()
    try:
        assert slow_started.wait(WAIT_S)  # the slow stage is busy with the first fast result
        pids, tids = voted
        vote_all(conversation, joined(conversation, 1), tids)
        wait_for(lambda: len(results(db, conversation)) == 2)
        assert results(db, conversation, MathKind.SLOW) == []
        slow_may_finish.set()
        wait_for(lambda: results(db, conversation, MathKind.SLOW))
    finally:
        slow_may_finish.set()
        worker.stop()


def test_the_worker_command_runs_one_pass(app, db, conversation, voted):
    outcome = app.test_cli_runner().invoke(args=["worker", "--once", "--stage", "fast"])
    assert outcome.exit_code == 0, outcome.output
    assert f"fast {conversation.public_id}: computed version 1" in outcome.output
    assert "worker" in app.test_cli_runner().invoke(args=["--help"]).output


def test_the_debounce_waits_for_quiet_but_not_longer_than_the_maximum(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    debounce = Debounce(RecomputeSettings(debounce_s=1.0, max_wait_s=5.0))
    assert not debounce.due(1, (10, 0), None)  # first seen
    clock[0] += 0.9
    assert not debounce.due(1, (11, 0), None)  # still voting
    clock[0] += 1.0
    assert debounce.due(1, (11, 0), None)  # quiet for a second
    for vote_id in range(12, 18):  # after that result, a vote every 0.9 s
        clock[0] += 0.9
        assert not debounce.due(1, (vote_id, 0), 1)
    clock[0] += 0.9
    assert debounce.due(1, (18, 0), 1)  # never quiet, but 5.4 s since the first change


def test_settings_come_from_the_config():
    config = {"MESA_RECOMPUTE_DEBOUNCE_S": 2, "MESA_RECOMPUTE_MAX_WAIT_S": 7.5}
    settings = RecomputeSettings.from_config(config)
    assert (settings.debounce_s, settings.max_wait_s, settings.poll_s) == (2.0, 7.5, 0.25)
    assert embedded_worker_enabled({"MESA_EMBEDDED_WORKER": False}) is False
    assert embedded_worker_enabled({"MESA_EMBEDDED_WORKER": None}) is True
    assert embedded_worker_enabled({}) is True
    assert embedded_worker_enabled({"TESTING": True}) is False
    with pytest.raises(ValueError):
        RecomputeSettings.from_config({"MESA_RECOMPUTE_DEBOUNCE_S": "-1"})


@pytest.mark.slow  # a spawned interpreter imports numpy, scipy and numba: seconds when cold
def test_the_slow_computation_runs_in_a_child_process_with_the_same_result():
    votes = VoteRecords.from_arrays([0, 0, 1, 1, 2], [0, 1, 0, 1, 1], [1, -1, 1, 1, -1])
    params = PolisParams(seed=3)
    in_child = run_in_child(update, votes, Moderation(), None, params)
    assert in_child.to_json() == update(votes, Moderation(), None, params).to_json()


@pytest.mark.slow
@pytest.mark.parametrize("app", ["sqlite"], indirect=True)  # the database part is as for fast
def test_the_slow_stage_adds_the_umap_map(db, owner, conversation):
    # The one UMAP test here: umap-learn compiles with numba (~30 s) in each new process. In
    # this one (run_here), so that tests/clustering's UMAP test shares the compiled code.
    tids = add_statements(owner, conversation, 6)
    pids = joined(conversation, 22)
    vote_all(conversation, pids, tids)

    runner = Runner(slow=run_here, topics=run_here)
    statuses = [(o.stage, o.status) for o in run_once("both", runner=runner)]

    assert statuses == [(MathKind.FAST, "computed"), (MathKind.SLOW, "computed")]
    [fast], [slow] = results(db, conversation), results(db, conversation, MathKind.SLOW)
    umap_map = slow.result["mesa"]["umap"]
    assert umap_map["available"] is True
    assert sorted(umap_map["pid"]) == slow.result["in-conv"] == sorted(pids)
    assert slow.result["mesa"]["inputs"]["previous_version"] == fast.version
    assert slow.result["mesa"]["params"]["projection"] == "umap"
    state = db.session.get(RecomputeState, (conversation.id, MathKind.SLOW))
    assert state.fast_version == fast.version
    assert run_once("slow") == []
