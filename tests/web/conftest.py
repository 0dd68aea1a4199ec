"""API fixtures: a test client whose requests are isolated as in production, a facilitator with
an API token, a conversation with seed statements, and helpers to call the API as each kind of
caller and to check that a refused request changed nothing."""

from __future__ import annotations

import contextvars

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

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
from tests.deliberation import conftest as domain
from tests.deliberation.conftest import PASSWORD, make_facilitator

# The domain tests' fixtures: a facilitator owning a conversation with seed statements 0, 1, 2.
owner = domain.owner
conversation = domain.conversation
seeds = domain.seeds

API = "/api/v1"
__all__ = ["PASSWORD"]


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, so it pushes its own app context, database session
    and `g`, as in production. (The `app` fixture keeps an app context pushed for the test's own
    service calls; Flask would otherwise reuse it, and with it `g` and Flask-Login's user.)"""

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        # End the test's own read transaction, so that it sees what the request committed.
        database.session.rollback()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


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
