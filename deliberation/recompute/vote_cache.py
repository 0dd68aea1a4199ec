"""The worker's copy of each conversation's latest votes, brought up to date from the history.

Reading every latest vote on every recompute costs O(votes): seconds at a million votes, which
alone would break the fast stage's promise (a result within 5 s of the last vote). A worker is
long-lived, so it keeps the latest votes of the conversations it computes in memory and on each
recompute reads only the history rows it may not have seen, and merges them. Per participant
and statement the newest cast vote stands (largest timestamp, then largest history id), which is
what `latest_votes` holds.

"May not have seen" is wider than "above the largest id read": on PostgreSQL a vote gets its id
before it commits, so it can become visible below an id already read. As `freshness` does, we
assume a vote commits within `SETTLE_MS` of being cast, so after a read at time R every vote cast
before R - SETTLE_MS was in it; the next read starts above the largest id among those. A count
of the latest votes guards what a merge cannot see (a participant deleting their votes): if the
copy's size differs from the database's, the copy is thrown away and read again in full.

Each copy also keeps the clustering's own layout of those votes (`IncrementalUpdater`): the
latest-vote matrix and its Gram statistics, into which a read folds only the cells whose latest
vote changed, so the fast stage's update does not lay out a million votes again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from clustering.incremental import IncrementalUpdater
from clustering.inputs import VoteRecords
from clustering.pipeline import PreparedVotes
from deliberation.db import db, now_ms
from deliberation.math_inputs import votes_above
from deliberation.models import Conversation
from deliberation.recompute.freshness import SETTLE_MS

FULL_READ_EVERY_S = 600.0  # belt and braces: read everything again this often regardless
_EMPTY = np.zeros((0, 5), dtype=np.int64)


@dataclass
class _Copy:
    """One conversation's latest votes: rows of (history id, pid, tid, vote, created_ms)."""

    rows: np.ndarray
    floor_id: int  # every vote with an id at or below this was visible to an earlier read
    loaded_at: float
    layout: IncrementalUpdater = field(default_factory=IncrementalUpdater)

    def records(self) -> VoteRecords:
        return _as_records(self.rows)


class LatestVoteCache:
    """Per conversation, an in-memory copy of its latest votes. Thread-safe; one per worker."""

    def __init__(self) -> None:
        self._copies: dict[tuple[str, str, int], _Copy] = {}
        self._lock = threading.Lock()

    def read(self, conversation: Conversation) -> VoteRecords:
        """The conversation's latest votes as `math_inputs.latest_votes` reads them, in the
        caller's transaction (read the watermark first, as `stages.read_inputs` does)."""
        return self.read_prepared(conversation)[0]

    def read_prepared(self, conversation: Conversation) -> tuple[VoteRecords, PreparedVotes | None]:
        """`read`, and those votes laid out for `clustering.pipeline.update(prepared=...)`."""
        conversation_pk = conversation.id
        key = _key(conversation)
        with self._lock:
            copy = self._copies.get(key)
            if copy is None or time.monotonic() - copy.loaded_at > FULL_READ_EVERY_S:
                copy = _Copy(_EMPTY, 0, time.monotonic())
            read_ms = now_ms()
            new_rows, expected = votes_above(conversation_pk, copy.floor_id)
            if copy.floor_id > 0:
                copy.rows, changed = merge_latest(copy.rows, new_rows)
            else:
                copy.rows, changed = latest_per_cell(new_rows), None
            if len(copy.rows) != expected and copy.floor_id > 0:
                # Something below the floor changed (votes deleted): start again from nothing.
                copy = _Copy(_EMPTY, 0, time.monotonic())
                copy.rows = latest_per_cell(votes_above(conversation_pk, 0)[0])
                changed = None
            settled = copy.rows[:, 4] < read_ms - SETTLE_MS
            if settled.any():
                copy.floor_id = max(copy.floor_id, int(copy.rows[settled, 0].max()))
            self._copies[key] = copy
            records = copy.records()
            changed_records = None if changed is None else _as_records(changed)
            return records, copy.layout.prepare_latest(records, changed_records)

    def layout_of(self, conversation: Conversation) -> IncrementalUpdater | None:
        """The layout kept for this conversation (for tests and diagnostics)."""
        with self._lock:
            copy = self._copies.get(_key(conversation))
            return copy.layout if copy is not None else None

    def forget(self) -> None:
        with self._lock:
            self._copies.clear()


def latest_per_cell(rows: np.ndarray) -> np.ndarray:
    """History rows (id, pid, tid, vote, created_ms) reduced to the newest per (pid, tid):
    largest created_ms, then largest id."""
    if len(rows) == 0:
        return rows
    order = np.lexsort((rows[:, 0], rows[:, 4], rows[:, 2], rows[:, 1]))
    ordered = rows[order]
    last = np.ones(len(ordered), dtype=bool)
    last[:-1] = (ordered[1:, 1] != ordered[:-1, 1]) | (ordered[1:, 2] != ordered[:-1, 2])
    return ordered[last]


def _key(conversation: Conversation) -> tuple[str, str, int]:
    # The database and the public id as well as the key: a test wipes its database and starts
    # again from key 1, and SQLite can give a deleted conversation's key again.
    return (db.engine.url.render_as_string(), conversation.public_id, conversation.id)


def _as_records(rows: np.ndarray) -> VoteRecords:
    return VoteRecords(rows[:, 1], rows[:, 2], rows[:, 3].astype(np.int8), rows[:, 4])


def merge_latest(rows: np.ndarray, history: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`latest_per_cell` of `rows` (already that: one per cell, in (pid, tid) order) and some
    more history rows, and the latest votes that changed; without sorting `rows` again.

    The history rows may repeat rows already held (a read starts at the floor, not above the
    largest id). A new array: the records handed out earlier are views of `rows`.
    """
    fresh = latest_per_cell(history)
    if len(fresh) == 0:
        return rows, fresh
    if len(rows) == 0:
        return fresh, fresh
    keys = (rows[:, 1] << 32) | rows[:, 2]
    fresh_keys = (fresh[:, 1] << 32) | fresh[:, 2]
    position = np.searchsorted(keys, fresh_keys)
    held = position < len(rows)
    held[held] = keys[position[held]] == fresh_keys[held]
    current = rows[np.minimum(position, len(rows) - 1)]
    newer = (fresh[:, 4] > current[:, 4]) | (
        (fresh[:, 4] == current[:, 4]) & (fresh[:, 0] > current[:, 0])
    )
    replaced = held & newer
    merged = rows.copy()
    merged[position[replaced]] = fresh[replaced]
    added = ~held
    merged = np.insert(merged, position[added], fresh[added], axis=0)
    return merged, fresh[replaced | added]
