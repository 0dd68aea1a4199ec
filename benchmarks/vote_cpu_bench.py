"""CPU time per vote, in one process, and where it goes: the service alone, the whole API
request without rate limiting, and the whole request as deployed.

The load test (section `http`) says how many votes/s a machine sustains; this section says
why, with no network, no generator and no other process in the measurement: a vote's CPU cost
bounds the rate a core can serve (1000 / ms per vote), whatever the load on the machine.
Variants run interleaved in rounds on one SQLite file, and the table reports the median round,
so a noisy neighbour slows all of them alike.
"""

from __future__ import annotations

import random
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import Options, Section, Table, progress

STATEMENTS = 40
PARTICIPANTS = 300
FULL = {"rounds": 7, "votes": 600}
QUICK = {"rounds": 3, "votes": 300}


def run(options: Options) -> Section:
    plan = QUICK if options.quick else FULL
    with tempfile.TemporaryDirectory() as folder:
        progress("vote_cpu: preparing a conversation with 300 participants")
        bench = _VoteBench(Path(folder) / "votes.sqlite3")
        samples: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for round_number in range(plan["rounds"]):
            for name in VARIANTS:
                samples[name].append(bench.cpu_ms_per_vote(name, plan["votes"]))
            progress(f"vote_cpu: round {round_number + 1} of {plan['rounds']}")
    medians = {name: statistics.median(values) for name, values in samples.items()}
    full = medians["api request, rate limited"]
    table = Table(
        "CPU per vote (one process, SQLite)",
        ["path", "CPU ms per vote", "share of the deployed request", "votes/s per core"],
        [
            [name, f"{ms:.2f}", f"{ms / full:.2f}", f"{1000 / ms:.0f}"]
            for name, ms in medians.items()
        ],
        notes=[
            f"Median of {plan['rounds']} interleaved rounds of {plan['votes']} votes; "
            f"{STATEMENTS} statements, {PARTICIPANTS} participants with bearer tokens.",
            "service: `cast_vote_and_draw_next` (rules, vote, next statement), no HTTP.",
            "api request: POST /api/v1/conversations/ID/votes through Flask's test client "
            "(token check, input and output schemas, headers), with and without Flask-Limiter.",
            "votes/s per core = 1000 / CPU ms: an upper bound, before gunicorn and the network.",
        ],
    )
    return Section(
        "vote_cpu", [table], {"cpu_ms_per_vote": medians, "samples": samples, "plan": plan}
    )


VARIANTS = ("service", "api request, no rate limit", "api request, rate limited")


class _VoteBench:
    """Two apps on one database file: the deployed configuration and one without limits."""

    def __init__(self, path: Path):
        from flask_migrate import upgrade

        from deliberation import services

        self.apps = {
            limited: self._app(path, limited) for limited in (True, False)
        }  # same database, same secret key: tokens work in both
        app = self.apps[True]
        with app.app_context():
            upgrade()
            owner = services.create_facilitator("bench@example.org", "correct horse battery")
            conversation = services.create_conversation(owner.id, "Vote CPU benchmark")
            self.conversation_id = conversation.public_id
            services.seed_statements(
                owner.id, self.conversation_id, [f"Statement {i}" for i in range(STATEMENTS)]
            )
        client = app.test_client(use_cookies=False)
        url = f"/api/v1/conversations/{self.conversation_id}/participants"
        self.participants = [client.post(url, json={}).get_json() for _ in range(PARTICIPANTS)]
        self.random = random.Random(7)

    @staticmethod
    def _app(path: Path, limited: bool):
        from web import create_app

        return create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                "SECRET_KEY": secrets.token_hex(32),
                "MESA_EMBEDDED_WORKER": False,
                "RATELIMIT_ENABLED": limited,
                # Counted, never reached: the cost of the check is what is measured.
                "MESA_RATE_LIMIT_VOTES": "1000000/minute",
                "MESA_RATE_LIMIT_JOINS": False,  # 300 people join from one address
            }
        )

    def cpu_ms_per_vote(self, variant: str, votes: int) -> float:
        cast = self._service_vote if variant == "service" else self._api_vote(variant)
        started = time.process_time()
        for _ in range(votes):
            participant = self.random.choice(self.participants)
            cast(participant, self.random.randrange(STATEMENTS), self.random.choice((-1, 0, 1)))
        return (time.process_time() - started) / votes * 1000

    def _service_vote(self, participant: dict, tid: int, vote: int) -> None:
        from deliberation import services
        from deliberation.db import db

        with self.apps[False].app_context():
            services.cast_vote_and_draw_next(self.conversation_id, participant["pid"], tid, vote)
            db.session.remove()

    def _api_vote(self, variant: str):
        client = self.apps[variant.endswith("rate limited")].test_client(use_cookies=False)
        url = f"/api/v1/conversations/{self.conversation_id}/votes"

        def cast(participant: dict, tid: int, vote: int) -> None:
            response = client.post(
                url,
                json={"tid": tid, "vote": vote},
                headers={"Authorization": "Bearer " + participant["token"]},
            )
            if response.status_code != 200:
                raise RuntimeError(f"vote refused: {response.status_code} {response.get_data()!r}")

        return cast


if __name__ == "__main__":
    from benchmarks.run import section_main

    raise SystemExit(section_main("vote_cpu"))
