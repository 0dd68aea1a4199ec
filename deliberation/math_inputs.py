"""What the math needs from the database: the latest votes and the moderation state.

The recompute worker, the exporters and the snapshot check all feed `clustering.update` from
here, so every path computes groups from exactly the same input. Votes are read straight into
numpy arrays (no ORM objects): a conversation can hold millions of them.
"""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa

from clustering.inputs import Moderation, VoteRecords
from deliberation.db import db
from deliberation.models import Conversation, LatestVote, ModerationState, Statement


def latest_votes(conversation: Conversation) -> VoteRecords:
    """Every participant's standing vote per statement, with the time it was cast."""
    rows = db.session.execute(
        sa.select(LatestVote.pid, LatestVote.tid, LatestVote.vote, LatestVote.created_ms).where(
            LatestVote.conversation_id == conversation.id
        )
    ).all()
    if not rows:
        return VoteRecords.empty()
    # Tuples first: numpy reads SQLAlchemy Row objects about 20 times slower.
    table = np.array([tuple(row) for row in rows], dtype=np.int64)
    return VoteRecords.from_arrays(table[:, 0], table[:, 1], table[:, 2], table[:, 3])


def moderation_state(conversation: Conversation) -> Moderation:
    """Accepted, rejected and meta statements, in the math's terms (rejected = moderated out)."""
    rows = db.session.execute(
        sa.select(Statement.tid, Statement.moderation, Statement.is_meta).where(
            Statement.conversation_id == conversation.id
        )
    ).all()
    accepted = frozenset(t for t, state, _ in rows if state == ModerationState.ACCEPTED)
    rejected = frozenset(t for t, state, _ in rows if state == ModerationState.REJECTED)
    meta = frozenset(t for t, _, is_meta in rows if is_meta)
    return Moderation(accepted=accepted, rejected=rejected, meta=meta)


def math_inputs(conversation: Conversation) -> tuple[VoteRecords, Moderation]:
    return latest_votes(conversation), moderation_state(conversation)
