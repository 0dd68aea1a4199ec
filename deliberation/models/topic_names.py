"""Names facilitators give topics (issue 17). Kept apart from the topic results, which the
worker replaces whenever statements change: a name is tied to the statements its topic had."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import BigId, JsonDocument, db


class TopicName(db.Model):
    """A facilitator's name for a topic: the member statements (`tids`) the topic had when it
    was named, so that a newer computation's topic with mostly the same statements keeps it
    (deliberation.services.topic_names). Renaming that topic again replaces the row."""

    __tablename__ = "topic_names"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    tids: Mapped[list[int]] = mapped_column(JsonDocument)
    topics_version: Mapped[int]  # the topic result it was named in
    facilitator_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("facilitators.id", ondelete="SET NULL")
    )
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)
