"""Facilitator accounts, their API tokens and their roles in conversations."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from deliberation.db import db, string_enum


class Role(enum.StrEnum):
    """What a facilitator may do in one conversation.

    An owner changes settings, access and roles; a moderator moderates and seeds statements.
    """

    OWNER = "owner"
    MODERATOR = "moderator"


class Facilitator(UserMixin, db.Model):
    """A person who runs tables. `UserMixin` lets the web layer log them in with Flask-Login."""

    __tablename__ = "facilitators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)
    # Raised when the person logs out or changes their password: every console session
    # carries the number it started under, and one with an older number is no longer let in.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The console language this person last chose (web.i18n); None: their browser's.
    language: Mapped[str | None] = mapped_column(sa.String(16))

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: the account and its session version
        (Flask-Login's "alternative tokens"), so raising the version ends every session."""
        return f"{self.id}.{self.session_version}"

    def __repr__(self) -> str:
        return f"<Facilitator {self.email}>"


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 digest is kept, so a leaked database leaks none."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("facilitators.id", ondelete="CASCADE"), index=True
    )
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    created_ms: Mapped[int] = mapped_column(sa.BigInteger)
    last_used_ms: Mapped[int | None] = mapped_column(sa.BigInteger)


class ConversationRole(db.Model):
    __tablename__ = "conversation_roles"
    __table_args__ = (sa.UniqueConstraint("conversation_id", "facilitator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    facilitator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("facilitators.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(string_enum(Role, "role"))
