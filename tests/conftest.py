"""Shared fixtures: a Flask app on a real, freshly migrated database, its test client, and a
facilitator who owns a conversation with a few seed statements.

Every test that takes `app` (or `db`) runs once on SQLite and, when TEST_DATABASE_URL points at
a PostgreSQL database, once more on PostgreSQL. That database is wiped: give it a throwaway one
(.ci/start-postgres.sh prints a suitable URL).
"""

from __future__ import annotations

import contextvars
import os
import shutil
from dataclasses import replace

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

from deliberation import services
from deliberation.db import db as database
from deliberation.recompute import Runner, use_runner
from deliberation.recompute.runner import run_here
from web import create_app

PASSWORD = "a long enough password"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"]
if POSTGRES_URL:
    BACKENDS.append(pytest.param("postgresql", marks=pytest.mark.postgres))


def pytest_report_header(config):
    if POSTGRES_URL:
        return f"PostgreSQL: {sa.make_url(POSTGRES_URL).render_as_string(hide_password=True)}"
    return "PostgreSQL: not configured (set TEST_DATABASE_URL)"


def make_app(url: str):
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret-key",
            "TESTING": True,
            # Real hashing, at a cost that suits tests creating many accounts.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )


def release_connections() -> None:
    """End the session and close pooled connections. Before any DROP or TRUNCATE: an idle
    PostgreSQL connection still in a transaction holds locks that would make it wait forever."""
    database.session.remove()
    database.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file migrated once; each test gets a copy, which is much faster than migrating."""
    path = tmp_path_factory.mktemp("template") / "mesa.sqlite3"
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        upgrade()
        release_connections()  # the last close checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def postgres_url():
    """The test PostgreSQL database with a fresh `public` schema migrated to head."""
    app = make_app(POSTGRES_URL)
    with app.app_context():
        with database.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
        upgrade()
        release_connections()
    return POSTGRES_URL


def _truncate_all_tables() -> None:
    tables = ", ".join(f'"{table.name}"' for table in database.metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path):
    """An app whose database has the migrated schema and no rows; its app context is pushed."""
    if request.param == "sqlite":
        path = tmp_path / "mesa.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        flask_app = make_app(f"sqlite:///{path}")
    else:
        flask_app = make_app(request.getfixturevalue("postgres_url"))
    with flask_app.app_context():
        if request.param == "postgresql":
            _truncate_all_tables()
        yield flask_app
        release_connections()


@pytest.fixture
def db(app):
    return database


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


def slow_stage_without_umap(function, votes, moderation, previous, params):
    """The slow stage's computation in the calling thread, projected by PCA instead of UMAP."""
    return function(votes, moderation, previous, replace(params, projection="pca"))


@pytest.fixture
def in_thread(app):
    """The app's slow stage (and topics) in the test's thread and without UMAP (umap-learn's
    numba compile takes ~30 s in a new process): the agenda's figures are the same computation."""
    use_runner(app, Runner(slow=slow_stage_without_umap, topics=run_here))


@pytest.fixture
def fewer_resamples(app):
    """The default (200 and 50 resamples) is for real conversations; a test needs fewer."""
    app.config.update(MESA_AGENDA_RESAMPLES=40, MESA_AGENDA_STABILITY_RESAMPLES=8)
