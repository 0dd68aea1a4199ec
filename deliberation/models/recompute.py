"""Bookkeeping of the background recompute: who computes what, and what each stage covered."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import db, string_enum
from deliberation.models.math_result import MathKind


class RecomputeLease(db.Model):
    """The right to recompute one stage of one conversation, held by one worker until `expires_ms`.

    Taken with a single conditional upsert (deliberation.recompute.leases), so two workers never
    compute the same conversation and stage at once. A live holder keeps renewing it; when a
    holder dies its lease runs out and another worker takes over. `holder` is NULL when free.
    """

    __tablename__ = "recompute_leases"

    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[MathKind] = mapped_column(string_enum(MathKind, "math_kind"), primary_key=True)
    holder: Mapped[str | None] = mapped_column(sa.String(100))
    expires_ms: Mapped[int] = mapped_column(sa.BigInteger)


class RecomputeState(db.Model):
    """What the newest stored result of one stage was computed from.

    The worker polls these watermarks against the conversation's newest vote id and statement
    change (both indexed), never the multi-megabyte results themselves. The vote window and the
    moderation digest catch changes that commit late, below a watermark (see
    deliberation.recompute.freshness). `fast_version` is, for the slow stage, the fast result
    it followed.
    """

    __tablename__ = "recompute_state"

    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[MathKind] = mapped_column(string_enum(MathKind, "math_kind"), primary_key=True)
    result_version: Mapped[int]
    last_vote_id: Mapped[int] = mapped_column(sa.BigInteger)
    window_floor_vote_id: Mapped[int] = mapped_column(sa.BigInteger)
    window_votes: Mapped[int] = mapped_column(sa.BigInteger)
    last_statement_update_ms: Mapped[int] = mapped_column(sa.BigInteger)
    moderation_digest: Mapped[str] = mapped_column(sa.String(64))
    inputs_read_ms: Mapped[int] = mapped_column(sa.BigInteger)
    fast_version: Mapped[int | None]
