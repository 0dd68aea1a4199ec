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

# Retries paced 0.5, 1, 2, 4, 4 ... s: about half a minute, longer than a restart takes.
UNDER_LOAD = Profile(rate=80, duration_s=20, retries=10, timeout_s=5)
DOWN_FOR_S = 1.0


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
    deployment.start_server()
    report = load.finish()

    # Voting resumed after the restart, retried votes included ...
    after_kill = sorted(at for at in report.acknowledged_times if at > killed_at + DOWN_FOR_S)
    assert len(after_kill) > 50
    # ... and requests failed only while the server was down (or being killed).
    assert report.errors > 0
    serving_again = after_kill[0]
    assert all(killed_at - 1 <= at <= serving_again + 1 for at in report.error_times)
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
