"""Compile the math's numba kernels once, at install time (`make setup` runs this).

numba compiles a kernel on its first call in a checkout and caches the machine code beside the
source; the first call pays about a minute for all of them. Paid here, it is not paid by the
first opinion map after `make run`, nor by the first test or worker that needs it. Each kernel
is compiled for the array types the pipeline passes: contiguous arrays from files and
generators, and the column views of the recompute worker's vote cache.

    python -m clustering.precompile
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from clustering.incremental import IncrementalUpdater
from clustering.inputs import VoteRecords
from clustering.pipeline import update
from clustering.synth import synthesize


def _as_cache_columns(records: VoteRecords) -> VoteRecords:
    """The same votes as views into one (n, 5) array, as the worker's vote cache holds them."""
    rows = np.column_stack(
        [
            np.arange(len(records)),
            records.participant_ids,
            records.statement_ids,
            records.votes.astype(np.int64),
            records.timestamps,
        ]
    ).astype(np.int64)
    return VoteRecords(rows[:, 1], rows[:, 2], rows[:, 3].astype(np.int8), rows[:, 4])


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="python -m clustering.precompile",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args(argv)
    started = time.perf_counter()
    votes, _ = synthesize(120, 30, 20, 2, 0)
    votes = votes.take(np.argsort(votes.timestamps, kind="stable"))
    older = votes.take(np.arange(len(votes) - 40))
    first = update(older).to_dict()
    update(votes, previous=first)
    latest = IncrementalUpdater()
    for chunk in (older, votes):
        latest.prepare_latest(_as_cache_columns(chunk), None)
    prepared = latest.prepare_latest(
        _as_cache_columns(votes), _as_cache_columns(votes.take(np.arange(3)))
    )
    update(votes, previous=first, prepared=prepared)  # the PCA on kept Gram statistics
    print(f"clustering: kernels compiled in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
