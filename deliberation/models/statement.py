"""Statements put to the participants, their moderation state and their translations."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deliberation.db import db, string_enum


class ModerationState(enum.StrEnum):
    """Polis's `mod`: 0 todo, 1 accepted, -1 rejected (moderated out of the math)."""

    TODO = "todo"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Statement(db.Model):
    """A statement (Polis "comment"), numbered by `tid` from 0 within its conversation.

    `text_fingerprint` is a digest of the normalised text; its unique constraint is the last
    guard against duplicates when two people submit the same sentence at once. `updated_ms`
    moves on every moderation change so the recompute worker can poll for them.
    """

    __tablename__ = "statements"
    __table_args__ = (
        sa.UniqueConstraint("conversation_id", "tid"),
        sa.UniqueConstraint("conversation_id", "text_fingerprint"),
        sa.ForeignKeyConstraint(
            ["conversation_id", "author_pid"],
            ["participants.conversation_id", "participants.pid"],
        ),
        sa.Index("ix_statements_conversation_id_updated_ms", "conversation_id", "updated_ms"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    tid: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    text_fingerprint: Mapped[str] = mapped_column(sa.String(64))
    language: Mapped[str | None] = mapped_column(sa.String(16))
    author_pid: Mapped[int | None]
    is_seed: Mapped[bool] = mapped_column(default=False)
    moderation: Mapped[ModerationState] = mapped_column(
        string_enum(ModerationState, "moderation_state"), default=ModerationState.TODO
    )
    moderation_reason: Mapped[str | None] = mapped_column(sa.Text)
    is_meta: Mapped[bool] = mapped_column(default=False)
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)
    updated_ms: Mapped[int] = mapped_column(sa.BigInteger)

    translations: Mapped[list[StatementTranslation]] = relationship(
        back_populates="statement",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="StatementTranslation.language",
    )

    def text_in(self, language: str | None) -> str:
        """The text to show a reader of `language`: its translation if there is one."""
        if language is None:
            return self.text  # without loading the translations
        for translation in self.translations:
            if translation.language == language:
                return translation.text
        return self.text

    def shown_language(self, language: str | None) -> str | None:
        """The language `text_in(language)` is in (None when unknown)."""
        if language is not None and any(t.language == language for t in self.translations):
            return language
        return self.language

    def __repr__(self) -> str:
        return f"<Statement {self.tid} {self.moderation.value}>"


class StatementTranslation(db.Model):
    __tablename__ = "statement_translations"
    __table_args__ = (sa.UniqueConstraint("statement_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(sa.ForeignKey("statements.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(16))
    text: Mapped[str] = mapped_column(sa.Text)
    updated_ms: Mapped[int] = mapped_column(sa.BigInteger)

    statement: Mapped[Statement] = relationship(back_populates="translations")


_STATEMENTS_VERSION = sa.text(
    "UPDATE conversations SET statements_version = statements_version + 1 WHERE id = :id"
)


def bump_statements_version(connection: sa.Connection, conversation_pks) -> None:
    """Move the conversations' statements version: what a process routes by is stale.

    The ORM's flushes call it (below); a Core write to statements or their translations
    (a bulk import, a bulk update) calls it itself.
    """
    for pk in sorted(set(conversation_pks)):
        connection.execute(_STATEMENTS_VERSION, {"id": pk})


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _statements_changed(session: sa.orm.Session, _context, _instances) -> None:
    """Every ORM change to a statement or a translation moves its conversation's version, in
    the same transaction: no service can forget to."""
    changed = set()
    dirty = (instance for instance in session.dirty if session.is_modified(instance))
    for instance in (*session.new, *dirty, *session.deleted):
        if isinstance(instance, StatementTranslation):
            instance = instance.statement
        if isinstance(instance, Statement):
            changed.add(instance.conversation_id)
    changed.discard(None)  # a conversation being created: nothing can have routed by it yet
    if changed:
        bump_statements_version(session.connection(), changed)
