"""What a participant may see about themself: their votes and their place on the opinion map."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from clustering.result_view import ResultView
from deliberation.db import db
from deliberation.models import LatestVote
from deliberation.services.lookup import find_conversation, find_participant
from deliberation.services.math_results import latest_math_stamp, stored_result


@dataclass(frozen=True)
class Placement:
    """Where one math result put a participant: PCA map coordinates, and the opinion group
    (None when the participant was not clustered, e.g. too few votes to be in-conv)."""

    math_version: int
    x: float
    y: float
    group: int | None


@dataclass(frozen=True)
class ParticipantState:
    """A participant's standing votes (one per statement, tid order) and their placement in the
    newest math result (None before the first recompute that included them)."""

    conversation_id: str
    pid: int
    sector: str | None
    votes: list[LatestVote]
    placement: Placement | None


def participant_state(conversation_id: str, pid: int) -> ParticipantState:
    conversation = find_conversation(conversation_id)
    participant = find_participant(conversation, pid)
    votes = db.session.scalars(
        sa.select(LatestVote)
        .where(LatestVote.conversation_id == conversation.id, LatestVote.pid == pid)
        .order_by(LatestVote.tid)
    )
    newest = latest_math_stamp(conversation)
    placement = (
        placement_in(newest.version, stored_result(conversation, newest), pid) if newest else None
    )
    return ParticipantState(conversation.public_id, pid, participant.sector, list(votes), placement)


def placement_in(math_version: int, view: ResultView, pid: int) -> Placement | None:
    """The participant's place in a result's map (x, y, group).

    A result without placements (one imported from Polis) places nobody.
    """
    place = view.placements.place_of(pid)
    return Placement(math_version, *place) if place else None
