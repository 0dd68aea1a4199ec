"""What the math takes in: the vote history and the moderation state of one conversation.

Votes use the Polis CSV-export sign (agree = +1, disagree = -1, pass = 0), the convention of
every export a facilitator or analyst handles. The pipeline turns them into Polis's internal
sign (agree = -1) itself, so nobody outside `clustering/` has to think about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

AGREE = 1
DISAGREE = -1
PASS = 0


@dataclass(frozen=True)
class VoteRecords:
    """The full vote history, one entry per cast vote; the latest per participant and statement
    stands.

    Arrays all have shape (n_votes,). Timestamps are milliseconds since the epoch; only their
    order matters. Rows may come in any order and their order never matters: ties in timestamp
    are broken by content (participant, statement, vote), so a shuffled file gives the same result.
    """

    participant_ids: np.ndarray  # int64
    statement_ids: np.ndarray  # int64
    votes: np.ndarray  # int8, +1 agree / -1 disagree / 0 pass
    timestamps: np.ndarray  # int64 ms

    @classmethod
    def from_arrays(cls, participant_ids, statement_ids, votes, timestamps=None) -> VoteRecords:
        pids = np.asarray(participant_ids, dtype=np.int64)
        tids = np.asarray(statement_ids, dtype=np.int64)
        vals = np.asarray(votes, dtype=np.int8)
        if timestamps is None:
            ts = np.arange(len(pids), dtype=np.int64)
        else:
            ts = np.asarray(timestamps, dtype=np.int64)
        if not (len(pids) == len(tids) == len(vals) == len(ts)):
            raise ValueError("vote arrays differ in length")
        if len(vals) and (vals.min() < -1 or vals.max() > 1):
            raise ValueError("a vote is outside {-1, 0, 1}")
        return cls(pids, tids, vals, ts)

    @classmethod
    def empty(cls) -> VoteRecords:
        return cls.from_arrays([], [], [], [])

    def __len__(self) -> int:
        return len(self.participant_ids)

    def take(self, index) -> VoteRecords:
        """A subset (mask or index array), e.g. the first N votes of a replay."""
        return VoteRecords(
            self.participant_ids[index],
            self.statement_ids[index],
            self.votes[index],
            self.timestamps[index],
        )


@dataclass(frozen=True)
class Moderation:
    """Moderation state of the statements, in Polis's terms (spec §2).

    `rejected` are moderated out (mod = -1); `meta` statements are about the conversation itself
    and also leave the selection of representative and consensus statements. Strict moderation is
    deliberately absent: Polis's math ignores it, and so does ours.
    """

    accepted: frozenset[int] = field(default_factory=frozenset)
    rejected: frozenset[int] = field(default_factory=frozenset)
    meta: frozenset[int] = field(default_factory=frozenset)

    @property
    def mod_out(self) -> frozenset[int]:
        return self.rejected | self.meta

    @property
    def mod_in(self) -> frozenset[int]:
        return self.accepted | self.meta
