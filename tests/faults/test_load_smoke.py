"""A short load under gunicorn: no error, and every acknowledged vote stored exactly once."""

from __future__ import annotations

import pytest

from loadtest.generator import Profile
from loadtest.reconcile import latest_vote_mismatches, reconcile, wait_for_results
from tests.faults.conftest import DEPLOYMENT_BACKENDS, database_url_for

# 10 s at 100 votes/s: a fifth of the goal rate, so a busy CI machine still has headroom.
SMOKE = Profile(rate=100, duration_s=10, retries=0)


@pytest.mark.timeout(150)
@pytest.mark.parametrize("backend", DEPLOYMENT_BACKENDS)
def test_a_short_load_is_served_without_error_and_reconciles(
    backend, start_deployment, background_load
):
    deployment = start_deployment(database_url_for(backend))
    load = background_load(deployment, SMOKE)
    report = load.finish()

    assert report.errors == 0, report.error_kinds
    # About rate x duration votes were offered (think times are random) and all acknowledged.
    assert report.votes_offered >= 0.6 * SMOKE.rate * SMOKE.duration_s
    assert report.votes_acknowledged == report.votes_offered
    assert report.statements_added >= 1
    reconciliation = reconcile(deployment.database_url, load.conversation_id, report)
    assert reconciliation.exact, reconciliation.describe()
    assert latest_vote_mismatches(deployment.database_url, load.conversation_id) == 0
    # What the load cost while the clock ran, as `make loadtest` reports it: the server
    # served every vote, and the generator's own share of the machine is known.
    assert report.watched_cpu_s["server"] > 0 and report.generator_cpu_s > 0
    # The worker ran beside the load, and its results reach the last vote.
    assert wait_for_results(deployment.database_url, load.conversation_id, 60) is not None
