"""SIGKILL the recompute worker while it computes: voting goes on, and a new worker takes the
conversation over once the dead one's lease expires, until the results reach the last vote."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from deliberation.models import MathResult, RecomputeLease
from loadtest.generator import Profile
from loadtest.reconcile import reconcile, wait_for_results

LEASE_S = 4  # short, so the takeover happens within the test
UNDER_LOAD = Profile(rate=60, duration_s=20, retries=0)
_LEASES = RecomputeLease.__table__
_RESULTS = MathResult.__table__


def wait_for_a_computation(database_url: str, timeout_s: float = 60.0):
    """The lease row of a fast recompute in progress (holder set, not expired)."""
    engine = sa.create_engine(database_url)
    deadline = time.monotonic() + timeout_s
    try:
        with engine.connect() as connection:
            while time.monotonic() < deadline:
                held = connection.execute(
                    sa.select(_LEASES).where(
                        _LEASES.c.stage == "fast",
                        _LEASES.c.holder.is_not(None),
                        _LEASES.c.expires_ms > int(time.time() * 1000),
                    )
                ).first()
                connection.rollback()
                if held is not None:
                    return held
                time.sleep(0.01)
    finally:
        engine.dispose()
    raise AssertionError(f"no fast recompute started within {timeout_s} s")


def lease_of(database_url: str, conversation_pk: int):
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.select(_LEASES).where(
                    _LEASES.c.conversation_id == conversation_pk, _LEASES.c.stage == "fast"
                )
            ).one()
    finally:
        engine.dispose()


def fast_results(database_url: str, conversation_pk: int) -> list:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.select(_RESULTS.c.version, _RESULTS.c.created_ms)
                .where(_RESULTS.c.conversation_id == conversation_pk, _RESULTS.c.kind == "fast")
                .order_by(_RESULTS.c.version)
            ).all()
    finally:
        engine.dispose()


# SQLite only, to keep `make faults` short: the lease upsert is tested on both databases in
# tests/deliberation, and test_postgres_restart puts the worker through a PostgreSQL fault.
@pytest.mark.timeout(240)
def test_voting_goes_on_and_results_catch_up_after_the_worker_is_killed(
    start_deployment, background_load
):
    deployment = start_deployment(None, env={"MESA_RECOMPUTE_LEASE_S": str(LEASE_S)})
    load = background_load(deployment, UNDER_LOAD)
    load.wait_for_votes(100)

    computing = wait_for_a_computation(deployment.database_url)
    deployment.kill_worker()  # SIGKILL: no release, no cleanup
    assert f":{deployment.worker.pid}:" in computing.holder  # it was this worker computing
    # The dead worker's lease as it left it: still its own, until its last renewal runs out.
    lease = lease_of(deployment.database_url, computing.conversation_id)
    assert lease.holder == computing.holder
    versions_at_kill = {
        row.version for row in fast_results(deployment.database_url, lease.conversation_id)
    }
    time.sleep(2)
    deployment.start_worker()
    report = load.finish()

    # Voting never noticed.
    assert report.errors == 0, report.error_kinds
    reconciliation = reconcile(deployment.database_url, load.conversation_id, report)
    assert reconciliation.exact, reconciliation.describe()
    # The new worker caught up with the last vote ...
    assert wait_for_results(deployment.database_url, load.conversation_id, 60) is not None
    later = [
        row
        for row in fast_results(deployment.database_url, lease.conversation_id)
        if row.version not in versions_at_kill
    ]
    assert later, "no fast result after the worker was killed"
    # ... and only once the dead worker's lease had run out: nobody computed it meanwhile.
    assert all(row.created_ms >= lease.expires_ms for row in later)
