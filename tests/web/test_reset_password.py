"""`flask --app web reset-password EMAIL`: the way back in for a facilitator who forgot their
password (issue 14, point 11). The new password logs in, the old one no longer does, and every
console session of that facilitator ends; an unknown email is refused and changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.errors import Forbidden
from deliberation.models import Facilitator
from tests.web.conftest import CONSOLE, PASSWORD, IsolatedClient, log_in

NEW_PASSWORD = "una contraseña nueva y larga"


def _logs_in(email: str, password: str) -> bool:
    try:
        services.authenticate_facilitator(email, password)
    except Forbidden:
        return False
    return True


def _accounts() -> list[tuple]:
    database.session.rollback()
    return database.session.execute(
        sa.select(
            Facilitator.email, Facilitator.password_hash, Facilitator.session_version
        ).order_by(Facilitator.id)
    ).all()


def test_a_random_password_is_printed_once_and_logs_in(app, owner):
    answer = app.test_cli_runner().invoke(args=["reset-password", owner.email])

    assert answer.exit_code == 0, answer.output
    [new_password] = [
        line.removeprefix("New password: ")
        for line in answer.stdout.splitlines()
        if line.startswith("New password: ")
    ]
    assert len(new_password) >= 10
    assert _logs_in(owner.email, new_password)
    assert not _logs_in(owner.email, PASSWORD)


def test_a_given_password_logs_in_and_the_old_one_fails(app, owner):
    answer = app.test_cli_runner().invoke(
        args=["reset-password", owner.email.upper(), "--password", NEW_PASSWORD]
    )

    assert answer.exit_code == 0, answer.output
    assert NEW_PASSWORD not in answer.output  # the operator typed it: not echoed back
    assert _logs_in(owner.email, NEW_PASSWORD)
    assert not _logs_in(owner.email, PASSWORD)


def test_a_prompted_password_is_asked_twice_and_logs_in(app, owner):
    answer = app.test_cli_runner().invoke(
        args=["reset-password", owner.email, "--prompt"],
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )

    assert answer.exit_code == 0, answer.output
    assert _logs_in(owner.email, NEW_PASSWORD)
    assert not _logs_in(owner.email, PASSWORD)


def test_a_reset_ends_every_console_session_of_that_facilitator(app, owner):
    app.test_client_class = IsolatedClient  # each browser its own request context and cookies
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, owner.email)
    log_in(phone, owner.email)
    other = services.create_facilitator("otra@example.org", PASSWORD)
    colleague = app.test_client()
    log_in(colleague, other.email)
    assert laptop.get(f"{CONSOLE}/").status_code == 200

    answer = app.test_cli_runner().invoke(
        args=["reset-password", owner.email, "--password", NEW_PASSWORD]
    )

    assert answer.exit_code == 0, answer.output
    for client in (laptop, phone):
        response = client.get(f"{CONSOLE}/")
        assert response.status_code == 302
        assert "/login" in response.location
    assert colleague.get(f"{CONSOLE}/").status_code == 200  # another account is untouched


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["reset-password", "nadie@example.org"], "no facilitator nadie@example.org"),
        (["reset-password", "not an email"], "is not an email address"),
        (["reset-password", "owner@example.org", "--password", "corta"], "at least 10"),
    ],
)
def test_a_refused_reset_is_an_error_and_changes_nothing(app, owner, args, reason):
    before = _accounts()

    answer = app.test_cli_runner().invoke(args=args)

    assert answer.exit_code == 1, answer.output
    assert answer.stderr.startswith("Error: "), answer.output
    assert reason in answer.stderr
    assert "Traceback" not in answer.output
    assert _accounts() == before
    assert _logs_in(owner.email, PASSWORD)


def test_only_the_operator_resets_a_password(app, owner):
    other = services.create_facilitator("otra@example.org", PASSWORD)
    before = _accounts()

    with pytest.raises(Forbidden):
        services.reset_password(other.id, owner.email, NEW_PASSWORD)

    assert _accounts() == before
