"""Follow-up rounds: months later, the same participants re-vote the agenda statements.

Their answers live here, apart from the conversation's vote history: the live clustering must
not mix opinions given after a plenary with the ones that formed the groups, and the
before/after comparison needs the two kept apart anyway.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import BigId, JsonDocument, db, string_enum


class CarriedOut(enum.StrEnum):
    """The answer to "was it carried out well?"."""

    YES = "yes"
    PARTLY = "partly"
    NO = "no"
    DONT_KNOW = "dont_know"


class FollowUpRound(db.Model):
    """A round opened at a milestone (e.g. "six months on"), over the agenda statements of then.

    `tids` freezes which statements the round asks about, so an item promoted later does not
    change a round already under way. At most one round of a conversation is open at a time.
    """

    __tablename__ = "follow_up_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(sa.String(200))
    tids: Mapped[list[int]] = mapped_column(JsonDocument, default=list)
    opened_ms: Mapped[int] = mapped_column(sa.BigInteger)
    closed_ms: Mapped[int | None] = mapped_column(sa.BigInteger)

    @property
    def is_open(self) -> bool:
        return self.closed_ms is None


class FollowUpAnswer(db.Model):
    """One participant's answer on one agenda statement in one round; a new answer replaces it.

    `vote` follows the Polis convention (agree 1, disagree -1, pass 0).
    """

    __tablename__ = "follow_up_answers"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "pid", "tid"),
        sa.ForeignKeyConstraint(
            ["conversation_id", "pid"],
            ["participants.conversation_id", "participants.pid"],
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id", "tid"],
            ["statements.conversation_id", "statements.tid"],
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("vote IN (-1, 0, 1)", name="follow_up_vote_value"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("follow_up_rounds.id", ondelete="CASCADE"))
    conversation_id: Mapped[int]
    pid: Mapped[int]
    tid: Mapped[int]
    vote: Mapped[int] = mapped_column(sa.SmallInteger)
    carried_out: Mapped[CarriedOut | None] = mapped_column(string_enum(CarriedOut, "carried_out"))
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)
