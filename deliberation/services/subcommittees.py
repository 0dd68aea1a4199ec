"""Subcommittees of a conversation and which statements each one takes. Every change audited.

A statement's subcommittee is the facilitator's assignment when there is one, else the topic
model's suggestion (`deliberation.services.topics`). Mapping a topic to a subcommittee assigns
every statement of that topic, as one audited change.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from deliberation.db import db, now_ms, unit_of_work
from deliberation.errors import Invalid, NotFound
from deliberation.models import Conversation, Statement, StatementSubcommittee, Subcommittee
from deliberation.services.audit import record_audit
from deliberation.services.authorization import MODERATION_ROLES, OWNER_ONLY, require_role
from deliberation.services.lookup import find_conversation, find_statement
from deliberation.services.topics import TopicsView, latest_topics, topics_of

NAME_LENGTH = 200
DESCRIPTION_LENGTH = 2000


@dataclass(frozen=True)
class StatementPlacement:
    """Where a statement goes: a subcommittee id (None: nowhere yet) and by whose decision."""

    subcommittee_id: int | None
    source: str  # "assigned" (a facilitator) | "suggested" (the topic model) | "none"


def create_subcommittee(
    facilitator_id: int, conversation_id: str, name: str, description: str = ""
) -> Subcommittee:
    """Add a subcommittee at the end of the list; names are unique in a conversation."""
    name, description = name.strip(), description.strip()
    with unit_of_work() as session:
        conversation = find_conversation(conversation_id, lock=True)
        require_role(facilitator_id, conversation, OWNER_ONLY)
        if not name or len(name) > NAME_LENGTH:
            raise Invalid(f"a subcommittee needs a name of 1 to {NAME_LENGTH} characters")
        if len(description) > DESCRIPTION_LENGTH:
            raise Invalid(f"a description has at most {DESCRIPTION_LENGTH} characters")
        existing = subcommittees_of(conversation)
        if any(s.name.casefold() == name.casefold() for s in existing):
            raise Invalid(f"there is already a subcommittee {name!r}", code="duplicate_name")
        subcommittee = Subcommittee(
            conversation_id=conversation.id,
            name=name,
            description=description,
            position=len(existing),
            created_ms=now_ms(),
        )
        session.add(subcommittee)
        session.flush()
        record_audit(
            conversation,
            facilitator_id,
            "subcommittee.create",
            {"subcommittee_id": subcommittee.id, "name": name, "description": description},
        )
    return subcommittee


def list_subcommittees(conversation_id: str) -> list[Subcommittee]:
    return subcommittees_of(find_conversation(conversation_id))


def subcommittees_of(conversation: Conversation) -> list[Subcommittee]:
    return list(
        db.session.scalars(
            sa.select(Subcommittee)
            .where(Subcommittee.conversation_id == conversation.id)
            .order_by(Subcommittee.position, Subcommittee.id)
        )
    )


def find_subcommittee(conversation: Conversation, subcommittee_id: int) -> Subcommittee:
    """The conversation's subcommittee `subcommittee_id`; NotFound for another conversation's."""
    subcommittee = db.session.get(Subcommittee, subcommittee_id)
    if subcommittee is None or subcommittee.conversation_id != conversation.id:
        raise NotFound(
            f"no subcommittee {subcommittee_id} in {conversation.public_id}",
            code="subcommittee_not_found",
        )
    return subcommittee


def assign_statement(
    facilitator_id: int,
    conversation_id: str,
    tid: int,
    subcommittee_id: int | None,
    *,
    reason: str | None = None,
) -> StatementPlacement:
    """Assign a statement to a subcommittee (None: withdraw the assignment, back to the
    suggestion). Moderators and owners; audited as "statement.subcommittee"."""
    with unit_of_work():
        conversation = find_conversation(conversation_id)
        require_role(facilitator_id, conversation, MODERATION_ROLES)
        statement = find_statement(conversation, tid)
        target = None
        if subcommittee_id is not None:
            target = find_subcommittee(conversation, subcommittee_id).id
        before = _assign(statement, target, facilitator_id)
        if before != target:
            record_audit(
                conversation,
                facilitator_id,
                "statement.subcommittee",
                {"tid": tid, "before": before, "after": target},
                reason,
            )
    return StatementPlacement(target, "assigned" if target is not None else "none")


def map_topic(
    facilitator_id: int,
    conversation_id: str,
    topic_index: int,
    subcommittee_id: int,
    *,
    reason: str | None = None,
) -> list[int]:
    """Assign every statement of a topic (in the newest topics) to a subcommittee; the tids.

    All or nothing, one audit entry "topic.map" naming the topic, its version and the tids.
    """
    with unit_of_work():
        conversation = find_conversation(conversation_id)
        require_role(facilitator_id, conversation, MODERATION_ROLES)
        target = find_subcommittee(conversation, subcommittee_id).id
        topics = latest_topics(conversation_id)
        if topics is None or not 0 <= topic_index < len(topics.topics):
            raise NotFound(f"no topic {topic_index} in {conversation_id}", code="topic_not_found")
        topic = topics.topics[topic_index]
        changed = {}
        for tid in topic.tids:
            before = _assign(find_statement(conversation, tid), target, facilitator_id)
            if before != target:
                changed[str(tid)] = before
        record_audit(
            conversation,
            facilitator_id,
            "topic.map",
            {
                "topic": topic_index,
                "topic_name": topic.name,
                "topics_version": topics.version,
                "subcommittee_id": target,
                "tids": list(topic.tids),
                "before": changed,
            },
            reason,
        )
    return list(topic.tids)


def _assign(statement: Statement, subcommittee_id: int | None, facilitator_id: int) -> int | None:
    """Set or remove the statement's assignment in the caller's unit; the one before."""
    row = db.session.get(StatementSubcommittee, statement.id)
    before = row.subcommittee_id if row else None
    if subcommittee_id is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(
            StatementSubcommittee(
                statement_id=statement.id,
                subcommittee_id=subcommittee_id,
                assigned_by=facilitator_id,
                assigned_ms=now_ms(),
            )
        )
    elif row.subcommittee_id != subcommittee_id:
        row.subcommittee_id = subcommittee_id
        row.assigned_by = facilitator_id
        row.assigned_ms = now_ms()
    db.session.flush()
    return before


def statement_placements(conversation_id: str) -> dict[int, StatementPlacement]:
    """Every statement's subcommittee: assigned, else suggested, else none; by tid."""
    conversation = find_conversation(conversation_id)
    return placements_of(conversation, topics_of(conversation))


