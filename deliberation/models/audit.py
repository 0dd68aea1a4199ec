"""The record of every moderation and settings change, to explain any number to a sceptic."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import BigId, JsonDocument, db


class AuditEntry(db.Model):
    """Who changed what in which conversation, when, and why.

    `action` is a dotted name such as "statement.moderate"; `detail` holds the values before
    and after. Entries are only ever added.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_conversation_id_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    facilitator_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("facilitators.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(sa.String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)
