"""How many take part, for the facilitator watching a session: a cheap stamp to poll, and the
fuller counts (votes, statements by moderation state, participants by sector)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from deliberation.db import db
from deliberation.models import LatestVote, MathKind, Participant
from deliberation.services.authorization import (
    MODERATION_ROLES,
    Caller,
    require_role,
    require_role_or_operator,
)
from deliberation.services.lookup import find_conversation
from deliberation.services.math_results import MathStamp, latest_math_stamp
from deliberation.services.moderation import moderation_counts
from deliberation.services.opinion_map import cached_map
from deliberation.services.sector_privacy import is_suppressed, min_sector_cell


@dataclass(frozen=True)
class LiveStamp:
    """What changed since the console last looked: the newest result of either kind (PCA map,
    groups), the newest slow one (UMAP), and the conversation's counters.

    `participants` and `statements` are the pid and tid counters: numbers are handed out
    contiguously from 0, so they are the counts, read from one row.
    """

    latest: MathStamp | None
    latest_slow: MathStamp | None
    participants: int
    statements: int


@dataclass(frozen=True)
class Participation:
    """`grouped` (placed in an opinion group) and `math` are of the newest result, None before
    the first recompute."""

    participants: int
    grouped: int | None
    math: MathStamp | None
    votes: int  # standing votes: one per participant and statement
    last_vote_ms: int | None
    statements: dict[str, int]  # moderation state -> how many
    # Declared sectors first (0 if nobody), then others, then None ("not stated"); a sector
    # with fewer participants than MESA_MIN_SECTOR_CELL is left out and named in
    # `suppressed_sectors` instead, so no page can show its count (see sector_privacy).
    sectors: list[tuple[str | None, int]]
    suppressed_sectors: tuple[str | None, ...] = ()
    min_sector_cell: int = 5


def live_stamp(facilitator_id: int, conversation_id: str) -> LiveStamp:
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    return LiveStamp(
        latest=latest_math_stamp(conversation),
        latest_slow=latest_math_stamp(conversation, kind=MathKind.SLOW),
        participants=conversation.next_pid,
        statements=conversation.next_tid,
    )


def participation(facilitator_id: Caller, conversation_id: str) -> Participation:
    conversation = find_conversation(conversation_id)
    require_role_or_operator(facilitator_id, conversation, MODERATION_ROLES)
    votes, last_vote_ms = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(LatestVote.created_ms)).where(
            LatestVote.conversation_id == conversation.id
        )
    ).one()
    by_sector = dict(
        db.session.execute(
            sa.select(Participant.sector, sa.func.count())
            .where(Participant.conversation_id == conversation.id)
            .group_by(Participant.sector)
        ).all()
    )
    declared = list(conversation.stakeholder_sectors or [])
    sectors = [(sector, by_sector.pop(sector, 0)) for sector in declared]
    unknown = by_sector.pop(None, 0)
    sectors += sorted(by_sector.items())  # sectors since removed from the settings
    sectors.append((None, unknown))
    minimum = min_sector_cell()
    suppressed = tuple(sector for sector, n in sectors if is_suppressed(n, minimum))
    stamp = latest_math_stamp(conversation)
    grouped = cached_map(conversation, stamp, "pca").body["grouped"] if stamp else None
    return Participation(
        participants=conversation.next_pid,
        grouped=grouped,
        math=stamp,
        votes=votes,
        last_vote_ms=last_vote_ms,
        statements=moderation_counts(facilitator_id, conversation_id),
        sectors=[(sector, n) for sector, n in sectors if not is_suppressed(n, minimum)],
        suppressed_sectors=suppressed,
        min_sector_cell=minimum,
    )
