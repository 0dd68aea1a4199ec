"""Views of stored math results, kept in memory per stored result.

The first view of every stored result is its read model (`math_results.stored_result`), which
the others are built from.

A stored result never changes once written, so what is derived from it (the map payload, the
findings, the agenda's arrays) can be kept until newer versions push it out. Reading and parsing
the document of a 100k-participant conversation costs far more than anything built from it;
with this, each web process does it once per version, however many consoles poll.

A view is keyed by what names one stored result for good: the database, the conversation's
public id, and the result's version and time. Row ids alone are not enough: SQLite may give a
deleted conversation's id to the next one, whose version 1 would then find the old views.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from deliberation.db import db

if TYPE_CHECKING:
    from deliberation.models import Conversation
    from deliberation.services.math_results import MathStamp

T = TypeVar("T")

# Per stored version: its read model (clustering.result_view) and the views built from it (map,
# findings), for the newest fast and slow versions of about ten conversations at once. A read
# model holds ~70 bytes per participant (PCA and UMAP columns, in-conv): 7 MB at 100,000.
MAX_ENTRIES = 48


class ResultViewCache:
    """A small thread-safe LRU. Builders run outside the lock: two threads may build the same
    view once each, which is cheaper than holding every other request up behind one build."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = build()
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


result_views = ResultViewCache()


def result_view(
    conversation: Conversation, stamp: MathStamp, view: tuple, build: Callable[[], T]
) -> T:
    """The `view` (a name and its options, e.g. ("map", "pca")) of the stored result `stamp`
    names, built by `build` once per process."""
    key = (str(db.engine.url), conversation.public_id, stamp.version, stamp.created_ms, *view)
    return result_views.get(key, build)
