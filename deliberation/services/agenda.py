"""The common agenda: promoting statements to commitments and following them through.

Any owner or moderator of the conversation may promote, edit, move and annotate items; every
change is in the audit log with the values before and after. An item is named by its
statement's tid, as statements are: a statement is on the agenda at most once.

Status moves one step at a time, forward or back:

    proposed <-> agreed <-> in progress <-> done <-> evaluated

Forward is the table's progress; one step back corrects a mistake or records a setback (work
agreed but not started after all). Jumps are refused, so the audit log tells the whole story:
an item cannot be "evaluated" without having been recorded as done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from deliberation.db import db, now_ms, unit_of_work
from deliberation.errors import Conflict, Invalid, NotFound
from deliberation.models import (
    AgendaItem,
    AgendaNote,
    AgendaStatus,
    Conversation,
    FollowUpRound,
    GovernmentLevel,
    ModerationState,
    Statement,
    Subcommittee,
)
from deliberation.services.audit import record_audit
from deliberation.services.authorization import (
    MODERATION_ROLES,
    Caller,
    require_role,
    require_role_or_operator,
)
from deliberation.services.lookup import find_conversation, find_statement
from deliberation.services.subcommittees import find_subcommittee, placements_of
from deliberation.services.topics import topics_of

STATUS_ORDER = tuple(AgendaStatus)
ALLOWED_TRANSITIONS: dict[AgendaStatus, frozenset[AgendaStatus]] = {
    status: frozenset(STATUS_ORDER[j] for j in (i - 1, i + 1) if 0 <= j < len(STATUS_ORDER))
    for i, status in enumerate(STATUS_ORDER)
}
MAX_RESPONSIBLE_BODY_LENGTH = 300
MAX_NOTE_LENGTH = 10_000
EDITABLE_FIELDS = ("subcommittee_id", "responsible_body", "government_level", "due_date")
# `promote_statement(subcommittee_id=SUGGESTED)`: the subcommittee of the statement's topics (or
# the one a facilitator assigned the statement to), none when there is neither.
SUGGESTED = "suggested"
MAX_ID = 2**31 - 1  # the database's integer column


@dataclass(frozen=True)
class AgendaNoteView:
    noted_on: dt.date
    text: str
    author_id: int | None
    created_ms: int


@dataclass(frozen=True)
class AgendaItemView:
    """An agenda item with its statement's text, for pages and reports (plain values only)."""

    id: int
    tid: int
    text: str
    translations: dict[str, str]
    subcommittee_id: int | None
    subcommittee: str  # its name, "" when the item has none
    responsible_body: str
    government_level: GovernmentLevel | None
    due_date: dt.date | None
    status: AgendaStatus
    notes: tuple[AgendaNoteView, ...]
    created_ms: int
    updated_ms: int
    # The free text the item had before subcommittees were a list, when it matched none.
    former_subcommittee: str | None = None

    def text_in(self, language: str | None) -> str:
        return self.translations.get(language or "", self.text)

    @property
    def next_statuses(self) -> list[AgendaStatus]:
        """The statuses it may move to, in the table's order."""
        return [s for s in STATUS_ORDER if s in ALLOWED_TRANSITIONS[self.status]]


