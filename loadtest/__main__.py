"""`make loadtest`: Mesa under gunicorn on 127.0.0.1, at the goal rate and then at its limit.

    python -m loadtest [--rate 500] [--duration 60] [--step-duration 15] [--max-steps 4]
                       [--database-url URL] [--no-sqlite] [--no-search]

For SQLite (a fresh file in a temporary folder) and, when --database-url or TEST_DATABASE_URL
names one, PostgreSQL (that database is wiped): migrate, seed a conversation with 60
statements, start gunicorn (gunicorn.conf.py) and a recompute worker (`flask --app web worker
--stage fast`), run the load generator at --rate for --duration seconds, then search for the
highest rate that keeps p99 vote latency within 250 ms with no error and an exact
reconciliation, in steps of --step-duration seconds. Prints each run's figures and a summary.

Rate limits stay on at their defaults (120 votes and 10 statements a minute per participant;
no per-address limit, since every simulated phone comes from 127.0.0.1). Their storage is
memory://, per gunicorn process: a participant's budget is counted in each worker separately,
so it is looser than configured; a deployment with several processes shares one Redis
(RATELIMIT_STORAGE_URI=redis://...). The simulated people vote every few seconds, far below
the limit either way. Exit status 1 if the goal rate misses the goal.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

from loadtest import command_parser
from loadtest.deployment import Deployment
from loadtest.generator import Profile, format_report
from loadtest.search import GOAL_P99_MS, Goal, Step, measure, search_highest_rate


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    postgres_url = args.database_url or os.environ.get("TEST_DATABASE_URL")
    backends: list[tuple[str, str | None]] = []
    if not args.no_sqlite:
        backends.append(("SQLite", None))
    if postgres_url:
        backends.append(("PostgreSQL", postgres_url))
    else:
        print("PostgreSQL: skipped (set TEST_DATABASE_URL or pass --database-url)\n", flush=True)
    goal = Goal(p99_ms=args.p99_ms)
    profile = Profile(rate=args.rate, duration_s=args.duration, think_s=args.think)
    summary: list[tuple[str, Step, float | None]] = []
    started = time.perf_counter()
    for name, url in backends:
        with Deployment(url, web_workers=args.web_workers) as deployment:
            print(
                f"== {name}: gunicorn on {deployment.base_url}, {deployment.web_workers} "
                f"processes (gunicorn.conf.py), recompute worker --stage fast; "
                f"{os.cpu_count()} CPUs",
                flush=True,
            )
            print(f"-- {args.rate:g} votes/s for {args.duration:g} s", flush=True)
            first, printed = measure(deployment, profile)
            _print_step(first, printed)
            highest = None
            if not args.no_search:
                print(
                    f"-- search: highest rate with p99 <= {goal.p99_ms:g} ms, 0 errors, exact "
                    f"reconciliation ({args.step_duration:g} s steps)",
                    flush=True,
                )
                step_profile = Profile(
                    rate=args.rate, duration_s=args.step_duration, think_s=args.think
                )
                search = search_highest_rate(
                    deployment,
                    step_profile,
                    first,
                    max_steps=args.max_steps,
                    goal=goal,
                    report_step=lambda step: print("   " + step.summary(goal), flush=True),
                )
                highest = search.highest
                shown = f"{highest:g} votes/s" if highest is not None else "none of the rates tried"
                print(f"highest rate meeting the goal on {name}: {shown}\n", flush=True)
            summary.append((name, first, highest))
    _print_summary(summary, goal, args.rate, time.perf_counter() - started)
    return 0 if all(goal.met_by(first) for _, first, _ in summary) else 1


def _print_step(step: Step, printed: str) -> None:
    print(printed or format_report(step.report), flush=True)
    print(step.reconciliation.describe(), flush=True)
    caught = f"{step.caught_up_s:.1f} s" if step.caught_up_s is not None else "not within 60 s"
    print(
        f"fast results covered the last vote {caught} after the run; CPU per vote while the "
        f"clock ran: server {step.server_cpu_ms_per_vote:.1f} ms (all requests included: "
        f"{step.capacity_per_core:.0f} votes/s per core), recompute worker "
        f"{step.worker_cpu_ms_per_vote:.1f} ms, generator {step.generator_cpu_ms_per_vote:.1f} ms; "
        f"load average {step.load_average:.1f}\n",
        flush=True,
    )


def _print_summary(summary, goal: Goal, rate: float, elapsed_s: float) -> None:
    print(f"== summary (goal: {rate:g} votes/s with p99 <= {goal.p99_ms:g} ms, 0 errors)")
    print(
        "| database | achieved votes/s | p50 ms | p95 ms | p99 ms | errors | reconciled | "
        "goal | highest rate meeting it |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, first, highest in summary:
        latency = first.report.vote_latency_ms
        print(
            f"| {name} | {first.report.achieved_rate:.1f} | {latency['p50']:.1f} | "
            f"{latency['p95']:.1f} | {latency['p99']:.1f} | {first.report.errors} | "
            f"{'exact' if first.reconciliation.exact else 'NOT EXACT'} | "
            f"{'met' if goal.met_by(first) else 'missed'} | "
            f"{f'{highest:g} votes/s' if highest is not None else '-'} |"
        )
    print(f"total {elapsed_s:.0f} s", flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = command_parser("python -m loadtest", __doc__)
    parser.add_argument("--rate", type=float, default=500.0, help="votes/s of the main run")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the main run")
    parser.add_argument("--step-duration", type=float, default=15.0, help="seconds per step")
    parser.add_argument("--max-steps", type=int, default=4, help="search steps per database")
    parser.add_argument("--p99-ms", type=float, default=GOAL_P99_MS)
    parser.add_argument("--think", type=float, default=Profile.think_s, help="mean pause, s")
    parser.add_argument("--web-workers", type=int, help="gunicorn processes (default CPUs + 1)")
    parser.add_argument("--database-url", help="PostgreSQL to test too (it is wiped)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--no-search", action="store_true", help="the main run only")
    return parser


if __name__ == "__main__":
    sys.exit(main())
