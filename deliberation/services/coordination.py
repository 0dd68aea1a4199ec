"""Coordinated voting: the sets `clustering.coordination` flags, and an owner's answer to them.

A facilitator reviews the flagged sets (how many, when they joined, where they sit on the map);
an owner may leave a flagged set out of the math and take it back in. Only flagged participants
can be excluded: the exclusion answers a script, and must not become a way to silence a camp.
Votes are never deleted: excluded participants keep voting and their votes stay stored and
exported in votes.csv; the recompute leaves them out of the clustering input
(`deliberation.math_inputs`) until they are included again. Both actions are audit-logged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from clustering.coordination import CoordinationRule, find_coordinated_sets
from clustering.result_view import UNGROUPED
from deliberation.db import db, now_ms, unit_of_work
from deliberation.errors import Invalid
from deliberation.math_inputs import latest_votes
from deliberation.models import Conversation, Participant
from deliberation.services.audit import record_audit
from deliberation.services.authorization import MODERATION_ROLES, OWNER_ONLY, require_role
from deliberation.services.lookup import find_conversation
from deliberation.services.math_results import (
    latest_math_stamp,
    results_need_recomputing,
    stored_result,
)

# At most this many pids in one request to exclude or include: a set is rarely larger.
MAX_PIDS = 10_000


@dataclass(frozen=True)
class MapPoint:
    """Where a participant sits on the newest stored map (PCA), and in which opinion group."""

    x: float
    y: float
    group: int | None


@dataclass(frozen=True)
class FlaggedParticipant:
    pid: int
    joined_ms: int
    excluded: bool
    position: MapPoint | None  # None: not on the newest map (e.g. excluded since)


@dataclass(frozen=True)
class CoordinatedSet:
    """One flagged set: its members by pid, and what a facilitator checks before acting."""

    number: int  # 1, 2, ... in order of each set's smallest pid
    members: tuple[FlaggedParticipant, ...]

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def first_joined_ms(self) -> int:
        return min(member.joined_ms for member in self.members)

    @property
    def last_joined_ms(self) -> int:
        return max(member.joined_ms for member in self.members)

    @property
    def excluded(self) -> int:
        return sum(member.excluded for member in self.members)

    @property
    def groups(self) -> dict[int | None, int]:
        """Members per opinion group of the newest map (None: ungrouped or not on it)."""
        return dict(
            Counter(m.position.group if m.position else None for m in self.members).most_common()
        )

    @property
    def pids(self) -> list[int]:
        return [member.pid for member in self.members]


@dataclass(frozen=True)
class CoordinationReview:
    """The flagged sets of one conversation, the participants excluded from the math, and the
    newest map's points (all of them, for context; no pid is attached)."""

    sets: tuple[CoordinatedSet, ...]
    excluded_pids: tuple[int, ...]
    rule: CoordinationRule
    map_points: tuple[MapPoint, ...]

    @property
    def flagged(self) -> int:
        return sum(s.size for s in self.sets)

    @property
    def excluded(self) -> int:
        return len(self.excluded_pids)

    @property
    def flagged_pids(self) -> frozenset[int]:
        return frozenset(pid for s in self.sets for pid in s.pids)


@dataclass(frozen=True)
class CoordinationCounts:
    """What the report prints: participants flagged, and excluded from the math."""

    flagged: int
    excluded: int


