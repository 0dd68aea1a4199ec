"""Where a vote request's CPU goes, stage by stage: the profile summary of issue 16.

    python -m loadtest.vote_profile [--votes 3000] [--database-url URL]

Sends vote requests to Mesa in one process through Flask's test client (as loadtest.layers
does, on a fresh SQLite file or the PostgreSQL database of --database-url, which is wiped),
under cProfile with a CPU clock, and prints each stage's share of the request's CPU: the
token check, the vote budget, input parsing, the rules with the writes and the draw, the
answer's JSON, Flask's before- and after-request hooks, and the session's teardown. The rest
is Flask's and Werkzeug's own dispatch and the test client. Profiling slows every function
call alike, so shares are meaningful, absolute times are not (loadtest.layers gives those).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from loadtest import command_parser
from loadtest.layers import vote_servers

# (label, [(file suffix, function name), ...]): each stage's entry points, whose cumulative
# times are the stage's. None of them calls another, so their shares add up.
STAGES = (
    (
        "Flask before_request hooks (request guard, JSON check, CSRF)",
        [("flask/app.py", "preprocess_request")],
    ),
    ("token check (web.api.auth, web.recognition)", [("web/api/auth.py", "_genuine_token")]),
    (
        "input checks (web.api.hot_input's plain checks; webargs for the rest)",
        [
            ("web/api/voting.py", "plain_ballot"),
            ("web/api/schemas.py", "plain_reading_language"),
            ("webargs/core.py", "parse"),
            ("apiflask/schema_adapters/marshmallow.py", "load_location_data"),
        ],
    ),
    ("vote budget (web.vote_budget)", [("web/vote_budget.py", "spend_vote")]),
    (
        "rules, writes and draw (deliberation.services.voting)",
        [("deliberation/services/voting.py", "cast_vote_and_draw_next")],
    ),
    ("answer's JSON (web.api.voting.answer)", [("web/api/voting.py", "answer")]),
    (
        "Flask after_request hooks (headers, session)",
        [("flask/app.py", "process_response")],
    ),
    ("teardown (session closed)", [("flask/app.py", "do_teardown_appcontext")]),
)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mesa-profile-") as folder:
        vote = vote_servers(Path(folder), 2 * args.votes, args.database_url)["Mesa"]
        for _ in range(min(300, args.votes)):
            vote()  # warm: routing state, compiled statements, prepared statements
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.votes):
            vote()
        profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in stats.values())
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"CPU of {args.votes} vote requests on {database}, under cProfile: {total:.2f} s")
    print("| stage | share of the request's CPU |")
    print("|---|---|")
    accounted = 0.0
    for label, entry_points in STAGES:
        spent = sum(_cumulative(stats, suffix, function) for suffix, function in entry_points)
        accounted += spent
        print(f"| {label} | {spent / total:.0%} |")
    print(
        f"| the rest: Flask and Werkzeug dispatch, the test client | {1 - accounted / total:.0%} |"
    )
    return 0


def _cumulative(stats: dict, suffix: str, function: str) -> float:
    return sum(
        cumulative
        for (filename, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.items()
        if name == function and filename.endswith(suffix)
    )


def _parser() -> argparse.ArgumentParser:
    parser = command_parser("python -m loadtest.vote_profile", __doc__)
    parser.add_argument("--votes", type=int, default=3000, help="vote requests profiled")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL database (wiped)")
    return parser


if __name__ == "__main__":
    sys.exit(main())
