"""The database side of a load run: a migrated schema and a conversation to vote in.

Both go through the app and its services (Alembic migrations, `create_conversation`,
`add_seed_statement`), exactly as an operator and a facilitator would, in this process.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from deliberation import services
from deliberation.db import db
from loadtest.deployment import REPO

SEED_STATEMENTS = 60
FACILITATOR_EMAIL = "load@mesa.local"


@contextmanager
def app_on(database_url: str) -> Iterator[Flask]:
    """An app bound to `database_url` with its context pushed; connections closed afterwards."""
    from web import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": secrets.token_hex(32),
            "MESA_EMBEDDED_WORKER": False,
        }
    )
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def migrate_fresh(database_url: str) -> None:
    """Migrate to head; on PostgreSQL drop the `public` schema first (a throwaway database)."""
    with app_on(database_url):
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                connection.exec_driver_sql("CREATE SCHEMA public")
        upgrade(directory=str(REPO / "migrations"))


def seed_conversation(database_url: str, statements: int = SEED_STATEMENTS) -> str:
    """An open conversation with `statements` accepted seed statements, in which participants
    may add their own (without strict moderation, so others vote on them at once).
    Returns its public id."""
    with app_on(database_url):
        facilitator_id = db.session.scalar(
            sa.text("SELECT id FROM facilitators WHERE email = :email"),
            {"email": FACILITATOR_EMAIL},
        )
        if facilitator_id is None:
            facilitator_id = services.create_facilitator(
                FACILITATOR_EMAIL, secrets.token_urlsafe(16)
            ).id
        conversation = services.create_conversation(
            facilitator_id,
            "Mesa de seguridad: prueba de carga",
            participants_can_add=True,
            strict_moderation=False,
        )
        for number in range(statements):
            services.add_seed_statement(
                facilitator_id,
                conversation.public_id,
                f"Propuesta {number + 1}: más fiscales y policías de proximidad en el distrito "
                f"{number + 1}.",
            )
        return conversation.public_id