def promote_statement(
    facilitator_id: int,
    conversation_id: str,
    tid: int,
    *,
    subcommittee_id: int | str | None = SUGGESTED,
    responsible_body: str = "",
    government_level: GovernmentLevel | str | None = None,
    due_date: dt.date | str | None = None,
) -> AgendaItem:
    """Put a statement on the common agenda, as a proposed item. Once per statement.

    Only an accepted, non-meta statement can be promoted: one still waiting for moderation
    may yet be rejected, a rejected one the table never saw, and a meta statement is about the
    conversation, not a commitment. Each refusal is a 400 with its own code; nothing changes.

    `subcommittee_id`: a subcommittee of the conversation, None for none, or `SUGGESTED` (the
    default) for the one its statement's topics suggest. The audit entry says which it was.
    """
    suggest = subcommittee_id == SUGGESTED
    fields = _clean_fields(
        {
            "subcommittee_id": None if suggest else subcommittee_id,
            "responsible_body": responsible_body,
            "government_level": government_level,
            "due_date": due_date,
        }
    )
    with unit_of_work() as session:
        conversation = find_conversation(conversation_id, lock=True)
        require_role(facilitator_id, conversation, MODERATION_ROLES)
        statement = find_statement(conversation, tid)
        _require_promotable(statement)
        if _item_for(conversation, tid) is not None:
            raise Conflict(f"statement {tid} is on the agenda already", code="agenda_item_exists")
        if suggest:
            # The statement's subcommittee, assigned or suggested by its topics (issue 17).
            placement = placements_of(conversation, topics_of(conversation)).get(tid)
            fields["subcommittee_id"] = placement.subcommittee_id if placement else None
        subcommittee = _subcommittee(conversation, fields["subcommittee_id"])
        stamp = now_ms()
        item = AgendaItem(
            conversation_id=conversation.id,
            tid=tid,
            status=AgendaStatus.PROPOSED,
            created_ms=stamp,
            updated_ms=stamp,
            **fields,
        )
        session.add(item)
        session.flush()
        record_audit(
            conversation,
            facilitator_id,
            "agenda.promote",
            {
                "tid": tid,
                "item": item.id,
                **_audit_values(fields),
                "subcommittee": subcommittee.name if subcommittee else None,
                "subcommittee_source": "suggested" if suggest else "chosen",
            },
        )
    return item


def _require_promotable(statement: Statement) -> None:
    if statement.moderation == ModerationState.REJECTED:
        raise Invalid(f"statement {statement.tid} was rejected", code="statement_rejected")
    if statement.moderation != ModerationState.ACCEPTED:
        raise Invalid(
            f"statement {statement.tid} is waiting for moderation",
            code="statement_not_moderated",
        )
    if statement.is_meta:
        raise Invalid(f"statement {statement.tid} is a meta statement", code="statement_is_meta")


def withdraw_agenda_item(facilitator_id: int, conversation_id: str, tid: int, reason: str) -> None:
    """Take an item off the agenda, with the reason why. The row and its notes are deleted (so
    the item leaves the agenda, the report and any open follow-up round, and the statement may
    be promoted again later); the audit log keeps the whole item, its notes and the reason.
    A closed round keeps its questions: it is the record of what was asked then.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise Invalid("say why the item is withdrawn", code="reason_required")
    if len(reason) > MAX_NOTE_LENGTH:
        raise Invalid(f"a reason has at most {MAX_NOTE_LENGTH} characters", code="reason_too_long")
    with unit_of_work() as session:
        conversation, item = _locked_item(facilitator_id, conversation_id, tid)
        withdrawn = {
            "tid": item.tid,
            "item": item.id,
            "status": item.status.value,
            **_audit_values({name: getattr(item, name) for name in EDITABLE_FIELDS}),
            "subcommittee": item.subcommittee.name if item.subcommittee else None,
            "notes": [
                {"noted_on": note.noted_on.isoformat(), "text": note.text} for note in item.notes
            ],
            "open_rounds": _leave_open_rounds(conversation, tid),
        }
        session.delete(item)
        record_audit(conversation, facilitator_id, "agenda.withdraw", withdrawn, reason=reason)


def _leave_open_rounds(conversation: Conversation, tid: int) -> list[int]:
    """Drop `tid` from the open follow-up round's questions; the ids of the rounds changed.

    Answers already given stay stored (nothing a participant said is deleted), outside the
    round's questions, so no page or comparison reads them."""
    changed = []
    for round_ in db.session.scalars(
        sa.select(FollowUpRound).where(
            FollowUpRound.conversation_id == conversation.id,
            FollowUpRound.closed_ms.is_(None),
        )
    ):
        if tid in round_.tids:
            round_.tids = [t for t in round_.tids if t != tid]
            changed.append(round_.id)
    return changed


