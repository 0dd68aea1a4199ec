"""Snapshots: a conversation's results frozen for a plenary, with a hash anyone can check."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import JsonDocument, db


class Snapshot(db.Model):
    """The SHA-256 of the canonical votes, parameters and result at `created_ms`.

    The votes are not copied: they are read back from the append-only vote history, up to
    `last_vote_id` (see deliberation.services.snapshots). `parameters` holds everything else
    the computation took (seed, pipeline knobs, moderation) and `result` what it gave, in the
    canonical form of `format_version`.
    """

    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    format_version: Mapped[str] = mapped_column(sa.String(32))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    last_vote_id: Mapped[int] = mapped_column(sa.BigInteger)
    vote_count: Mapped[int] = mapped_column(sa.BigInteger)
    parameters: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    result: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    label: Mapped[str] = mapped_column(sa.String(200), default="")
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)
