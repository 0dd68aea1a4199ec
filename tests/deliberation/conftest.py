"""Domain fixtures: a facilitator who owns a conversation, and a few seed statements."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.models import Conversation

PASSWORD = "a long enough password"


@pytest.fixture
def owner(app):
    return services.create_facilitator("owner@example.org", PASSWORD)


@pytest.fixture
def conversation(owner):
    return services.create_conversation(
        owner.id,
        "¿Qué pedimos al gobierno federal?",
        description="Mesa de seguridad, sesión de marzo",
        languages=["es", "en"],
        stakeholder_sectors=["comercio", "derechos humanos", "gobierno"],
    )


@pytest.fixture
def seeds(owner, conversation):
    """Three accepted seed statements, tids 0, 1, 2."""
    texts = [
        "Más fiscales e investigadores, no más soldados.",
        "La policía municipal necesita mejores salarios.",
        "Toda detención debe registrarse en un sistema público.",
    ]
    return [
        services.add_seed_statement(owner.id, conversation.public_id, text).tid for text in texts
    ]


def make_facilitator(email: str):
    return services.create_facilitator(email, PASSWORD)


def join(conversation, **access) -> services.JoinedParticipant:
    return services.join_conversation(conversation.public_id, **access)


def signed_xid(conversation_id: str, xid: str, *, expires_in: int = 600) -> dict:
    """`xid` as an embedding site sends it: with an expiry and its signature under the
    conversation's embedding secret (deliberation.services.embedding)."""
    secret = database.session.scalar(
        sa.select(Conversation.embed_secret).where(Conversation.public_id == conversation_id)
    )
    expires = int(time.time()) + expires_in
    return {
        "xid": xid,
        "xid_expires": expires,
        "xid_signature": services.xid_signature(secret, conversation_id, xid, expires),
    }