def update_agenda_item(
    facilitator_id: int, conversation_id: str, tid: int, **changes: Any
) -> AgendaItem:
    """Change an item's subcommittee (`subcommittee_id`: one of the conversation's, or None),
    responsible body, government level or due date. The audit entry has the values before and
    after, and the subcommittees' names as they were then."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise Invalid(f"not an agenda item field: {', '.join(sorted(unknown))}", code="invalid")
    fields = _clean_fields(changes)
    with unit_of_work():
        conversation, item = _locked_item(facilitator_id, conversation_id, tid)
        if "subcommittee_id" in fields:
            _subcommittee(conversation, fields["subcommittee_id"])
        before = {name: getattr(item, name) for name in fields}
        before_name = item.subcommittee.name if item.subcommittee else None
        for name, value in fields.items():
            setattr(item, name, value)
        changed = {name for name in fields if before[name] != fields[name]}
        if changed:
            item.updated_ms = now_ms()
            db.session.flush()
            db.session.refresh(item, ["subcommittee"])
            detail = {
                "tid": item.tid,
                "item": item.id,
                "before": _audit_values({n: before[n] for n in changed}),
                "after": _audit_values({n: fields[n] for n in changed}),
            }
            if "subcommittee_id" in changed:
                detail["before"]["subcommittee"] = before_name
                detail["after"]["subcommittee"] = (
                    item.subcommittee.name if item.subcommittee else None
                )
            record_audit(conversation, facilitator_id, "agenda.edit", detail)
    return item


def change_agenda_status(
    facilitator_id: int,
    conversation_id: str,
    tid: int,
    status: AgendaStatus | str,
    *,
    reason: str | None = None,
) -> AgendaItem:
    """Move an item one step forward or back (see the module's docstring)."""
    try:
        status = AgendaStatus(status)
    except ValueError:
        raise Invalid(f"{status!r} is not an agenda status", code="agenda_status_invalid") from None
    with unit_of_work():
        conversation, item = _locked_item(facilitator_id, conversation_id, tid)
        if status not in ALLOWED_TRANSITIONS[item.status]:
            raise Conflict(
                f"an item cannot go from {item.status.value} to {status.value}",
                code="agenda_transition_refused",
            )
        before = item.status
        item.status = status
        item.updated_ms = now_ms()
        record_audit(
            conversation,
            facilitator_id,
            "agenda.status",
            {"tid": item.tid, "item": item.id, "before": before.value, "after": status.value},
            reason=reason or None,
        )
    return item


def add_agenda_note(
    facilitator_id: int,
    conversation_id: str,
    tid: int,
    text: str,
    *,
    noted_on: dt.date | str | None = None,
) -> AgendaNote:
    """A dated note on an item; `noted_on` is the day it refers to (today when not given)."""
    text = (text or "").strip()
    if not text:
        raise Invalid("write the note first", code="note_empty")
    if len(text) > MAX_NOTE_LENGTH:
        raise Invalid(f"a note has at most {MAX_NOTE_LENGTH} characters", code="note_too_long")
    day = _date(noted_on) or dt.datetime.fromtimestamp(now_ms() / 1000, dt.UTC).date()
    with unit_of_work() as session:
        conversation, item = _locked_item(facilitator_id, conversation_id, tid)
        note = AgendaNote(
            agenda_item_id=item.id,
            facilitator_id=facilitator_id,
            noted_on=day,
            text=text,
            created_ms=now_ms(),
        )
        session.add(note)
        item.updated_ms = note.created_ms
        session.flush()
        record_audit(
            conversation,
            facilitator_id,
            "agenda.note",
            {"tid": item.tid, "item": item.id, "note": note.id, "noted_on": day.isoformat()},
        )
    return note


def list_agenda_items(facilitator_id: Caller, conversation_id: str) -> list[AgendaItemView]:
    """Every agenda item of a conversation with its notes and status, by subcommittee (in the
    subcommittees' order, items with none last) then tid, for its owners and moderators (and
    the operator's report)."""
    conversation = find_conversation(conversation_id)
    require_role_or_operator(facilitator_id, conversation, MODERATION_ROLES)
    rows = db.session.execute(
        sa.select(AgendaItem, Statement)
        .join(
            Statement,
            sa.and_(
                Statement.conversation_id == AgendaItem.conversation_id,
                Statement.tid == AgendaItem.tid,
            ),
        )
        .outerjoin(Subcommittee, Subcommittee.id == AgendaItem.subcommittee_id)
        .where(AgendaItem.conversation_id == conversation.id)
        .order_by(
            Subcommittee.id.is_(None),
            Subcommittee.position,
            Subcommittee.id,
            AgendaItem.tid,
        )
    ).all()
    return [_view(item, statement) for item, statement in rows]


def agenda_tids(conversation: Conversation) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(AgendaItem.tid)
            .where(AgendaItem.conversation_id == conversation.id)
            .order_by(AgendaItem.tid)
        )
    )


