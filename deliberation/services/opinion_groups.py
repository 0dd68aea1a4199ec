"""The newest math result as a participant reads it: the opinion groups, what each group tends to
believe, the statements most groups agree on, and where the reader stands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clustering.inconv import MIN_VOTES
from clustering.result_view import UNGROUPED, ResultView
from deliberation.db import db
from deliberation.models import Conversation, LatestVote, Statement
from deliberation.services.lookup import find_conversation, find_participant
from deliberation.services.math_results import latest_math_stamp, stored_result
from deliberation.services.own_activity import takes_votes
from deliberation.services.participant_state import Placement, placement_in

# Enough to read on a phone; the facilitators' report shows the full lists.
STATEMENTS_PER_LIST = 5


@dataclass(frozen=True)
class GroupStance:
    """A statement that sets a group apart (Polis's repness): `agrees` says which way the group
    leans; `count` of the `voted` members who voted on it voted so."""

    statement: Statement
    agrees: bool
    count: int
    voted: int

    @property
    def share(self) -> float:
        """The plain share count / voted, as every page prints it (web.figures)."""
        return self.count / self.voted if self.voted else 0.0


@dataclass(frozen=True)
class GroupSummary:
    """One opinion group: its id (0 reads "A"), members, stances, and members' map positions."""

    id: int
    size: int
    stances: list[GroupStance]
    points: list[tuple[float, float]]


@dataclass(frozen=True)
class CommonGround:
    """A statement that more than half of the voters in most groups agreed with.

    `consensus` is Polis's group-aware consensus: the product over groups of
    (agrees + 1) / (votes + 2), i.e. the chance that every group agrees.
    """

    statement: Statement
    groups_agreeing: int
    groups: int
    consensus: float


@dataclass(frozen=True)
class OpinionSummary:
    """`math_version` is None before the first recompute; then everything else is empty.

    For a reader (a pid was given): `placement` in the newest result, `votes_cast` so far, and
    `votes_to_be_placed`, the in-conv threshold min(7, statements open to votes).
    """

    math_version: int | None
    computed_ms: int | None
    participants: int
    groups: list[GroupSummary]
    common_ground: list[CommonGround]
    placement: Placement | None = None
    votes_cast: int = 0
    votes_to_be_placed: int = MIN_VOTES

    @property
    def reader_group(self) -> GroupSummary | None:
        if self.placement is None or self.placement.group is None:
            return None
        return next((g for g in self.groups if g.id == self.placement.group), None)


def opinion_summary(conversation_id: str, pid: int | None = None) -> OpinionSummary:
    """The groups of the newest math result, and the reader's place among them if `pid` is given.

    Statements a participant may not see (moderated out; unaccepted under strict moderation)
    and meta statements are left out of every list.
    """
    conversation = find_conversation(conversation_id)
    if pid is not None:
        find_participant(conversation, pid)
    newest = latest_math_stamp(conversation)
    statements = _shown_statements(conversation)
    reader = _reader(conversation, pid, len(statements)) if pid is not None else {}
    if newest is None:
        return OpinionSummary(None, None, 0, [], [], **reader)
    view = stored_result(conversation, newest)
    if pid is not None:
        reader["placement"] = placement_in(newest.version, view, pid)
    return OpinionSummary(
        math_version=newest.version,
        computed_ms=newest.created_ms,
        participants=view.participants,
        groups=_groups(view, statements),
        common_ground=_common_ground(view, statements),
        **reader,
    )


def _shown_statements(conversation: Conversation) -> dict[int, Statement]:
    rows = db.session.scalars(
        sa.select(Statement).where(
            Statement.conversation_id == conversation.id, Statement.is_meta.is_(False)
        )
    )
    return {s.tid: s for s in rows if takes_votes(conversation, s)}


def _reader(conversation: Conversation, pid: int, shown: int) -> dict[str, Any]:
    votes = db.session.scalar(
        sa.select(sa.func.count()).where(
            LatestVote.conversation_id == conversation.id, LatestVote.pid == pid
        )
    )
    return {"votes_cast": votes, "votes_to_be_placed": min(MIN_VOTES, max(shown, 1))}


def _groups(view: ResultView, statements: dict[int, Statement]) -> list[GroupSummary]:
    people = view.placements
    points: dict[int, list[tuple[float, float]]] = {}
    columns = (people.x.tolist(), people.y.tolist(), people.group.tolist())
    for x, y, group in zip(*columns, strict=False):
        if group != UNGROUPED:
            points.setdefault(group, []).append((x, y))
    groups = []
    votes = view.group_votes
    for gid, size in zip(votes.group_ids.tolist(), votes.sizes.tolist(), strict=True):
        stances = [
            GroupStance(statements[entry.tid], entry.agrees, entry.n_success, entry.n_trials)
            for entry in view.repness.get(gid, ())
            if entry.tid in statements
        ]
        groups.append(
            GroupSummary(
                id=gid,
                size=size,
                stances=stances[:STATEMENTS_PER_LIST],
                points=points.get(gid, []),
            )
        )
    return groups


def _common_ground(view: ResultView, statements: dict[int, Statement]) -> list[CommonGround]:
    """Statements that a majority of the voters of most groups agreed with, the most agreed
    first (by number of groups, then by group-aware consensus)."""
    votes = view.group_votes
    n_groups = len(votes.group_ids)
    if not n_groups:
        return []
    agreeing = (votes.agree * 2 > votes.seen).sum(axis=0)  # (m,) groups whose majority agreed
    column = {tid: t for t, tid in enumerate(votes.tids.tolist())}
    found = []
    for tid, statement in statements.items():
        count = int(agreeing[column[tid]]) if tid in column else 0
        if count * 2 > n_groups:
            consensus = view.group_aware_consensus.get(tid, 0.0)
            found.append(CommonGround(statement, count, n_groups, consensus))
    found.sort(key=lambda c: (-c.groups_agreeing, -c.consensus, c.statement.tid))
    return found[:STATEMENTS_PER_LIST]
