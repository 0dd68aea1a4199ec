"""Statements a new one nearly repeats: shown to its author before sending, and to moderators.

The matching is clustering.near_duplicates (rapidfuzz, tuned on labelled pairs); this module
only picks which statements to compare against and who may see the answer.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

import sqlalchemy as sa

from clustering.near_duplicates import normalise, similar_among, similar_statements
from deliberation.db import db
from deliberation.models import LatestVote, ModerationState, Statement
from deliberation.services.authorization import MODERATION_ROLES, require_role
from deliberation.services.lookup import find_conversation
from deliberation.services.statements import statement_fingerprint
from deliberation.services.topics import unrejected_texts

# A participant is shown at most this many: one is usually the point, three leaves a choice.
SHOWN_TO_AUTHOR = 3


def similar_to_draft(
    conversation_id: str, pid: int, draft: str, language: str | None = None
) -> list[Statement]:
    """Accepted, non-meta statements that participant `pid`'s draft nearly repeats and that
    they have not voted on yet, closest first.

    Each is compared in the reader's language (its translation, when it has one), as the
    participant would read it. Only accepted statements: a participant never learns of one
    waiting for moderation or removed. One they voted on is left out: they have read it and
    still chose to write theirs, and the offer is to vote instead. A draft worded exactly as
    an existing statement gets nothing here: sending it is refused as a duplicate, which says so.
    """
    conversation = find_conversation(conversation_id)
    exact = db.session.scalar(
        sa.select(Statement.id).where(
            Statement.conversation_id == conversation.id,
            Statement.text_fingerprint == statement_fingerprint(draft),
        )
    )
    if exact is not None:
        return []
    candidates = list(
        db.session.scalars(
            sa.select(Statement)
            .where(
                Statement.conversation_id == conversation.id,
                Statement.moderation == ModerationState.ACCEPTED,
                Statement.is_meta.is_(False),
                ~sa.exists().where(
                    LatestVote.conversation_id == Statement.conversation_id,
                    LatestVote.tid == Statement.tid,
                    LatestVote.pid == pid,
                ),
            )
            .order_by(Statement.tid)
        )
    )
    found = similar_statements(
        draft, [s.text_in(language) for s in candidates], limit=SHOWN_TO_AUTHOR
    )
    return [candidates[match.index] for match in found]


def similar_in_queue(
    facilitator_id: int, conversation_id: str, statements: Sequence[Statement]
) -> dict[int, int]:
    """For each statement given, the tid of the earlier statement it most nearly repeats
    (rejected ones left out); statements that repeat none are absent. For the moderation queue.

    Every statement is normalised once (not once per queued statement): the earlier ones of a
    queued statement are a prefix of the conversation's, which are in tid order.
    """
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    if not statements:
        return {}
    earlier = unrejected_texts(conversation.id)
    tids = [tid for tid, _ in earlier]
    processed = [normalise(text) for _, text in earlier]
    similar = {}
    for statement in statements:
        before = bisect_left(tids, statement.tid)
        found = similar_among(statement.text, processed[:before], limit=1)
        if found:
            similar[statement.tid] = tids[found[0].index]
    return similar
