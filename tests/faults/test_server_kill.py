"""SIGKILL the whole gunicorn server in the middle of a load run, then start it again.

Phones retry a vote that got no answer with the same client vote id (the generator does too),
so after the restart every vote is either acknowledged or was never sent: the database must
hold every acknowledged vote exactly once, and each standing vote must be the last one cast.
"""

from __future__ import annotations

import time

import pytest

from loadtest.generator import Profile
from loadtest.reconcile import count_votes, latest_vote_mismatches, reconcile
from tests.faults.conftest import DEPLOYMENT_BACKENDS, database_url_for

# Retries paced 0.5, 1, 2, 4, 4 ... s less up to half (jitter): 16 to 32 s in all, longer than
# a restart takes.
UNDER_LOAD = Profile(rate=60, duration_s=20, retries=10, timeout_s=5)
DOWN_FOR_S = 1.0
# The phones cut off come back together: requests sent in the first seconds of serving again
# queue behind that backlog and may still time out, for at most one client timeout.
SETTLING_S = UNDER_LOAD.timeout_s


@pytest.mark.timeout(240)
@pytest.mark.parametrize("backend", DEPLOYMENT_BACKENDS)
def test_every_acknowledged_vote_survives_a_killed_server(
    backend, start_deployment, background_load
):
    deployment = start_deployment(database_url_for(backend))
    load = background_load(deployment, UNDER_LOAD)
    load.wait_for_votes(200)

    killed_at = time.time()
    deployment.kill_server()  # SIGKILL to master and workers: requests die mid-transaction
    assert deployment.server_pids() == []
    time.sleep(DOWN_FOR_S)
    restarting_at = time.time()
    deployment.start_server()
    report = load.finish()

    # Voting resumed after the restart, retried votes included ...
    after_restart = sorted(at for at in report.acknowledged_times if at > restarting_at)
    assert len(after_restart) > 50
    # ... and requests failed only if sent while the server was down: in flight at the kill
    # (sent up to one timeout before it), or sent before the new server answered its first.
    assert report.errors > 0
    serving_again = after_restart[0]
    outside = report.errors_sent_outside(
        killed_at - UNDER_LOAD.timeout_s, serving_again + SETTLING_S
    )
    assert outside == [], (report.error_kinds, killed_at, serving_again, outside)
    assert report.votes_given_up == 0
    reconciliation = reconcile(deployment.database_url, load.conversation_id, report)
    assert reconciliation.missing == 0, reconciliation.describe()
    assert reconciliation.doubled == 0, reconciliation.describe()
    assert reconciliation.unexplained == 0, reconciliation.describe()
    assert reconciliation.exact, reconciliation.describe()  # nothing was left in doubt
    assert latest_vote_mismatches(deployment.database_url, load.conversation_id) == 0
    # Votes stored = acknowledged ones + the automatic agree of each statement's author.
    assert count_votes(deployment.database_url, load.conversation_id) == (
        report.votes_acknowledged + report.statements_added
    )
