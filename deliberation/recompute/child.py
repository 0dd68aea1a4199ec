"""The slow stage's computation runs in a child process of the worker.

UMAP spends its seconds in numba-compiled code that holds the GIL (and its first run in a
process compiles for half a minute, in Python). In a thread of the worker's process that would
stall the fast stage's thread and, in the embedded worker, the web requests beside it. The
child is started on first use (spawned: forking a threaded process is unsafe), kept, so numba
compiles once, and restarted if it dies. Only arrays and dicts cross over; the database stays
with the calling thread.

The child watches its parent and exits when the parent is gone, however the parent went:
Ctrl-C, SIGTERM from a service manager, or SIGKILL. A parent killed without running its exit
handlers cannot stop the child itself, and an orphan would keep its memory (UMAP's compiled
code, a big conversation's arrays) until the machine restarts.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

_starting = threading.Lock()
_pool: ProcessPoolExecutor | None = None
PARENT_CHECK_SECONDS = 0.5


def _exit_with_parent(parent_pid: int) -> None:
    """Runs in the child: a daemon thread that ends the child once `parent_pid` is gone (the
    child is then re-parented, so its parent pid changes)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="mesa-parent-watch", daemon=True).start()


def run_in_child(function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)` in the child process; `function` must be importable by name."""
    global _pool
    with _starting:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_exit_with_parent,
                initargs=(os.getpid(),),
            )
        pool = _pool
    try:
        return pool.submit(function, *args).result()
    except BrokenProcessPool:
        with _starting:  # the child died (killed, out of memory): start a new one next time
            if _pool is pool:
                _pool = None
        raise
