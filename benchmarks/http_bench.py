"""Votes per second through the HTTP API under gunicorn, on SQLite and on PostgreSQL.

The load test's machinery (loadtest/): a deployment on 127.0.0.1 (gunicorn with
gunicorn.conf.py, a `flask --app web worker --stage fast` beside it), simulated participants
from `python -m loadtest.generator` in their own process, pausing between votes as people do.
Per database: one run at the goal rate (500 votes/s), then the search for the highest rate
that keeps p99 vote latency within 250 ms with no error and an exact reconciliation. PostgreSQL
runs when TEST_DATABASE_URL names a database (which is wiped); otherwise a note says so.
"""

from __future__ import annotations

import os

from benchmarks.common import Options, Section, Table, progress
from loadtest.deployment import Deployment
from loadtest.generator import Profile
from loadtest.search import GOAL_P99_MS, GOAL_RATE, Goal, Step, measure, search_highest_rate

FULL = {"duration_s": 30.0, "step_s": 12.0, "steps": 3}
QUICK = {"duration_s": 15.0, "step_s": 8.0, "steps": 2}


def run(options: Options) -> Section:
    plan = QUICK if options.quick else FULL
    postgres_url = os.environ.get("TEST_DATABASE_URL")
    backends = [("SQLite", None)] + ([("PostgreSQL", postgres_url)] if postgres_url else [])
    goal = Goal()
    rows, data = [], {"goal_rate": GOAL_RATE, "goal_p99_ms": GOAL_P99_MS, "backends": {}}
    for name, url in backends:
        progress(f"http: {name}, {GOAL_RATE:g} votes/s for {plan['duration_s']:g} s")
        with Deployment(url) as deployment:
            first, _printed = measure(
                deployment, Profile(rate=GOAL_RATE, duration_s=plan["duration_s"])
            )
            search = search_highest_rate(
                deployment,
                Profile(rate=GOAL_RATE, duration_s=plan["step_s"]),
                first,
                max_steps=plan["steps"],
                goal=goal,
                report_step=lambda step: progress("http:   " + step.summary(goal)),
            )
        rows.append(_row(name, first, goal, search.highest))
        data["backends"][name] = {
            "goal_run": _figures(first),
            "steps": [_figures(step) for step in search.steps],
            "highest_rate_meeting_goal": search.highest,
        }
    notes = [
        f"Goal (issue 3, 7): {GOAL_RATE:g} votes/s sustained with p99 <= {GOAL_P99_MS:g} ms on "
        "2 cores, 0 errors; 'x goal' is the highest rate meeting it over the goal rate.",
        "Simulated participants arrive at random and pause ~4 s between votes (gamma), each "
        "with its own bearer token; 5% add a statement. Generator on the same machine.",
        "Latency from the moment a participant meant to vote to the answer (retries included).",
        "Server CPU: gunicorn's CPU time (joins, statements, votes) per acknowledged vote while "
        "the generator's clock ran (seating the room left out), a figure that holds however "
        "busy the machine is; capacity/core = 1000 / it.",
        "Caught up: from the end of the run to a stored fast result covering the last vote.",
    ]
    if not postgres_url:
        notes.append("PostgreSQL: skipped (set TEST_DATABASE_URL to a throwaway database).")
    table = Table(
        f"HTTP votes/s under gunicorn at {GOAL_RATE:g} votes/s offered (and the highest rate "
        f"meeting p99 <= {GOAL_P99_MS:g} ms)",
        [
            "database",
            "achieved votes/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "errors",
            "reconciled",
            "server CPU ms/vote",
            "caught up s",
            "goal",
            "highest rate",
            "x goal",
            "load avg",
        ],
        rows,
        notes,
    )
    return Section("http", [table], data)


def _row(name: str, step: Step, goal: Goal, highest: float | None) -> list:
    latency = step.report.vote_latency_ms
    return [
        name,
        f"{step.report.achieved_rate:.1f}",
        f"{latency['p50']:.1f}",
        f"{latency['p95']:.1f}",
        f"{latency['p99']:.1f}",
        str(step.report.errors),
        "exact" if step.reconciliation.exact else "NOT EXACT",
        f"{step.server_cpu_ms_per_vote:.2f}",
        f"{step.caught_up_s:.1f}" if step.caught_up_s is not None else "> 60",
        "met" if goal.met_by(step) else "missed",
        f"{highest:g}" if highest is not None else "-",
        f"{highest / GOAL_RATE:.2f}" if highest is not None else "-",
        f"{step.load_average:.1f}",
    ]


def _figures(step: Step) -> dict:
    report = step.report
    return {
        "target_rate": report.target_rate,
        "offered_rate": report.offered_rate,
        "achieved_rate": report.achieved_rate,
        "vote_latency_ms": report.vote_latency_ms,
        "other_latency_ms": report.other_latency_ms,
        "errors": report.errors,
        "error_kinds": report.error_kinds,
        "reconciliation_exact": step.reconciliation.exact,
        "server_cpu_ms_per_vote": round(step.server_cpu_ms_per_vote, 3),
        "caught_up_s": step.caught_up_s,
        "load_average": step.load_average,
        "generator_lag_ms": report.generator_lag_ms,
    }


if __name__ == "__main__":
    from benchmarks.run import section_main

    raise SystemExit(section_main("http"))
