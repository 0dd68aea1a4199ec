"""Domain test helpers: another facilitator, a participant who joins. The fixtures (`owner`,
`conversation`, `seeds`) are in tests/conftest.py, shared with the web tests."""

from __future__ import annotations

from deliberation import services
from tests.conftest import PASSWORD

__all__ = ["PASSWORD", "join", "make_facilitator"]


def make_facilitator(email: str):
    return services.create_facilitator(email, PASSWORD)


def join(conversation, **access) -> services.JoinedParticipant:
    return services.join_conversation(conversation.public_id, **access)
