"""A per-process table that forgets its oldest entries, shared by the process's threads: what a
web process keeps between requests (routing states, verified tokens, facts about its hooks)."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Remembered(Generic[K, V]):
    """At most `size` entries. Reads take no lock (a dict lookup is atomic under the GIL);
    writes take one, and a write past `size` forgets the entry written longest ago, so that
    nothing a caller keys by (conversations, tokens) can grow it without bound."""

    def __init__(self, size: int):
        self.size = size
        self._entries: dict[K, V] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        return self._entries.get(key)

    def keep(self, key: K, value: V) -> None:
        with self._lock:
            self._entries.pop(key, None)  # written again: the newest
            if len(self._entries) >= self.size:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = value
