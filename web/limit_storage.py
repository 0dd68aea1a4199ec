"""In-process rate-limit counters without a thread per hit.

`limits`' MemoryStorage forgets expired counters from a `threading.Timer` that fires 10 ms
after a hit and is started again by the next hit once it has fired: at 100 votes a second,
that is a new thread for nearly every vote, which cost about an eighth of a vote request's
CPU (py-spy of a gunicorn worker under `loadtest.floor`: Thread.start 6.1% and the timers'
own run 5.5% of the samples). The counters never needed the sweep to be right, only to stay
small: every read checks expiry itself.

`SweptMemoryStorage` is that storage with the sweep done inline instead, by the hit that
finds the last sweep over a second old, one hit at a time. It registers itself for the
memory:// scheme (`limits` keeps one class per scheme, the last one defined), so
RATELIMIT_STORAGE_URI=memory://, the default, gets it in every Mesa process: web.extensions
imports this module before Flask-Limiter builds its storage.
"""

from __future__ import annotations

import threading
import time

from limits.storage import MemoryStorage

SWEEP_EVERY_S = 1.0


class SweptMemoryStorage(MemoryStorage):
    """`memory://` counters, expired entries forgotten at most once a second by a hit."""

    STORAGE_SCHEME = ["memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._sweeping = threading.Lock()
        self._next_sweep = time.monotonic() + SWEEP_EVERY_S

    # MemoryStorage calls its private `__schedule_expiry` on every hit; this replaces it (the
    # name is mangled). tests/web/test_limit_storage.py fails if a hit starts a thread again.
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._next_sweep = now + SWEEP_EVERY_S
            self._MemoryStorage__expire_events()
        finally:
            self._sweeping.release()

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        del state["_sweeping"]  # a lock, as limits leaves out its own
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self._sweeping = threading.Lock()
