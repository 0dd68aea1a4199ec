"""Stored outputs of the math, one row per recompute."""

from __future__ import annotations

import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import BigId, JsonDocument, db, string_enum


class MathKind(enum.StrEnum):
    """A quick update after new votes, or the full slow recompute (e.g. with more iterations)."""

    FAST = "fast"
    SLOW = "slow"


class MathResult(db.Model):
    """One recompute's output, in the shape of Polis's math-pca2 document.

    `comment_priorities` is copied out of `result` so that routing the next statement, which
    happens after every vote, reads a few kilobytes rather than the whole document.
    """

    __tablename__ = "math_results"
    __table_args__ = (sa.UniqueConstraint("conversation_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    version: Mapped[int]
    kind: Mapped[MathKind] = mapped_column(string_enum(MathKind, "math_kind"))
    result: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    comment_priorities: Mapped[dict[str, float]] = mapped_column(JsonDocument, default=dict)
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)
