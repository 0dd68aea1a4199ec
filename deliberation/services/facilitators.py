"""Facilitator accounts: creation, password login and personal API tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from deliberation.db import db, now_ms, unit_of_work
from deliberation.errors import Conflict, Forbidden, Invalid, NotFound
from deliberation.identifiers import new_secret_token, token_digest
from deliberation.models import ApiToken, Facilitator
from deliberation.services.authorization import OPERATOR, Caller
from deliberation.services.settings import VALIDATORS

MIN_PASSWORD_LENGTH = 10
# werkzeug's default (scrypt). Apps may set PASSWORD_HASH_METHOD: the tests pick a cheap one.
DEFAULT_PASSWORD_HASH_METHOD = "scrypt"
# Checked against when the email is unknown, so a wrong email takes as long as a wrong password.
_UNKNOWN_ACCOUNT_HASH = generate_password_hash("no account has this password")


@dataclass(frozen=True)
class IssuedToken:
    """A new API token. `token` is shown once: only its digest is stored."""

    token_id: int
    token: str
    label: str


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    if not (local and at and "." in domain) or len(email) > 320 or any(c.isspace() for c in email):
        raise Invalid(f"{email!r} is not an email address", code="email_invalid")
    return email


def create_facilitator(email: str, password: str) -> Facilitator:
    email = normalise_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", code="password_short"
        )
    with unit_of_work() as session:
        if session.scalar(sa.select(Facilitator.id).where(Facilitator.email == email)):
            raise Conflict(f"{email} already has an account", code="facilitator_exists")
        facilitator = Facilitator(
            email=email, password_hash=_hash_password(password), created_ms=now_ms()
        )
        session.add(facilitator)
    return facilitator


def change_password(facilitator_id: int, current_password: str, new_password: str) -> None:
    """Replace a facilitator's password; the current one must be given, so that a session left
    open on a shared laptop cannot lock its owner out."""
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", code="password_short"
        )
    with unit_of_work():
        facilitator = get_facilitator(facilitator_id)
        if not check_password_hash(facilitator.password_hash, current_password):
            raise Forbidden("the current password is wrong", code="password_wrong")
        facilitator.password_hash = _hash_password(new_password)
        # Whoever holds a copy of an old session (a laptop left logged in) is out.
        facilitator.session_version += 1


def set_facilitator_language(facilitator_id: int, language: str | None) -> None:
    """Remember the console language a facilitator chose (None: follow their browser), so that
    it is theirs on any device they log in from."""
    if language is not None:
        language = VALIDATORS["languages"]([language])[0]
    with unit_of_work():
        facilitator = get_facilitator(facilitator_id)
        if facilitator.language != language:
            facilitator.language = language


def reset_password(caller: Caller, email: str, new_password: str | None = None) -> str:
    """Set a facilitator's password without the current one; the password now in force.

    The way out for a facilitator who forgot theirs, so only the operator at the server's
    command line may do it (a facilitator changes their own with `change_password`). A random
    password is chosen when none is given; it is returned to be shown once, as only its hash
    is stored. Every console session of the account ends, on every device: whoever knew the
    old password may be logged in somewhere.
    """
    if caller is not OPERATOR:
        raise Forbidden("only the operator resets a password", code="operator_only")
    email = normalise_email(email)
    password = secrets.token_urlsafe(12) if new_password is None else new_password
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", code="password_short"
        )
    with unit_of_work() as session:
        facilitator = session.scalar(sa.select(Facilitator).where(Facilitator.email == email))
        if facilitator is None:
            raise NotFound(f"no facilitator {email}", code="facilitator_not_found")
        facilitator.password_hash = _hash_password(password)
        facilitator.session_version += 1
    return password


def end_facilitator_sessions(facilitator_id: int) -> None:
    """End every console session of this facilitator, on every device (at logout)."""
    with unit_of_work() as session:
        session.execute(
            sa.update(Facilitator)
            .where(Facilitator.id == facilitator_id)
            .values(session_version=Facilitator.session_version + 1)
            .execution_options(synchronize_session=False)
        )


def _hash_password(password: str) -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_PASSWORD_HASH_METHOD)
    return generate_password_hash(password, method=method)


def get_facilitator(facilitator_id: int) -> Facilitator:
    facilitator = db.session.get(Facilitator, facilitator_id)
    if facilitator is None:
        raise NotFound(f"no facilitator {facilitator_id}", code="facilitator_not_found")
    return facilitator


def authenticate_facilitator(email: str, password: str) -> Facilitator:
    """The account for a login; `Forbidden` without saying if the email or password was wrong."""
    try:
        email = normalise_email(email)
    except Invalid:
        email = ""
    facilitator = db.session.scalar(sa.select(Facilitator).where(Facilitator.email == email))
    stored_hash = facilitator.password_hash if facilitator else _UNKNOWN_ACCOUNT_HASH
    if not check_password_hash(stored_hash, password) or facilitator is None:
        raise Forbidden("wrong email or password", code="login_failed")
    if not facilitator.is_active:
        raise Forbidden("account disabled", code="facilitator_inactive")
    return facilitator


def issue_api_token(facilitator_id: int, label: str = "") -> IssuedToken:
    token = new_secret_token()
    with unit_of_work() as session:
        get_facilitator(facilitator_id)
        record = ApiToken(
            facilitator_id=facilitator_id,
            token_digest=token_digest(token),
            label=label.strip()[:100],
            created_ms=now_ms(),
        )
        session.add(record)
        session.flush()
    return IssuedToken(token_id=record.id, token=token, label=record.label)


def facilitator_for_api_token(token: str) -> Facilitator:
    """The active facilitator holding this token.

    Notes when the token was last used, at most once a minute, so that a busy API client does
    not turn every read into a write.
    """
    row = db.session.execute(
        sa.select(ApiToken, Facilitator)
        .join(Facilitator, Facilitator.id == ApiToken.facilitator_id)
        .where(ApiToken.token_digest == token_digest(token))
    ).first()
    if row is None or not row.Facilitator.is_active:
        raise Forbidden("unknown API token", code="token_unknown")
    used_ms = now_ms()
    if row.ApiToken.last_used_ms is None or used_ms - row.ApiToken.last_used_ms > 60_000:
        with unit_of_work() as session:
            session.execute(
                sa.update(ApiToken)
                .where(ApiToken.id == row.ApiToken.id)
                .values(last_used_ms=used_ms)
                .execution_options(synchronize_session=False)
            )
    return row.Facilitator


def revoke_api_token(facilitator_id: int, token_id: int) -> None:
    with unit_of_work() as session:
        record = session.get(ApiToken, token_id)
        if record is None or record.facilitator_id != facilitator_id:
            raise NotFound(f"no API token {token_id}", code="token_not_found")
        session.delete(record)
