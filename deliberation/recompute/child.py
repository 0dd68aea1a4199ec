"""The slow stage's computation runs in a child process of the worker.

UMAP spends its seconds in numba-compiled code that holds the GIL (and its first run in a
process compiles for half a minute, in Python). In a thread of the worker's process that would
stall the fast stage's thread and, in the embedded worker, the web requests beside it. The
child is started on first use (spawned: forking a threaded process is unsafe), kept, so numba
compiles once, and restarted if it dies. Only arrays and dicts cross over; the database stays
with the calling thread.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

_starting = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def run_in_child(function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)` in the child process; `function` must be importable by name."""
    global _pool
    with _starting:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        pool = _pool
    try:
        return pool.submit(function, *args).result()
    except BrokenProcessPool:
        with _starting:  # the child died (killed, out of memory): start a new one next time
            if _pool is pool:
                _pool = None
        raise