def _view(item: AgendaItem, statement: Statement) -> AgendaItemView:
    return AgendaItemView(
        id=item.id,
        tid=item.tid,
        text=statement.text,
        translations={t.language: t.text for t in statement.translations},
        subcommittee_id=item.subcommittee_id,
        subcommittee=item.subcommittee.name if item.subcommittee else "",
        responsible_body=item.responsible_body,
        government_level=item.government_level,
        due_date=item.due_date,
        status=item.status,
        notes=tuple(
            AgendaNoteView(note.noted_on, note.text, note.facilitator_id, note.created_ms)
            for note in item.notes
        ),
        created_ms=item.created_ms,
        updated_ms=item.updated_ms,
        former_subcommittee=item.former_subcommittee,
    )


def _subcommittee(conversation: Conversation, subcommittee_id: int | None) -> Subcommittee | None:
    """The conversation's subcommittee `subcommittee_id` (None: none); 404 for another's."""
    if subcommittee_id is None:
        return None
    return find_subcommittee(conversation, subcommittee_id)


def _item_for(conversation: Conversation, tid: int) -> AgendaItem | None:
    return db.session.scalar(
        sa.select(AgendaItem).where(
            AgendaItem.conversation_id == conversation.id, AgendaItem.tid == tid
        )
    )


def _locked_item(
    facilitator_id: int, conversation_id: str, tid: int
) -> tuple[Conversation, AgendaItem]:
    conversation = find_conversation(conversation_id, lock=True)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    item = _item_for(conversation, tid)
    if item is None:
        raise NotFound(
            f"statement {tid} of {conversation_id} is not on the agenda",
            code="agenda_item_not_found",
        )
    return conversation, item


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    limits = {"responsible_body": MAX_RESPONSIBLE_BODY_LENGTH}
    for name, value in fields.items():
        if name == "subcommittee_id":
            clean[name] = _subcommittee_id(value)
        elif name in limits:
            text = " ".join(str(value or "").split())
            if len(text) > limits[name]:
                raise Invalid(
                    f"{name.replace('_', ' ')} has at most {limits[name]} characters",
                    code=f"{name}_too_long",
                )
            clean[name] = text
        elif name == "government_level":
            clean[name] = _government_level(value)
        elif name == "due_date":
            clean[name] = _date(value)
    return clean


def _subcommittee_id(value: int | str | None) -> int | None:
    """A subcommittee id as a form or caller sends it: a whole number, or empty for none."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        value = str(value)
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= MAX_ID:
        raise Invalid(f"{value!r} is not a subcommittee", code="subcommittee_invalid")
    return number


def _government_level(value: GovernmentLevel | str | None) -> GovernmentLevel | None:
    if value is None or value == "":
        return None
    try:
        return GovernmentLevel(value)
    except ValueError:
        raise Invalid(
            f"{value!r} is not a government level (municipal, state, federal, other)",
            code="government_level_invalid",
        ) from None


def _date(value: dt.date | str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(f"{value!r} is not a date (YYYY-MM-DD)", code="date_invalid") from None


def _audit_values(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields as JSON: dates as ISO text, enums as their values."""
    out = {}
    for name, value in fields.items():
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, GovernmentLevel):
            value = value.value
        out[name] = value
    return out
