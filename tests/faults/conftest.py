"""Fault tests: a real deployment (gunicorn plus a recompute worker, on 127.0.0.1) under load
from the generator, running as its own process, while a test breaks something.

Fixtures and helpers here are shared by every test in tests/faults; each test carries its own
timeout, and all of them together stay within a few minutes on 2 busy cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from loadtest.deployment import REPO, Deployment
from loadtest.generator import Profile, Report
from loadtest.reconcile import count_votes
from loadtest.search import GENERATOR_OVERHEAD_S, generator_command
from loadtest.seeding import seed_conversation

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
# The databases a deployment test runs on: SQLite always, PostgreSQL when configured.
DEPLOYMENT_BACKENDS = ["sqlite"]
if POSTGRES_URL:
    DEPLOYMENT_BACKENDS.append(pytest.param("postgresql", marks=pytest.mark.postgres))


@pytest.fixture
def start_deployment(tmp_path) -> Iterator[Callable[..., Deployment]]:
    """Start a deployment (database migrated fresh, server, worker); stopped after the test.

    `start_deployment(database_url=None, env={...})`: None is a SQLite file in tmp_path.
    """
    started: list[Deployment] = []

    def start(database_url: str | None = None, **options) -> Deployment:
        deployment = Deployment(database_url, workdir=tmp_path / f"run{len(started)}", **options)
        deployment.workdir.mkdir()
        started.append(deployment)
        deployment.start()
        return deployment

    yield start
    for deployment in started:
        deployment.stop()
        # Shown with a failing test's output: the server's and worker's own account.
        for log in ("server.log", "worker.log"):
            for failure in deployment.logged_failures(log):
                print(f"--- {deployment.workdir.name}/{log}:\n{failure}")


def database_url_for(backend: str) -> str | None:
    """None (a SQLite file of the deployment's own) or the test PostgreSQL (wiped)."""
    return POSTGRES_URL if backend == "postgresql" else None


class BackgroundLoad:
    """`python -m loadtest.generator` running against a deployment while the test acts."""

    def __init__(self, deployment: Deployment, profile: Profile, out: Path):
        self.deployment = deployment
        self.profile = profile
        self.out = out
        self.conversation_id = seed_conversation(deployment.database_url)
        self.process = subprocess.Popen(
            generator_command(
                deployment.base_url,
                self.conversation_id,
                profile,
                out,
                deployment.watched_processes(),
            ),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_for_votes(self, count: int, timeout_s: float = 90.0) -> None:
        """Until the database holds `count` votes of the run: the load is in full swing."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stdout.read()
            if count_votes(self.deployment.database_url, self.conversation_id) >= count:
                return
            time.sleep(0.2)
        raise AssertionError(f"fewer than {count} votes after {timeout_s} s")

    def finish(self) -> Report:
        """Wait for the run to end; its report (the generator's text is printed for the log)."""
        printed, _ = self.process.communicate(
            timeout=self.profile.duration_s + GENERATOR_OVERHEAD_S
        )
        print(printed)
        assert self.out.exists(), f"the generator wrote no report:\n{printed}"
        return Report.from_dict(json.loads(self.out.read_text()))


@pytest.fixture
def background_load(tmp_path) -> Iterator[Callable[..., BackgroundLoad]]:
    """`background_load(deployment, profile)` starts the generator in a fresh conversation."""
    loads: list[BackgroundLoad] = []

    def start(deployment: Deployment, profile: Profile) -> BackgroundLoad:
        load = BackgroundLoad(deployment, profile, tmp_path / f"load{len(loads)}.json")
        loads.append(load)
        return load

    yield start
    for load in loads:
        if load.process.poll() is None:
            load.process.kill()
            load.process.wait()
