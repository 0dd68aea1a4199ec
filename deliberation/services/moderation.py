"""Moderating statements: accept, reject, mark as meta. Every change is audited."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from deliberation.db import db, now_ms, unit_of_work
from deliberation.errors import Invalid
from deliberation.models import LatestVote, ModerationState, Statement
from deliberation.services.audit import record_audit
from deliberation.services.authorization import (
    MODERATION_ROLES,
    Caller,
    require_role,
    require_role_or_operator,
)
from deliberation.services.lookup import find_conversation, find_statement


def moderate_statement(
    facilitator_id: int,
    conversation_id: str,
    tid: int,
    state: ModerationState | str,
    *,
    reason: str | None = None,
) -> Statement:
    """Move a statement to todo, accepted or rejected. Rejected statements leave the math.

    Votes already cast on a rejected statement are kept (Polis zeroes them in the math
    rather than deleting them), and the statement can be accepted again later.
    """
    state = _state(state)
    return _change_statement(
        facilitator_id,
        conversation_id,
        tid,
        "statement.moderate",
        {"moderation": state, "moderation_reason": reason},
        reason,
    )


def moderate_statements(
    facilitator_id: int,
    conversation_id: str,
    tids: Iterable[int],
    state: ModerationState | str,
    *,
    reason: str | None = None,
) -> list[Statement]:
    """Move several statements at once: all of them, or none if one cannot be moved."""
    with unit_of_work():
        return [
            moderate_statement(facilitator_id, conversation_id, tid, state, reason=reason)
            for tid in dict.fromkeys(tids)
        ]


def set_statement_meta(
    facilitator_id: int,
    conversation_id: str,
    tid: int,
    is_meta: bool,
    *,
    reason: str | None = None,
) -> Statement:
    """Mark a statement as about the conversation itself ("this is confusing"), not the topic.

    Meta statements are still routed to participants but leave the math's selections.
    """
    if not isinstance(is_meta, bool):
        raise Invalid("is_meta must be true or false")
    return _change_statement(
        facilitator_id, conversation_id, tid, "statement.meta", {"is_meta": is_meta}, reason
    )


def set_statements_meta(
    facilitator_id: int,
    conversation_id: str,
    tids: Iterable[int],
    is_meta: bool,
    *,
    reason: str | None = None,
) -> list[Statement]:
    """Mark several statements as meta (or not) at once: all of them, or none."""
    with unit_of_work():
        return [
            set_statement_meta(facilitator_id, conversation_id, tid, is_meta, reason=reason)
            for tid in dict.fromkeys(tids)
        ]


def _state(state: ModerationState | str) -> ModerationState:
    try:
        return ModerationState(state)
    except ValueError:
        raise Invalid(
            f"{state!r} is not todo, accepted or rejected", code="moderation_invalid"
        ) from None


def _change_statement(
    facilitator_id: int,
    conversation_id: str,
    tid: int,
    action: str,
    changes: dict[str, Any],
    reason: str | None,
) -> Statement:
    """Apply a moderator's change and audit the first attribute's value before and after.

    `updated_ms` moves so that the recompute worker sees the change.
    """
    with unit_of_work():
        conversation = find_conversation(conversation_id)
        require_role(facilitator_id, conversation, MODERATION_ROLES)
        statement = find_statement(conversation, tid)
        audited = next(iter(changes))
        before = getattr(statement, audited)
        for name, value in changes.items():
            setattr(statement, name, value)
        statement.updated_ms = now_ms()
        record_audit(
            conversation,
            facilitator_id,
            action,
            {"tid": tid, "before": _plain(before), "after": _plain(changes[audited])},
            reason,
        )
    return statement


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, ModerationState) else value


def moderation_queue(
    facilitator_id: int,
    conversation_id: str,
    state: ModerationState | str = ModerationState.TODO,
) -> list[Statement]:
    """Statements in one moderation state (by default those still waiting for a decision),
    oldest first, for the facilitator's console."""
    state = _state(state)
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    return list(
        db.session.scalars(
            sa.select(Statement)
            .where(
                Statement.conversation_id == conversation.id,
                Statement.moderation == state,
            )
            .order_by(Statement.tid)
        )
    )


def statement_vote_counts(facilitator_id: Caller, conversation_id: str) -> dict[int, int]:
    """How many participants have a standing vote (agree, disagree or pass) on each statement,
    by tid: a moderator weighs a queued statement that many people already saw differently."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    return dict(
        db.session.execute(
            sa.select(LatestVote.tid, sa.func.count())
            .where(LatestVote.conversation_id == conversation.id)
            .group_by(LatestVote.tid)
        ).all()
    )


def moderation_counts(facilitator_id: Caller, conversation_id: str) -> dict[str, int]:
    """How many statements are in each moderation state (todo, accepted, rejected)."""
    conversation = find_conversation(conversation_id)
    require_role_or_operator(facilitator_id, conversation, MODERATION_ROLES)
    counts = dict(
        db.session.execute(
            sa.select(Statement.moderation, sa.func.count())
            .where(Statement.conversation_id == conversation.id)
            .group_by(Statement.moderation)
        ).all()
    )
    return {state.value: counts.get(state, 0) for state in ModerationState}
