"""Publishing a conversation's data to Polis tools: open data, and report ids.

Polis keeps every conversation's data private until its owner says otherwise (`is_data_open`),
and hands its CSV exports out under a report id. Mesa does the same: the read-only Polis API
(web.polis_api) answers only for a conversation whose data is open, and the report exports only
under a report id a facilitator created. Owners decide both, as they decide every setting;
moderators may see the report ids. Each change is in the audit trail.
"""

from __future__ import annotations

import re
import secrets
import string

import sqlalchemy as sa

from deliberation.db import db, now_ms, unit_of_work
from deliberation.errors import Forbidden, NotFound
from deliberation.models import Conversation, PolisReport
from deliberation.services.audit import record_audit
from deliberation.services.authorization import MODERATION_ROLES, OWNER_ONLY, require_role
from deliberation.services.conversations import update_conversation
from deliberation.services.lookup import find_conversation

# Polis's form: "r" then lowercase letters and digits (e.g. r2dfw8eambusb8buvecjt).
REPORT_ID = re.compile(r"^r[a-z0-9]{1,31}$")
_REPORT_ID_LENGTH = 20  # characters after the "r": ~103 random bits, not guessable
_ALPHABET = string.ascii_lowercase + string.digits


def new_report_id() -> str:
    return "r" + "".join(secrets.choice(_ALPHABET) for _ in range(_REPORT_ID_LENGTH))


def set_data_open(
    facilitator_id: int, conversation_id: str, is_open: bool, *, reason: str | None = None
) -> Conversation:
    """Open (or close again) a conversation's data to the Polis API (owners only).

    A setting like the others, so it goes through `update_conversation` and is audited there.
    """
    return update_conversation(
        facilitator_id, conversation_id, {"is_data_open": is_open}, reason=reason
    )


def create_report_id(facilitator_id: int, conversation_id: str) -> PolisReport:
    """A new report id for the conversation (owners only). Its exports answer only while the
    conversation's data is open."""
    with unit_of_work() as session:
        conversation = find_conversation(conversation_id)
        require_role(facilitator_id, conversation, OWNER_ONLY)
        report = PolisReport(
            conversation_id=conversation.id,
            report_id=_unused_report_id(),
            created_by=facilitator_id,
            created_ms=now_ms(),
        )
        session.add(report)
        record_audit(conversation, facilitator_id, "report.create", {"report_id": report.report_id})
    return report


def report_ids(facilitator_id: int, conversation_id: str) -> list[PolisReport]:
    """The conversation's report ids, oldest first (owners and moderators)."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    return list(
        db.session.scalars(
            sa.select(PolisReport)
            .where(PolisReport.conversation_id == conversation.id)
            .order_by(PolisReport.id)
        )
    )


def published_conversation(conversation_id: str) -> Conversation:
    """A conversation anyone may read through the Polis API: `NotFound` if there is none,
    `Forbidden` (as Polis, 403) while its data is closed."""
    conversation = find_conversation(conversation_id)
    _require_data_open(conversation)
    return conversation


def published_report(report_id: str) -> tuple[PolisReport, Conversation]:
    """A report id and its conversation, for anyone, under the same rule."""
    report = None
    if REPORT_ID.match(report_id or ""):
        report = db.session.scalar(sa.select(PolisReport).where(PolisReport.report_id == report_id))
    if report is None:
        raise NotFound(f"no report {report_id!r}", code="report_not_found")
    conversation = db.session.get(Conversation, report.conversation_id)
    _require_data_open(conversation)
    return report, conversation


def _require_data_open(conversation: Conversation) -> None:
    if not conversation.is_data_open:
        raise Forbidden(
            f"the data of conversation {conversation.public_id} is not open",
            code="data_not_open",
        )


def _unused_report_id() -> str:
    while True:  # 36^20 ids: a clash is all but impossible, and cheap to rule out
        candidate = new_report_id()
        taken = db.session.scalar(
            sa.select(sa.func.count()).where(PolisReport.report_id == candidate)
        )
        if not taken:
            return candidate
