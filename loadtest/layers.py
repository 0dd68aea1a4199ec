"""Where a vote request's CPU goes, measured in one process with Flask's test client.

    python -m loadtest.layers [--rounds 15] [--votes 200]

Three servers answer the same vote requests, in alternating rounds of --votes requests each
(the machine's speed drifts; alternating spreads the drift over all three): Mesa as it is, on
a fresh SQLite file; Mesa with the vote service replaced by a canned answer, which leaves what
the web layers cost by themselves (Flask, APIFlask's validation and serialisation, Flask-Limiter,
the token's signature, security headers); and the bare app of `loadtest.floor_app` (one INSERT
per vote, nothing else). It prints the median CPU milliseconds per request of each and their
ratios. The test client's own cost is in all three alike; gunicorn's HTTP handling is in none.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from loadtest import command_parser
from loadtest.seeding import SEED_STATEMENTS, migrate_fresh, seed_conversation

API = "/api/v1/conversations"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mesa-layers-") as folder:
        servers = vote_servers(Path(folder), args.rounds * args.votes)
        timings: dict[str, list[float]] = {name: [] for name in servers}
        for _round in range(args.rounds):
            for name, vote in servers.items():
                started = time.process_time()
                for _ in range(args.votes):
                    vote()
                timings[name].append(1000 * (time.process_time() - started) / args.votes)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    floor = medians["bare Flask"]
    print(f"median CPU ms per vote request over {args.rounds} rounds of {args.votes}:")
    for name, median in medians.items():
        print(f"  {name:<28} {median:6.2f} ms  ({median / floor:.1f}x the bare app)")
    web_share = medians["Mesa, canned vote service"] / medians["Mesa"]
    print(f"the web layers alone are {web_share:.0%} of Mesa's vote request")
    return 0


def vote_servers(
    folder: Path, votes: int, database_url: str | None = None
) -> dict[str, Callable[[], None]]:
    """name -> a function that sends one vote request to that server and checks the answer.
    Mesa runs on `database_url` (wiped) if given, else on a fresh SQLite file in `folder`."""
    from deliberation import services
    from web import create_app

    url = database_url or f"sqlite:///{folder / 'mesa.sqlite3'}"
    migrate_fresh(url)
    conversation_id = seed_conversation(url)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secrets.token_hex(32),
            "MESA_EMBEDDED_WORKER": False,
            "MESA_RATE_LIMIT_JOINS": False,  # every simulated person joins from one address
        }
    )
    client = app.test_client(use_cookies=False)
    # Enough people that nobody nears the per-participant limit or runs out of statements.
    people = max(1, 2 * votes // SEED_STATEMENTS + 1)
    tokens = [
        client.post(f"{API}/{conversation_id}/participants", json={}).get_json()["token"]
        for _ in range(people)
    ]
    ballots = iter([(f"Bearer {token}", tid) for tid in range(SEED_STATEMENTS) for token in tokens])
    real_service = services.cast_vote_and_draw_next

    def send(expect_tid: bool) -> None:
        authorization, tid = next(ballots)
        answer = client.post(
            f"{API}/{conversation_id}/votes",
            json={"tid": tid, "vote": 1, "client_vote_id": f"{authorization[-12:]}-{tid}"},
            headers={"Authorization": authorization},
        )
        if answer.status_code != 200 or (expect_tid and answer.get_json()["vote"]["tid"] != tid):
            raise RuntimeError(f"vote refused: {answer.status_code} {answer.get_data()[:200]}")

    def mesa() -> None:
        send(expect_tid=True)

    def canned() -> None:
        services.cast_vote_and_draw_next = _canned_service
        try:
            send(expect_tid=False)
        finally:
            services.cast_vote_and_draw_next = real_service

    floor_app = importlib.import_module("loadtest.floor_app")
    floor_app.DATABASE = str(folder / "floor.sqlite3")
    floor_client = floor_app.app.test_client()
    floor_ids = itertools.count()

    def bare() -> None:
        answer = floor_client.post(
            f"{API}/floor/votes",
            json={"tid": 1, "vote": 1, "client_vote_id": f"floor-{next(floor_ids)}"},
        )
        if answer.status_code != 200:
            raise RuntimeError(f"the bare app refused a vote: {answer.status_code}")

    return {"Mesa": mesa, "Mesa, canned vote service": canned, "bare Flask": bare}


def _canned_service(conversation_id, pid, tid, vote, *, client_vote_id=None, token=None):
    """What `cast_vote_and_draw_next` answers, without reading or writing anything."""
    from deliberation.services import NextStatement, ShownStatement, VoteReceipt

    receipt = VoteReceipt(conversation_id, pid, 1, vote, 0, client_vote_id)
    shown = ShownStatement(1, "Propuesta 1", "es", is_seed=True, is_meta=False, created_ms=0)
    return receipt, NextStatement(shown, SEED_STATEMENTS - 1, SEED_STATEMENTS)


def _parser() -> argparse.ArgumentParser:
    parser = command_parser("python -m loadtest.layers", __doc__)
    parser.add_argument("--rounds", type=int, default=15, help="alternating rounds")
    parser.add_argument("--votes", type=int, default=200, help="vote requests per round")
    return parser


if __name__ == "__main__":
    sys.exit(main())
