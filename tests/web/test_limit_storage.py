"""In-process limit counters (web.limit_storage): no thread per hit, expired counters still
forgotten, and memory:// gets them in the app."""

from __future__ import annotations

import pickle
import threading
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from web.extensions import limiter
from web.limit_storage import SweptMemoryStorage


def test_the_app_counts_memory_limits_in_the_swept_storage(app):
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("memory://")
    assert isinstance(limiter._storage, SweptMemoryStorage)
    assert isinstance(storage_from_string("memory://"), SweptMemoryStorage)


def test_hits_start_no_thread_and_keep_the_limit(monkeypatch):
    storage = storage_from_string("memory://")
    started = []
    real_start = threading.Thread.start
    monkeypatch.setattr(
        threading.Thread, "start", lambda self: started.append(self) or real_start(self)
    )
    strategy = SlidingWindowCounterRateLimiter(storage)
    limit = parse("50/minute")
    outcomes = []
    for hit in range(60):
        if hit % 10 == 0:
            time.sleep(0.02)  # longer than limits' own sweeper waits before it runs
        outcomes.append(strategy.hit(limit, "participant:c:1", "votes"))
    assert outcomes == [True] * 50 + [False] * 10
    assert strategy.hit(limit, "participant:c:2", "votes")  # another key, its own budget
    assert started == []


def test_expired_counters_are_forgotten_by_a_later_hit():
    storage = storage_from_string("memory://")
    storage.incr("short-lived", expiry=0.05)
    storage.incr("kept", expiry=60)
    time.sleep(0.1)
    storage.incr("kept", expiry=60)
    assert "short-lived" in storage.storage  # the last sweep is under a second old
    storage._next_sweep = 0.0
    storage.incr("kept", expiry=60)
    assert "short-lived" not in storage.storage
    assert storage.get("kept") == 3


def test_the_storage_survives_pickling_with_its_counts():
    storage = storage_from_string("memory://")
    storage.incr("kept", expiry=60)
    copy = pickle.loads(pickle.dumps(storage))
    assert isinstance(copy, SweptMemoryStorage)
    assert copy.get("kept") == 1
    copy.incr("kept", expiry=60)  # its sweep lock is a new one
    assert copy.get("kept") == 2
