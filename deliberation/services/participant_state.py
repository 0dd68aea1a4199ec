"""What a participant may see about themself: their votes and their place on the opinion map."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from deliberation.db import db
from deliberation.models import LatestVote, MathResult
from deliberation.services.lookup import find_conversation, find_participant


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
    newest = db.session.scalar(
        sa.select(MathResult)
        .where(MathResult.conversation_id == conversation.id)
        .order_by(MathResult.version.desc())
        .limit(1)
    )
    placement = placement_in(newest.version, newest.result, pid) if newest else None
    return ParticipantState(conversation.public_id, pid, participant.sector, list(votes), placement)


def placement_in(math_version: int, result: Mapping[str, Any], pid: int) -> Placement | None:
    """The participant's entry in a result's `mesa.participants` columns (pid, x, y, group).

    A result without them (one imported from Polis) places nobody.
    """
    people = (result.get("mesa") or {}).get("participants") or {}
    try:
        row = people["pid"].index(pid)
        return Placement(math_version, people["x"][row], people["y"][row], people["group"][row])
    except (KeyError, ValueError, IndexError):
        return None
