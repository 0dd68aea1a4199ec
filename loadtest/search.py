"""Measured steps: one rate against a running deployment, and the search for the highest rate
that still meets the goal (p99 vote latency within the bound, no error, exact reconciliation).

Every step votes in a fresh conversation, so steps do not inherit each other's participants,
and runs the generator as its own process (`python -m loadtest.generator`), never inside the
caller, so the caller's own work (pytest, the benchmark runner) cannot slow it down.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from loadtest.deployment import REPO, Deployment
from loadtest.generator import Profile, Report
from loadtest.reconcile import Reconciliation, reconcile, wait_for_results
from loadtest.seeding import seed_conversation

GOAL_RATE = 500.0  # votes/s (issue 7: on 2 cores, generator on the same machine)
GOAL_P99_MS = 250.0
# A step whose achieved rate falls this far below its target did not sustain it. Random
# arrivals alone leave a healthy run a few per cent short of its target.
SUSTAINED_SHARE = 0.9
CATCH_UP_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Goal:
    p99_ms: float = GOAL_P99_MS

    def met_by(self, step: Step) -> bool:
        return (
            step.report.errors == 0
            and step.report.vote_latency_ms["p99"] <= self.p99_ms
            and step.report.achieved_rate >= SUSTAINED_SHARE * step.report.target_rate
            and step.reconciliation.exact
        )


@dataclass(frozen=True)
class Step:
    backend: str
    conversation_id: str
    report: Report
    reconciliation: Reconciliation
    caught_up_s: float | None  # last vote to a fast result covering it; None: not in time
    load_average: float  # the machine's 1-minute load average at the end
    # CPU time per acknowledged vote while the generator's clock ran (all requests included;
    # seating the room before it is not): gunicorn's, the recompute worker's, the generator's.
    server_cpu_ms_per_vote: float
    worker_cpu_ms_per_vote: float
    generator_cpu_ms_per_vote: float

    @property
    def capacity_per_core(self) -> float:
        """Votes/s one core could serve at this CPU cost, whatever else shares the machine."""
        return 1000 / self.server_cpu_ms_per_vote if self.server_cpu_ms_per_vote else 0.0

    def summary(self, goal: Goal) -> str:
        latency = self.report.vote_latency_ms
        verdict = "meets the goal" if goal.met_by(self) else "misses the goal"
        return (
            f"{self.report.target_rate:g} votes/s target: "
            f"achieved {self.report.achieved_rate:.1f}, "
            f"p50/p95/p99 {latency['p50']:.0f}/{latency['p95']:.0f}/{latency['p99']:.0f} ms, "
            f"{self.report.errors} errors, reconciliation "
            f"{'exact' if self.reconciliation.exact else 'NOT EXACT'}, server CPU "
            f"{self.server_cpu_ms_per_vote:.1f} ms/vote, load average {self.load_average:.1f}: "
            f"{verdict}"
        )


def generator_command(
    base_url: str,
    conversation_id: str,
    profile: Profile,
    out: Path,
    watched: dict[str, list[int]] | None = None,
):
    """The command line of `python -m loadtest.generator` for this profile, writing JSON to
    `out`, reading the CPU of the `watched` processes while its clock runs."""
    return [
        sys.executable,
        "-m",
        "loadtest.generator",
        f"--base-url={base_url}",
        f"--conversation={conversation_id}",
        f"--rate={profile.rate}",
        f"--duration={profile.duration_s}",
        f"--votes-each={profile.votes_each}",
        f"--think={profile.think_s}",
        f"--author-share={profile.author_share}",
        f"--retries={profile.retries}",
        f"--timeout={profile.timeout_s}",
        f"--seed={profile.seed}",
        f"--out={out}",
        *(f"--watch={name}={','.join(map(str, pids))}" for name, pids in (watched or {}).items()),
    ]


# Setup (seating the room) and the last answers come on top of a run's duration.
GENERATOR_OVERHEAD_S = 300


def run_generator(
    base_url: str,
    conversation_id: str,
    profile: Profile,
    watched: dict[str, list[int]] | None = None,
) -> tuple[Report, str]:
    """The generator as a child process; its report and the text it printed."""
    with tempfile.TemporaryDirectory(prefix="mesa-loadgen-") as folder:
        out = Path(folder) / "report.json"
        finished = subprocess.run(
            generator_command(base_url, conversation_id, profile, out, watched),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=profile.duration_s + GENERATOR_OVERHEAD_S,
            check=False,
        )
        if not out.exists():
            raise RuntimeError(
                f"the load generator failed (exit {finished.returncode}):\n"
                f"{finished.stdout}\n{finished.stderr}"
            )
        report = Report.from_dict(json.loads(out.read_text()))
    return report, finished.stdout.strip()


def measure(deployment: Deployment, profile: Profile) -> tuple[Step, str]:
    """One step in a fresh conversation: load, reconcile, and wait for the results to catch up."""
    conversation_id = seed_conversation(deployment.database_url)
    report, printed = run_generator(
        deployment.base_url, conversation_id, profile, deployment.watched_processes()
    )
    reconciliation = reconcile(deployment.database_url, conversation_id, report)
    caught_up_s = wait_for_results(deployment.database_url, conversation_id, CATCH_UP_TIMEOUT_S)
    step = Step(
        deployment.backend,
        conversation_id,
        report,
        reconciliation,
        caught_up_s,
        os.getloadavg()[0],
        report.cpu_ms_per_vote(report.watched_cpu_s.get("server", 0.0)),
        report.cpu_ms_per_vote(report.watched_cpu_s.get("worker", 0.0)),
        report.cpu_ms_per_vote(report.generator_cpu_s),
    )
    return step, printed


@dataclass
class Search:
    """The steps tried, and the highest rate among those that met the goal."""

    steps: list[Step] = field(default_factory=list)
    highest: float | None = None


def search_highest_rate(
    deployment: Deployment,
    profile: Profile,
    first: Step,
    *,
    max_steps: int,
    goal: Goal = Goal(),
    factor: float = 1.25,
    report_step: Callable[[Step], None] = lambda step: None,
) -> Search:
    """Climb by `factor` from a step that met the goal until one misses it (or, from one that
    missed, halve the rate until one meets it), then halve the gap between the best pass and
    the first miss with the steps left. At most `max_steps` steps after `first`."""
    search = Search(steps=[first])
    passed = first.report.target_rate if goal.met_by(first) else None
    failed = None if passed is not None else first.report.target_rate
    for _ in range(max_steps):
        if passed is not None and failed is None:
            rate = passed * factor
        elif passed is None:
            rate = failed / 2
        else:
            rate = (passed + failed) / 2
        rate = round(rate / 5) * 5
        if rate in (passed, failed) or rate <= 0:
            break  # within 5 votes/s: the figures are noisier than that
        step, _printed = measure(deployment, _at(profile, rate))
        search.steps.append(step)
        report_step(step)
        if goal.met_by(step):
            passed = max(rate, passed or 0)
        else:
            failed = min(rate, failed) if failed is not None else rate
    search.highest = passed
    return search


def _at(profile: Profile, rate: float) -> Profile:
    return Profile(**{**profile.__dict__, "rate": rate})