def review_coordination(facilitator_id: int, conversation_id: str) -> CoordinationReview:
    """The flagged sets, for the conversation's owner and moderators."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    return _review(conversation)


def coordination_counts(conversation: Conversation) -> CoordinationCounts:
    """How many participants are flagged and excluded now (for the report, whose readers were
    already authorised by the report's own rules)."""
    review = _review(conversation, with_map=False)
    return CoordinationCounts(review.flagged, review.excluded)


def exclude_from_math(
    facilitator_id: int, conversation_id: str, pids: list[int], reason: str | None = None
) -> int:
    """Leave flagged participants out of the math; the number newly excluded. Owner only.

    Every pid must be flagged now (`Invalid` otherwise, and nothing changes).
    """
    with unit_of_work():
        conversation = find_conversation(conversation_id, lock=True)
        require_role(facilitator_id, conversation, OWNER_ONLY)
        pids = _checked_pids(pids)
        unflagged = sorted(set(pids) - _review(conversation, with_map=False).flagged_pids)
        if unflagged:
            raise Invalid(
                f"not flagged as coordinated: {_listed(unflagged)}", code="pids_not_flagged"
            )
        changed = _set_excluded(conversation, pids, now_ms())
        if changed:
            results_need_recomputing(conversation)
        record_audit(
            conversation,
            facilitator_id,
            "participants.exclude_from_math",
            {"pids": sorted(pids), "newly_excluded": changed},
            reason,
        )
    return changed


def include_in_math(
    facilitator_id: int, conversation_id: str, pids: list[int], reason: str | None = None
) -> int:
    """Take excluded participants back into the math; the number newly included. Owner only."""
    with unit_of_work():
        conversation = find_conversation(conversation_id, lock=True)
        require_role(facilitator_id, conversation, OWNER_ONLY)
        pids = _checked_pids(pids)
        changed = _set_excluded(conversation, pids, None)
        if changed:
            results_need_recomputing(conversation)
        record_audit(
            conversation,
            facilitator_id,
            "participants.include_in_math",
            {"pids": sorted(pids), "newly_included": changed},
            reason,
        )
    return changed


def _review(conversation: Conversation, *, with_map: bool = True) -> CoordinationReview:
    rule = CoordinationRule()
    joined = db.session.execute(
        sa.select(Participant.pid, Participant.created_ms, Participant.excluded_ms).where(
            Participant.conversation_id == conversation.id
        )
    ).all()
    pids = np.array([row[0] for row in joined], dtype=np.int64)
    joined_ms = np.array([row[1] for row in joined], dtype=np.int64)
    join_of = dict(zip(pids.tolist(), joined_ms.tolist(), strict=True))
    excluded = {pid for pid, _, excluded_ms in joined if excluded_ms is not None}
    # Excluded participants are still examined, so that their set stays in view.
    found = find_coordinated_sets(
        latest_votes(conversation, with_excluded=True), pids, joined_ms, rule
    )
    positions, points = _newest_map(conversation) if with_map else ({}, ())
    sets = []
    for number in range(found.n_sets):
        members = tuple(
            FlaggedParticipant(pid, join_of.get(pid, 0), pid in excluded, positions.get(pid))
            for pid in found.participant_ids[found.set_labels == number].tolist()
        )
        sets.append(CoordinatedSet(number + 1, members))
    return CoordinationReview(tuple(sets), tuple(sorted(excluded)), rule, points)


def _newest_map(conversation: Conversation) -> tuple[dict[int, MapPoint], tuple[MapPoint, ...]]:
    """Each participant's point on the newest stored PCA map, by pid, and all the points (from
    the result's read model, clustering.result_view)."""
    stamp = latest_math_stamp(conversation)
    if stamp is None:
        return {}, ()
    placed = stored_result(conversation, stamp).placements
    points = [
        MapPoint(float(x), float(y), None if g == UNGROUPED else int(g))
        for x, y, g in zip(placed.x.tolist(), placed.y.tolist(), placed.group.tolist(), strict=True)
    ]
    return dict(zip(placed.pid.tolist(), points, strict=True)), tuple(points)


def _checked_pids(pids: list[int]) -> list[int]:
    if not pids:
        raise Invalid("name at least one participant", code="pids_missing")
    if len(pids) > MAX_PIDS or any(
        not isinstance(pid, int) or isinstance(pid, bool) or not 0 <= pid < 2**31 for pid in pids
    ):
        raise Invalid(f"pids must be 1 to {MAX_PIDS} participant numbers", code="pids_invalid")
    return sorted(set(pids))


def _set_excluded(conversation: Conversation, pids: list[int], excluded_ms: int | None) -> int:
    """Mark (or unmark, with None) these participants; how many changed. Unknown pids are an
    `Invalid`."""
    rows = db.session.execute(
        sa.select(Participant.pid, Participant.excluded_ms).where(
            Participant.conversation_id == conversation.id, Participant.pid.in_(pids)
        )
    ).all()
    unknown = sorted(set(pids) - {pid for pid, _ in rows})
    if unknown:
        raise Invalid(f"no participant {_listed(unknown)} here", code="pids_unknown")
    changing = [pid for pid, current in rows if (current is None) != (excluded_ms is None)]
    if changing:
        db.session.execute(
            sa.update(Participant)
            .where(Participant.conversation_id == conversation.id, Participant.pid.in_(changing))
            .values(excluded_ms=excluded_ms)
        )
    return len(changing)


def _listed(pids: list[int]) -> str:
    shown = ", ".join(str(pid) for pid in pids[:10])
    return shown + (f" and {len(pids) - 10} more" if len(pids) > 10 else "")