def placements_of(
    conversation: Conversation, topics: TopicsView | None
) -> dict[int, StatementPlacement]:
    """`statement_placements` from a conversation and its topics already read."""
    assigned = dict(
        db.session.execute(
            sa.select(Statement.tid, StatementSubcommittee.subcommittee_id)
            .join(StatementSubcommittee, StatementSubcommittee.statement_id == Statement.id)
            .where(Statement.conversation_id == conversation.id)
        ).all()
    )
    suggested = topics.suggested_subcommittee if topics else {}
    tids = db.session.scalars(
        sa.select(Statement.tid).where(Statement.conversation_id == conversation.id)
    )
    placements = {}
    for tid in tids:
        if tid in assigned:
            placements[tid] = StatementPlacement(assigned[tid], "assigned")
        elif suggested.get(tid) is not None:
            placements[tid] = StatementPlacement(suggested[tid], "suggested")
        else:
            placements[tid] = StatementPlacement(None, "none")
    return placements


@dataclass(frozen=True)
class SubcommitteeChoices:
    """What a page needs to let a facilitator pick a subcommittee for statements: the
    conversation's subcommittees in order, and each statement's placement (assigned or
    suggested by its topics)."""

    subcommittees: tuple[Subcommittee, ...]
    placements: dict[int, StatementPlacement]

    def name_of(self, subcommittee_id: int | None) -> str | None:
        return next((s.name for s in self.subcommittees if s.id == subcommittee_id), None)


def subcommittee_choices(facilitator_id: int, conversation_id: str) -> SubcommitteeChoices:
    """The conversation's subcommittees and where each statement goes, for its team."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    return SubcommitteeChoices(
        tuple(subcommittees_of(conversation)), placements_of(conversation, topics_of(conversation))
    )


def suggested_subcommittee_name(conversation_id: str, tid: int) -> str | None:
    """The subcommittee to pre-fill for an agenda item made of statement `tid`, or None."""
    placement = statement_placements(conversation_id).get(tid)
    if placement is None or placement.subcommittee_id is None:
        return None
    subcommittee = db.session.get(Subcommittee, placement.subcommittee_id)
    return subcommittee.name if subcommittee else None
