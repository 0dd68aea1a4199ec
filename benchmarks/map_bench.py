"""Map payload section: size of the console's opinion-map payload and the server time to build it.

The input is a synthetic stored math result (the Polis math-pca2 shape with Mesa's `mesa` key):
participants in four Gaussian blobs as the PCA map, 5% of them ungrouped, and a UMAP map of the
grouped ones, as the slow stage stores it. Timed: the result's read model
(`clustering.result_view.ResultView`), `build_map_payload` from it and `json.dumps` of its
body, i.e. everything the server does on a cache miss once the document is in memory (reading
the document from the database is shown apart, as parsing its JSON). Goal at 100k points:
<= 200 ms and <= 3 MB.
"""

from __future__ import annotations

import gzip
import json
import statistics
import time

import numpy as np

from benchmarks.common import Options, Section, Table, progress
from clustering.result_view import ResultView
from deliberation.models import MathKind
from deliberation.services.math_results import MathStamp
from deliberation.services.opinion_map import build_map_payload

SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 100_000)
REPEATS = 5
GOAL_POINTS = 100_000
GOAL_MS = 200.0
GOAL_MB = 3.0
SEED = 7


def synthetic_result(participants: int, seed: int = SEED) -> dict:
    """A stored result's document with `participants` placed on both maps."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-2.0, 1.0], [2.0, 1.2], [0.3, -2.0], [2.5, -1.5]])
    groups = rng.choice(len(centres), size=participants, p=[0.4, 0.3, 0.2, 0.1])
    xy = centres[groups] + rng.normal(scale=0.6, size=(participants, 2))
    ungrouped = rng.random(participants) < 0.05
    pids = np.arange(participants)
    grouped = pids[~ungrouped]
    umap_xy = centres[groups[~ungrouped]] * 3 + rng.normal(scale=0.9, size=(len(grouped), 2))
    return {
        "n": participants,
        "in-conv": grouped.tolist(),
        "mesa": {
            "participants": {
                "pid": pids.tolist(),
                "x": xy[:, 0].tolist(),
                "y": xy[:, 1].tolist(),
                "group": [None if u else int(g) for g, u in zip(groups, ungrouped, strict=True)],
            },
            "umap": {
                "available": True,
                "pid": grouped.tolist(),
                "x": umap_xy[:, 0].tolist(),
                "y": umap_xy[:, 1].tolist(),
                "hdbscan_group": groups[~ungrouped].tolist(),
                "adjusted_rand_vs_polis": 0.9,
            },
        },
    }


def measure(participants: int, projection: str) -> dict:
    document = synthetic_result(participants)
    stored = json.dumps(document)
    t = time.perf_counter()
    json.loads(stored)
    parse_ms = (time.perf_counter() - t) * 1000
    stamp = MathStamp(version=1, kind=MathKind.SLOW, created_ms=0)
    build_ms, body = [], b""
    for _ in range(REPEATS):
        t = time.perf_counter()
        # The read model is built once per stored version; timed with the map, as the first
        # request after a recompute pays both.
        payload = build_map_payload(ResultView.from_document(document), stamp, projection)
        body = json.dumps(payload.body, separators=(",", ":")).encode()
        build_ms.append((time.perf_counter() - t) * 1000)
    return {
        "participants": participants,
        "projection": projection,
        "points": payload.body["points"],
        "payload_bytes": len(body),
        "payload_gzip_bytes": len(gzip.compress(body, 6)),
        "bytes_per_point": round(len(body) / max(payload.body["points"], 1), 2),
        "build_ms": statistics.median(build_ms),
        "build_runs_ms": [round(ms, 2) for ms in build_ms],
        "document_bytes": len(stored),
        "document_parse_ms": round(parse_ms, 1),
    }


def run(options: Options) -> Section:
    rows = []
    for participants in QUICK_SIZES if options.quick else SIZES:
        for projection in ("pca", "umap"):
            progress(f"map payload: {participants:,} participants, {projection} ...")
            rows.append(measure(participants, projection))
    table = Table(
        "Opinion map payload (console map.json)",
        [
            "participants",
            "projection",
            "points",
            "payload MB",
            "gzip MB",
            "bytes/point",
            "build ms (median)",
            "document MB",
            "document parse ms",
            "goal",
        ],
    )
    for r in rows:
        table.rows.append(
            [
                f"{r['participants']:,}",
                r["projection"],
                f"{r['points']:,}",
                f"{r['payload_bytes'] / 1e6:.3f}",
                f"{r['payload_gzip_bytes'] / 1e6:.3f}",
                f"{r['bytes_per_point']:.2f}",
                f"{r['build_ms']:.1f}",
                f"{r['document_bytes'] / 1e6:.1f}",
                f"{r['document_parse_ms']:.0f}",
                _goal(r),
            ]
        )
    table.notes = [
        "payload: the read model (clustering/result_view.py) + `build_map_payload` "
        "(deliberation/services/opinion_map.py) + `json.dumps` of "
        "its body: coordinates quantised to a 16-bit grid, groups as int8, both base64, plus "
        "each group's convex hull; points sorted by position, no pids.",
        f"build ms: median of {REPEATS} runs, from the parsed document to the response bytes; "
        "the web process caches the result per (conversation, version), so this is paid once "
        "per new result, not per poll.",
        "document: the synthetic stored result holds only what the map reads (a real one also "
        "has votes per statement); its parse time is what a cache miss adds on top.",
        f"goal: at {GOAL_POINTS:,} points, <= {GOAL_MS:g} ms and <= {GOAL_MB:g} MB.",
    ]
    data = {"rows": rows, "goal": {"points": GOAL_POINTS, "ms": GOAL_MS, "mb": GOAL_MB}}
    return Section("map", [table], data)


def _goal(row: dict) -> str:
    if row["participants"] != GOAL_POINTS:
        return ""
    time_ok = row["build_ms"] <= GOAL_MS
    size_ok = row["payload_bytes"] <= GOAL_MB * 1e6
    return (
        f"<= {GOAL_MS:g} ms: {'met' if time_ok else 'MISSED'}; "
        f"<= {GOAL_MB:g} MB: {'met' if size_ok else 'MISSED'}"
    )


if __name__ == "__main__":
    from benchmarks.run import section_main

    raise SystemExit(section_main("map"))
