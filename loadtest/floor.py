"""How far Mesa is from the floor: the same load against Mesa and against a bare Flask app.

    python -m loadtest.floor [--rates 150,300,500] [--duration 15] [--database-url URL] [--redis]
                             [--pairs 1]

At each rate, the generator runs for --duration seconds against `loadtest.floor_app` (four
routes in bare Flask, one INSERT per vote) and then against Mesa with its recompute worker,
both on the same database (a fresh SQLite file, or the PostgreSQL database of --database-url,
which is wiped) and under the same gunicorn.conf.py on this machine, one after the other.
It prints, for each, the achieved rate, p99 vote latency, the server's CPU per vote and the
generator's own CPU per vote, and the ratio of the servers' CPU. On a machine whose cores the
generator and the servers share, the CPU per vote bounds the rate: a server can sustain at most
about (cores - generator's share) / (its CPU per vote) votes per second.

With --pairs N, each rate runs N pairs (bare, then Mesa) one after the other and ends with the
median of the N ratios: on a shared or virtual machine a neighbour's burst can move one run's
CPU per vote by a fifth, and it rarely hits every pair.

Mesa counts its rate limits in each process's memory, as a one-process deployment does; with
--redis it counts them in a redis-server of its own, as a several-process deployment must, and
the Redis CPU per vote is printed too.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import psutil

from loadtest import command_parser
from loadtest.deployment import Deployment
from loadtest.generator import Profile, Report
from loadtest.local_redis import LocalRedis, local_redis
from loadtest.reconcile import reconcile
from loadtest.search import run_generator
from loadtest.seeding import seed_conversation
from loadtest.stats import process_cpu_seconds


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    rates = [float(rate) for rate in args.rates.split(",")]
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{os.cpu_count()} CPUs; {database}; gunicorn.conf.py; {args.duration:g} s per run",
        flush=True,
    )
    print(
        "| rate | server | achieved votes/s | p99 ms | errors | server CPU ms/vote | "
        "recompute worker CPU ms/vote | generator CPU ms/vote |"
    )
    print("|---|---|---|---|---|---|---|---|")
    with contextlib.ExitStack() as stack:
        redis = None
        if args.redis:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mesa-redis-")))
            redis = stack.enter_context(local_redis(folder))
        for rate in rates:
            profile = Profile(rate=rate, duration_s=args.duration)
            ratios = [_compare(profile, args.database_url, redis) for _ in range(args.pairs)]
            if len(ratios) > 1:
                listed = ", ".join(f"{ratio:.2f}" for ratio in ratios)
                print(
                    f"Mesa / bare at {rate:g} votes/s, {len(ratios)} pairs: {listed}; "
                    f"median {statistics.median(ratios):.2f}x",
                    flush=True,
                )
    return 0


def _compare(profile: Profile, database_url: str | None, redis: LocalRedis | None) -> float:
    """One pair of runs, bare then Mesa; Mesa's server CPU per vote over the bare app's."""
    floor_report = _floor_run(profile, database_url)
    floor_cpu = floor_report.cpu_ms_per_vote(floor_report.watched_cpu_s["server"])
    _row(profile.rate, "bare Flask", floor_report)
    mesa = Deployment(database_url)
    if redis is not None:
        mesa.env.update(RATELIMIT_STORAGE_URI=redis.url, MESA_RATE_LIMITS_PER_PROCESS="0")
        mesa.also_watched["redis"] = [redis.pid]
    with mesa:
        conversation_id = seed_conversation(mesa.database_url)
        report = _run(mesa, conversation_id, profile, mesa.watched_processes())
        reconciliation = reconcile(mesa.database_url, conversation_id, report)
    _row(profile.rate, "Mesa", report)
    mesa_cpu = report.cpu_ms_per_vote(report.watched_cpu_s["server"])
    ratio = mesa_cpu / floor_cpu if floor_cpu else float("nan")
    print(f"|  | Mesa / bare | | | | {ratio:.1f}x | | |", flush=True)
    print(f"Mesa's votes: {reconciliation.describe()}", flush=True)
    for name, run in (("bare Flask", floor_report), ("Mesa", report)):
        for watched in ("postgres", "redis"):
            cpu = run.cpu_ms_per_vote(run.watched_cpu_s.get(watched))
            if cpu is not None:
                print(f"{name}: {watched} CPU per vote {cpu:.3f} ms", flush=True)
    return ratio


def _floor_run(profile: Profile, database_url: str | None) -> Report:
    """The generator against the bare app."""
    floor = Deployment(database_url, wsgi_app="loadtest.floor_app:app")
    try:
        if database_url:
            floor.prepare_database()  # an empty schema, as Mesa's run starts from
        floor.start_server()  # no migrations and no recompute worker: nothing to compute
        return _run(floor, "floor", profile, {"server": floor.server_pids()})
    finally:
        floor.stop()


def _run(
    deployment: Deployment, conversation_id: str, profile: Profile, watched: dict[str, list[int]]
) -> Report:
    """One generator run; on PostgreSQL, with the CPU of the database server's processes
    (those that start meanwhile too: a backend per new connection) in `watched_cpu_s`."""
    postgres_before = (
        _cpu_by_process(postgres_pids()) if deployment.backend == "postgresql" else None
    )
    report, _printed = run_generator(deployment.base_url, conversation_id, profile, watched)
    if postgres_before is not None:
        after = _cpu_by_process(postgres_pids())
        report.watched_cpu_s["postgres"] = sum(
            cpu - postgres_before.get(pid, 0.0) for pid, cpu in after.items()
        )
    return report


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on this machine (backends, WAL writer, checkpointer):
    the database's share of a run, when nothing else uses the server meanwhile."""
    return [
        process.pid
        for process in psutil.process_iter(["name"])
        if process.info["name"] in ("postgres", "postmaster")
    ]


def _cpu_by_process(pids: list[int]) -> dict[int, float]:
    return {pid: process_cpu_seconds([pid]) for pid in pids}


def _row(rate: float, server: str, report: Report) -> None:
    server_cpu = report.cpu_ms_per_vote(report.watched_cpu_s["server"])
    worker_cpu = report.cpu_ms_per_vote(report.watched_cpu_s.get("worker"))
    print(
        f"| {rate:g} | {server} | {report.achieved_rate:.1f} | "
        f"{report.vote_latency_ms['p99']:.1f} | {report.errors} | {server_cpu:.2f} | "
        f"{'-' if worker_cpu is None else f'{worker_cpu:.2f}'} | "
        f"{report.cpu_ms_per_vote(report.generator_cpu_s):.2f} |",
        flush=True,
    )


def _parser() -> argparse.ArgumentParser:
    parser = command_parser("python -m loadtest.floor", __doc__)
    parser.add_argument("--rates", default="150,300,500", help="votes/s, comma-separated")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per run")
    parser.add_argument(
        "--pairs", type=int, default=1, help="pairs of runs per rate; the median ratio ends them"
    )
    parser.add_argument(
        "--redis", action="store_true", help="Mesa's rate limits in a redis-server of its own"
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL database to run both on (wiped); a fresh SQLite file otherwise",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
