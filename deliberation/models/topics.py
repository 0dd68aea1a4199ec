"""Subcommittees of a conversation, the statements assigned to them, and stored topic results."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import BigId, JsonDocument, db


class Subcommittee(db.Model):
    """A working group of the table (access to justice, human rights...) with its charter.

    `description` is the charter in words: topic suggestions compare statements with it
    (clustering.subcommittees), so it should name what the subcommittee deals with.
    """

    __tablename__ = "subcommittees"
    __table_args__ = (sa.UniqueConstraint("conversation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)


class StatementSubcommittee(db.Model):
    """A facilitator's assignment of a statement to a subcommittee (at most one per statement).

    Statements without a row fall to the model's suggestion; a row always wins over it.
    """

    __tablename__ = "statement_subcommittees"

    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True
    )
    subcommittee_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subcommittees.id", ondelete="CASCADE"), index=True
    )
    assigned_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("facilitators.id", ondelete="SET NULL")
    )
    assigned_ms: Mapped[int] = mapped_column(sa.BigInteger)


class TopicResult(db.Model):
    """One computation of a conversation's topics (clustering.topics), kept apart from the
    Polis-shaped math results: it changes when statements change, not with every vote.

    `statements_updated_ms` and `statement_count` say which statements it saw (the newest
    `Statement.updated_ms` and how many there were), so the worker can tell it is stale.
    Read it through `deliberation.services.topics.latest_topics`, never by its keys.
    """

    __tablename__ = "topic_results"
    __table_args__ = (sa.UniqueConstraint("conversation_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    version: Mapped[int]
    statements_updated_ms: Mapped[int] = mapped_column(sa.BigInteger)
    statement_count: Mapped[int]
    document: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)
