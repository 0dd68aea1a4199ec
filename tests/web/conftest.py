"""API fixtures: a facilitator with an API token, a participant who joined through the API, and
helpers to call the API and the console as each kind of caller and to check that a refused
request changed nothing. The isolated test client and the conversation with seed statements are
in tests/conftest.py."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.models import (
    AuditEntry,
    LatestVote,
    Participant,
    Statement,
    StatementTranslation,
    VoteRecord,
)
from tests.conftest import PASSWORD, IsolatedClient
from tests.deliberation.conftest import make_facilitator

API = "/api/v1"
CONSOLE = "/console"
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
__all__ = ["PASSWORD", "IsolatedClient"]


@pytest.fixture
def owner_token(owner):
    return services.issue_api_token(owner.id, "tests").token


@pytest.fixture
def joined(client, conversation):
    """A participant who joined through the API: the join response's JSON."""
    return join(client, conversation.public_id)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def join(client, conversation_id: str, **admission) -> dict:
    response = client.post(f"{API}/conversations/{conversation_id}/participants", json=admission)
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def facilitator_with_token(email: str) -> tuple:
    facilitator = make_facilitator(email)
    return facilitator, services.issue_api_token(facilitator.id).token


def stored_counts() -> dict[str, int]:
    """Rows per table, read afresh (the test's session may hold an older snapshot)."""
    database.session.rollback()
    models = (Participant, Statement, StatementTranslation, VoteRecord, LatestVote, AuditEntry)
    return {
        model.__tablename__: database.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in models
    }


def assert_refused(response, status: int, code: str | None = None) -> dict:
    """The response is a JSON error with this status (and code)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.content_type
    body = response.get_json()
    assert isinstance(body.get("error"), str) and body["error"]
    if code is not None:
        assert body["code"] == code, body
    return body


# The console's forms, as a facilitator's browser posts them.
def csrf_token(client, path: str = f"{CONSOLE}/login") -> str:
    page = client.get(path)
    match = _CSRF.search(page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)[:500]
    return match.group(1)


def log_in(client, email: str) -> None:
    response = client.post(
        f"{CONSOLE}/login",
        data={"csrf_token": csrf_token(client), "email": email, "password": PASSWORD},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.endswith(f"{CONSOLE}/")


def post(client, path: str, data: dict | None = None, **kwargs):
    """A console form post, with the session's CSRF token."""
    return client.post(
        path, data={"csrf_token": csrf_token(client, f"{CONSOLE}/"), **(data or {})}, **kwargs
    )
