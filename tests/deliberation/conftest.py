"""Domain test helpers: another facilitator, a participant who joins. The fixtures (`owner`,
`conversation`, `seeds`) are in tests/conftest.py, shared with the web tests."""

from __future__ import annotations

import time

import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.models import Conversation
from tests.conftest import PASSWORD

__all__ = ["PASSWORD", "join", "make_facilitator"]


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
