"""Latency samples and their percentiles (nearest rank, as load-testing tools report them),
and the CPU time processes have used."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import psutil

PERCENTILES = (50, 95, 99)


@dataclass
class Latencies:
    """Milliseconds, one sample per request."""

    samples: list[float] = field(default_factory=list)

    def add(self, milliseconds: float) -> None:
        self.samples.append(milliseconds)

    def summary(self) -> dict[str, float]:
        """count, p50, p95, p99 and max in ms (zeros when there is no sample)."""
        ordered = sorted(self.samples)
        summary = {"count": len(ordered)}
        for q in PERCENTILES:
            summary[f"p{q}"] = round(nearest_rank(ordered, q), 2)
        summary["max"] = round(ordered[-1], 2) if ordered else 0.0
        return summary


def nearest_rank(ordered: list[float], percent: float) -> float:
    """The smallest sample with at least `percent`% of the samples at or below it."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def process_cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU these processes have used so far; one that has gone counts nothing."""
    total = 0.0
    for pid in pids:
        try:
            total += sum(psutil.Process(pid).cpu_times()[:2])
        except psutil.NoSuchProcess:
            pass
    return total
