"""Seconds per phase of a computation, for the worker's log and the benchmarks."""

from __future__ import annotations

import time


class LapTimer:
    """`lap(name)` adds the seconds since the previous lap (or the start) to `timings[name]`;
    a phase lapped twice (a loop) adds up."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.timings[phase] = self.timings.get(phase, 0.0) + now - self._last
        self._last = now
