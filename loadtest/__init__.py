"""Load and fault runs against Mesa under gunicorn on 127.0.0.1 (`make loadtest`).

deployment  the database, a gunicorn server and a recompute worker, as child processes
seeding     migrate the database and create the conversation to vote in
generator   simulated participants voting through the JSON API (its own command)
reconcile   acknowledged votes against the database, exactly
search      one measured step, and the search for the highest rate that keeps the goal
floor       `python -m loadtest.floor`: the same load against a bare Flask app and Mesa
layers      `python -m loadtest.layers`: one vote request's CPU, layer by layer
__main__    `python -m loadtest`: the steps of `make loadtest`
"""

import argparse


def command_parser(prog: str, doc: str | None) -> argparse.ArgumentParser:
    """The parser of one of these commands, its module docstring as the help text."""
    return argparse.ArgumentParser(
        prog=prog, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
