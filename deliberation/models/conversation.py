"""A conversation and who may join it."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)
    updated_ms: Mapped[int] = mapped_column(sa.BigInteger)

    # Loaded when a page asks for a text in another language, never on the vote's path.
    translations: Mapped[list[ConversationTranslation]] = relationship(
        back_populates="conversation",
        cascade="all, delete-orphan",
        order_by="ConversationTranslation.language",
    )

    @property
    def accepts_participation(self) -> bool:
        return self.is_open and not self.is_archived

    def translation(self, language: str | None) -> ConversationTranslation | None:
        if language is None or language == self.primary_language:
            return None  # the conversation's own columns are in its first language
        return next((t for t in self.translations if t.language == language), None)

    @property
    def primary_language(self) -> str | None:
        return self.languages[0] if self.languages else None

    def topic_in(self, language: str | None) -> str:
        """The topic to show a reader of `language`: its translation if there is one."""
        translation = self.translation(language)
        return (translation and translation.topic) or self.topic

    def description_in(self, language: str | None) -> str:
        translation = self.translation(language)
        return (translation and translation.description) or self.description

    def sector_name(self, sector: str | None, language: str | None) -> str | None:
        """A sector's name for a reader of `language`. Participants and invite codes keep the
        stored name (the key); only what is shown is translated."""
        translation = self.translation(language)
        if sector is None or translation is None:
            return sector
        return translation.sector_names.get(sector) or sector

    def __repr__(self) -> str:
        return f"<Conversation {self.public_id} {self.topic!r}>"


class ConversationTranslation(db.Model):
    """What the owner typed, in one more language: as `StatementTranslation` is for statements.

    `sector_names` maps each stored sector name to its name in this language.
    """

    __tablename__ = "conversation_translations"
    __table_args__ = (sa.UniqueConstraint("conversation_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    language: Mapped[str] = mapped_column(sa.String(16))
    topic: Mapped[str | None] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    sector_names: Mapped[dict[str, str]] = mapped_column(JsonDocument, default=dict)
    updated_ms: Mapped[int] = mapped_column(sa.BigInteger)

    conversation: Mapped[Conversation] = relationship(back_populates="translations")


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
