"""An anonymous participant of one conversation."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import db


class Participant(db.Model):
    """Someone who joined a conversation, numbered by `pid` from 0 within it.

    No name, email or IP address is stored: participants must be able to trust that their
    votes cannot be traced back to them. `token_digest` is the SHA-256 of the secret token the
    participant's device holds; the token itself is never stored.
    """

    __tablename__ = "participants"
    __table_args__ = (
        sa.UniqueConstraint("conversation_id", "pid"),
        sa.UniqueConstraint("conversation_id", "xid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    pid: Mapped[int]
    xid: Mapped[str | None] = mapped_column(sa.String(255))
    sector: Mapped[str | None] = mapped_column(sa.String(100))
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)
    # When an owner left this participant out of the math as part of a coordinated set
    # (deliberation.services.coordination); None counts them in. Their votes stay stored.
    excluded_ms: Mapped[int | None] = mapped_column(sa.BigInteger)

    def __repr__(self) -> str:
        return f"<Participant {self.pid}>"
