"""The common agenda: statements the table took up as commitments, and what became of them."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deliberation.db import BigId, db, string_enum
from deliberation.models.topics import Subcommittee


class AgendaStatus(enum.StrEnum):
    """Where a commitment stands, in the order the table moves it (see
    deliberation.services.agenda.ALLOWED_TRANSITIONS)."""

    PROPOSED = "proposed"
    AGREED = "agreed"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    EVALUATED = "evaluated"


class GovernmentLevel(enum.StrEnum):
    """Which government answers for an item; a round-table sits with all three."""

    MUNICIPAL = "municipal"
    STATE = "state"
    FEDERAL = "federal"
    OTHER = "other"


class AgendaItem(db.Model):
    """A statement promoted to the common agenda: who is to act on it, by when, and its status.

    One item per statement: the statement's text and votes stay where they are, under its tid.
    """

    __tablename__ = "agenda_items"
    __table_args__ = (
        sa.UniqueConstraint("conversation_id", "tid"),
        sa.ForeignKeyConstraint(
            ["conversation_id", "tid"],
            ["statements.conversation_id", "statements.tid"],
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    tid: Mapped[int]
    # The subcommittee that takes the item up (issue 17); NULL: none yet. Deleting a
    # subcommittee leaves its items without one, never deletes them.
    subcommittee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("subcommittees.id", ondelete="SET NULL"), index=True
    )
    # The free-text subcommittee an item had before subcommittees were a list (migration 0011)
    # when it matched none of them: kept so a facilitator can still read it. NULL otherwise.
    former_subcommittee: Mapped[str | None] = mapped_column(sa.String(200))
    responsible_body: Mapped[str] = mapped_column(sa.String(300), default="")
    government_level: Mapped[GovernmentLevel | None] = mapped_column(
        string_enum(GovernmentLevel, "government_level")
    )
    due_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    status: Mapped[AgendaStatus] = mapped_column(
        string_enum(AgendaStatus, "agenda_status"), default=AgendaStatus.PROPOSED
    )
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)
    updated_ms: Mapped[int] = mapped_column(sa.BigInteger)

    subcommittee: Mapped[Subcommittee | None] = relationship(lazy="joined")
    notes: Mapped[list[AgendaNote]] = relationship(
        back_populates="item",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by=lambda: (AgendaNote.noted_on, AgendaNote.id),
    )

    def __repr__(self) -> str:
        return f"<AgendaItem {self.tid} {self.status.value}>"


class AgendaNote(db.Model):
    """A dated note on an item: a meeting with the responsible body, a figure, a delay."""

    __tablename__ = "agenda_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    facilitator_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("facilitators.id", ondelete="SET NULL")
    )
    noted_on: Mapped[dt.date] = mapped_column(sa.Date)
    text: Mapped[str] = mapped_column(sa.Text)
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)

    item: Mapped[AgendaItem] = relationship(back_populates="notes")
