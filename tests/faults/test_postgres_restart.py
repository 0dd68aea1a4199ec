"""Restart PostgreSQL under load: the app recovers by itself, with errors only in the outage.

The test starts its own throwaway server (.ci/start-postgres.sh on a free port), never the one
the other tests share. Connections the restart broke are found by the pool (a ping of those idle
for over a second, deliberation.db; a busy one fails its request and the pool is then discarded)
and replaced; requests that arrive while the server is down fail, and phones retry them with the
same client vote id, so every vote still lands exactly once.
"""

from __future__ import annotations

import glob
import os
import subprocess
import time
from pathlib import Path

import pytest

from loadtest.deployment import REPO, free_port
from loadtest.generator import Profile
from loadtest.reconcile import latest_vote_mismatches, reconcile, wait_for_results

START_POSTGRES = REPO / ".ci" / "start-postgres.sh"
UNDER_LOAD = Profile(rate=60, duration_s=25, retries=10, timeout_s=5)
OUTAGE_S = 3.0
# After the server is back, requests already failing (or a connection being re-made) may
# still end in an error for a moment.
SETTLING_S = 3.0

pytestmark = pytest.mark.skipif(
    not glob.glob("/usr/lib/postgresql/*/bin/initdb"),
    reason="needs initdb (apt-get install postgresql) for a throwaway server",
)


class ThrowawayPostgres:
    """A server of our own, from .ci/start-postgres.sh, that the test may stop and start."""

    def __init__(self):
        self.port = free_port()
        self.env = {**os.environ, "PGPORT_MESA": str(self.port)}
        started = subprocess.run(
            [str(START_POSTGRES)], env=self.env, capture_output=True, text=True, timeout=120
        )
        assert started.returncode == 0, started.stderr
        self.url = started.stdout.strip().splitlines()[-1]
        self.root = Path(Path(f"/tmp/mesa-postgres-{self.port}.dir").read_text().strip())
        self.bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]

    def pg_ctl(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", f"{self.bin}/pg_ctl", "-D"]
        command += [str(self.root / "data"), "-w", *args]
        subprocess.run(command, cwd="/", check=True, capture_output=True, timeout=60)

    def stop_server(self) -> None:
        self.pg_ctl("-m", "fast", "stop")

    def start_server(self) -> None:
        # With the server stopped, restart starts it with the options it last ran with.
        self.pg_ctl("-l", str(self.root / "postgres.log"), "restart")

    def remove(self) -> None:
        subprocess.run(
            [str(START_POSTGRES), "stop"], env=self.env, capture_output=True, timeout=120
        )


@pytest.fixture
def own_postgres():
    server = ThrowawayPostgres()
    try:
        yield server
    finally:
        server.remove()


@pytest.mark.timeout(240)
def test_the_app_recovers_by_itself_from_a_database_restart(
    own_postgres, start_deployment, background_load
):
    deployment = start_deployment(own_postgres.url)
    load = background_load(deployment, UNDER_LOAD)
    load.wait_for_votes(150)

    outage_started = time.time()
    own_postgres.stop_server()
    time.sleep(OUTAGE_S)
    own_postgres.start_server()
    outage_ended = time.time()
    report = load.finish()

    # The outage was felt, and only during it.
    assert report.errors > 0
    # (A request sent up to one timeout before the stop could fail with it.)
    outside = report.errors_sent_outside(
        outage_started - UNDER_LOAD.timeout_s, outage_ended + SETTLING_S
    )
    assert outside == [], (report.error_kinds, outage_started, outage_ended, outside)
    # Nobody restarted the app: it went on serving after the outage.
    assert sum(at > outage_ended for at in report.acknowledged_times) > 100
    assert report.votes_given_up == 0
    reconciliation = reconcile(deployment.database_url, load.conversation_id, report)
    assert reconciliation.exact, reconciliation.describe()
    assert latest_vote_mismatches(deployment.database_url, load.conversation_id) == 0
    # The recompute worker recovered too: its results reach the last vote.
    assert wait_for_results(deployment.database_url, load.conversation_id, 60) is not None
    assert deployment.server.poll() is None and deployment.worker.poll() is None
