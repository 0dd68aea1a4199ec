"""The moderation queue's "similar to #N" check, before and after normalising each statement
once (issue 17 review): `python -m benchmarks.queue_near_duplicates [N] [QUEUED]` (defaults 2000
and 100). Statements are the demo's seed texts with a suffix each, the last QUEUED of them
queued; "before" is the old per-queued-statement loop (clustering.near_duplicates'
`similar_statements` over every earlier statement), "after" is
deliberation.services.near_duplicates.similar_in_queue's (`similar_among` over a prefix of the
statements normalised once). Both must give the same answers. CPU seconds, one run.
"""

from __future__ import annotations

import argparse
import random
import time
import tomllib
from bisect import bisect_left
from pathlib import Path

from clustering.near_duplicates import normalise, similar_among, similar_statements

DEMO = Path(__file__).resolve().parent.parent / "demo" / "round_table.toml"


def _seed_texts() -> list[str]:
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and 30 < len(value) < 300:
            found.append(value)

    walk(tomllib.loads(DEMO.read_text(encoding="utf-8")).get("statements"))
    return found


def main(n: int = 2000, queued: int = 100) -> None:
    rng = random.Random(1)
    base = _seed_texts()
    suffixes = ["", "Urgente.", "Ya.", "En la colonia."]
    texts = [f"{rng.choice(base)} {rng.choice(suffixes)} {i}" for i in range(n)]
    tids = list(range(n))
    start = time.process_time()
    before = {}
    for tid in tids[-queued:]:
        earlier = texts[:tid]
        found = similar_statements(texts[tid], earlier, limit=1)
        if found:
            before[tid] = found[0].index
    middle = time.process_time()
    processed = [normalise(text) for text in texts]
    after = {}
    for tid in tids[-queued:]:
        found = similar_among(texts[tid], processed[: bisect_left(tids, tid)], limit=1)
        if found:
            after[tid] = tids[found[0].index]
    end = time.process_time()
    assert before == after
    print(
        f"{n} statements, {queued} queued: before {middle - start:.2f} s CPU, "
        f"after {end - middle:.2f} s CPU; same answers ({len(after)} flagged)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.queue_near_duplicates",
        description="The moderation queue's near-duplicate check, before and after.",
    )
    parser.add_argument("n", type=int, nargs="?", default=2000, help="statements")
    parser.add_argument("queued", type=int, nargs="?", default=100, help="of them queued")
    arguments = parser.parse_args()
    main(arguments.n, arguments.queued)
