"""What the math needs from the database: the latest votes and the moderation state.

The recompute worker, the exporters and the snapshot check all feed `clustering.update` from
here, so every path computes groups from exactly the same input. Votes are read straight into
numpy arrays through the driver's cursor (no ORM objects, no SQLAlchemy rows): a conversation
can hold millions of them, and building a Row per vote costs ten times the query.
"""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa

from clustering.inputs import Moderation, VoteRecords
from deliberation.db import db
from deliberation.models import Conversation, ModerationState, Statement

_LATEST_VOTES = "SELECT pid, tid, vote, created_ms FROM latest_votes WHERE conversation_id = {c}"
# Participants an owner excluded from the math (deliberation.services.coordination).
_EXCLUDED = "SELECT pid FROM participants WHERE conversation_id = {c} AND excluded_ms IS NOT NULL"
# History rows above an id (0: all of them), for a worker's cached latest votes, after one
# row (-1, count of latest votes, 0, 0, 0): one statement, so on PostgreSQL one snapshot.
_VOTES_ABOVE = (
    "SELECT -1, count(*), 0, 0, 0 FROM latest_votes WHERE conversation_id = {c}"
    " UNION ALL"
    " SELECT id, pid, tid, vote, created_ms FROM votes"
    " WHERE conversation_id = {c2} AND id > {floor}"
)


def latest_votes(conversation: Conversation, *, with_excluded: bool = False) -> VoteRecords:
    """Every participant's standing vote per statement, with the time it was cast; without the
    participants an owner excluded from the math, unless `with_excluded`."""
    table = integer_rows(_LATEST_VOTES, 4, c=conversation.id)
    votes = VoteRecords.from_arrays(table[:, 0], table[:, 1], table[:, 2], table[:, 3])
    return votes if with_excluded else without_excluded(conversation, votes)


def excluded_participants(conversation: Conversation) -> np.ndarray:
    """(k,) int64 pids an owner excluded from the math, ascending."""
    return np.sort(integer_rows(_EXCLUDED, 1, c=conversation.id)[:, 0])


def without_excluded(conversation: Conversation, votes: VoteRecords) -> VoteRecords:
    """`votes` less those of the participants excluded from the math (the same object when
    nobody is excluded, the usual case)."""
    excluded = excluded_participants(conversation)
    if len(excluded) == 0:
        return votes
    return votes.take(~np.isin(votes.participant_ids, excluded))


def votes_above(conversation_pk: int, floor_vote_id: int) -> tuple[np.ndarray, int]:
    """History rows with id > floor as an (n, 5) int64 array (id, pid, tid, vote, created_ms),
    and the number of latest votes as of the same snapshot."""
    table = integer_rows(
        _VOTES_ABOVE, 5, c=conversation_pk, c2=conversation_pk, floor=floor_vote_id
    )
    head = np.flatnonzero(table[:, 0] == -1)[0]
    return np.delete(table, head, axis=0), int(table[head, 1])


def integer_rows(sql: str, width: int, **params: int) -> np.ndarray:
    """An all-integer query's rows as an (n, width) int64 array, in the session's transaction.

    `sql` names its parameters `{name}`; they are bound by the driver in its own paramstyle.
    """
    connection = db.session.connection()
    style = connection.dialect.paramstyle
    placeholders = {name: "?" if style == "qmark" else f"%({name})s" for name in params}
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql.format(**placeholders), _bound(style, sql, params))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    if not rows:
        return np.zeros((0, width), dtype=np.int64)
    return np.array(rows, dtype=np.int64).reshape(len(rows), width)


def _bound(style: str, sql: str, params: dict[str, int]):
    if style != "qmark":
        return params
    # qmark binds by position: order the values as their names appear in the text.
    names = sorted(params, key=lambda name: sql.index("{" + name + "}"))
    return tuple(params[name] for name in names)


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
