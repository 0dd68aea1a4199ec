"""A conversation and who may join it."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import BigId, JsonDocument, db, string_enum
from deliberation.identifiers import new_embedding_secret

DEFAULT_STATEMENT_MAX_LENGTH = 280  # characters; a tweet, short enough to read on a phone


class AccessMode(enum.StrEnum):
    """How a participant gets in: anyone with the link, an invite code, or an allow-listed xid."""

    LINK = "link"
    INVITE = "invite"
    XID = "xid"


class Conversation(db.Model):
    """One question put to the table; everything else in the domain hangs off it.

    `next_pid`, `next_tid` and `next_math_version` are counters, bumped with
    `UPDATE ... RETURNING` so that numbers are handed out race-free on every database.
    `statements_version` moves with every change to the conversation's statements or their
    translations (deliberation.models.statement), so each process may keep what it routes by.
    """

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(10), unique=True)
    topic: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    is_open: Mapped[bool] = mapped_column(default=True)
    is_archived: Mapped[bool] = mapped_column(default=False)
    strict_moderation: Mapped[bool] = mapped_column(default=False)
    participants_can_add: Mapped[bool] = mapped_column(default=True)
    statement_max_length: Mapped[int] = mapped_column(default=DEFAULT_STATEMENT_MAX_LENGTH)
    languages: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    subcommittee: Mapped[str | None] = mapped_column(sa.String(200))
    stakeholder_sectors: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    access_mode: Mapped[AccessMode] = mapped_column(
        string_enum(AccessMode, "access_mode"), default=AccessMode.LINK
    )
    # CC BY 4.0 credit; the import of Polis data refuses to run without it.
    attribution: Mapped[str | None] = mapped_column(sa.Text)
    is_data_open: Mapped[bool] = mapped_column(default=False)
    # Participation older than this many days is deleted by `flask --app web purge-expired`
    # (deliberation.services.privacy); None keeps it for as long as the conversation exists.
    retention_days: Mapped[int | None]
    # An IANA zone name; the console, the report and its exports show times in it.
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC", server_default="UTC")
    math_seed: Mapped[int] = mapped_column(sa.BigInteger)
    # The key an embedding site signs xids with (deliberation.services.embedding): only the
    # owner sees it, in the console, and can rotate it.
    embed_secret: Mapped[str] = mapped_column(sa.String(64), default=new_embedding_secret)
    next_pid: Mapped[int] = mapped_column(default=0, server_default="0")
    next_tid: Mapped[int] = mapped_column(default=0, server_default="0")
    next_math_version: Mapped[int] = mapped_column(default=1, server_default="1")
    statements_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)
    updated_ms: Mapped[int] = mapped_column(sa.BigInteger)

    @property
    def accepts_participation(self) -> bool:
        return self.is_open and not self.is_archived

    def __repr__(self) -> str:
        return f"<Conversation {self.public_id} {self.topic!r}>"


class InviteCode(db.Model):
    """A code handed to one sector (or to anyone) for a conversation in invite mode."""

    __tablename__ = "invite_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    sector: Mapped[str | None] = mapped_column(sa.String(100))
    used_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)


class XidAllow(db.Model):
    """An external id (from an embedding site) allowed into a conversation in xid mode."""

    __tablename__ = "xid_allow_list"
    __table_args__ = (sa.UniqueConstraint("conversation_id", "xid"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    xid: Mapped[str] = mapped_column(sa.String(255))
