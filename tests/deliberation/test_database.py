"""The database underneath the services: engine settings, migrations, transaction boundaries."""

import stat

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

import deliberation.db
from deliberation import services
from deliberation.db import (
    SQLITE_BUSY_TIMEOUT_MS,
    direct_unit,
    direct_unit_of_work,
    unit_of_work,
)
from deliberation.hot_path import HotStatement
from deliberation.models import Facilitator
from tests.deliberation.conftest import PASSWORD
from web import _instance_secret_key, create_app


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(db):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("busy_timeout") == SQLITE_BUSY_TIMEOUT_MS
        assert pragma("foreign_keys") == 1


def backend_pid(db) -> int:
    return db.session.scalar(sa.text("SELECT pg_backend_pid()"))


def test_a_pooled_connection_the_server_dropped_while_idle_is_replaced(db, monkeypatch):
    """Only idle connections are pinged (deliberation.db): one the server dropped while it sat
    in the pool is replaced before a service sees it; a busy one is not pinged at all."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop connections")
    db.session.remove()
    first = backend_pid(db)
    db.session.remove()
    assert backend_pid(db) == first  # back in the pool and out again: no ping, same connection
    db.session.remove()
    outside = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    with outside.connect() as other:
        assert other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
    outside.dispose()
    monkeypatch.setattr(deliberation.db, "PING_AFTER_IDLE_S", 0.0)
    services.create_facilitator("ana@example.org", PASSWORD)  # pinged, replaced, served
    assert backend_pid(db) != first
    db.session.remove()


def test_migrations_create_exactly_the_models(db):
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_migrations_go_down_and_up_again(app, db):
    db.session.remove()
    downgrade(revision="base")
    assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert "votes" in sa.inspect(db.engine).get_table_names()


def test_a_failing_unit_of_work_undoes_the_services_it_called(db):
    with pytest.raises(RuntimeError):
        with unit_of_work():
            services.create_facilitator("ana@example.org", PASSWORD)
            raise RuntimeError("after the nested service")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Facilitator)) == 0


def test_changes_made_outside_a_unit_of_work_are_refused(db):
    db.session.add(Facilitator(email="x@example.org", password_hash="-", created_ms=0))
    with pytest.raises(RuntimeError):
        services.create_facilitator("ana@example.org", PASSWORD)
    db.session.rollback()


def test_a_direct_unit_runs_hot_statements_on_its_own_connection_and_commits_them(db):
    """The vote's unit (deliberation.db.direct_unit_of_work): its statements are the unit's,
    committed at its end; PostgreSQL runs a one-statement unit in autocommit."""
    on_postgresql = db.engine.dialect.name == "postgresql"
    with direct_unit_of_work(one_statement=True):
        connection = direct_unit().connection
        # psycopg then sends no BEGIN and no COMMIT; SQLite keeps its BEGIN IMMEDIATE (the
        # vote writes with several statements there).
        assert bool(getattr(connection.driver_connection, "autocommit", False)) is on_postgresql
        assert _INSERT_FACILITATOR.first({"email": "ana@example.org"}) is not None
    assert direct_unit() is None
    db.session.remove()
    emails = db.session.scalars(sa.select(Facilitator.email)).all()
    assert emails == ["ana@example.org"]
    # The connection went back to the pool as it came.
    with unit_of_work() as session:
        assert not getattr(session.connection().connection.dbapi_connection, "autocommit", False)


def test_a_failing_direct_unit_stores_nothing(db):
    with pytest.raises(RuntimeError, match="refused"):
        with direct_unit_of_work():
            _INSERT_FACILITATOR.first({"email": "ana@example.org"})
            raise RuntimeError("refused after the write")
    db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Facilitator)) == 0


def test_a_direct_unit_and_a_unit_of_work_do_not_nest(db):
    with direct_unit_of_work(), pytest.raises(RuntimeError, match="inside a direct one"):
        with unit_of_work():
            pass
    with unit_of_work(), pytest.raises(RuntimeError, match="cannot join"):
        with direct_unit_of_work():
            pass
    with direct_unit_of_work(), pytest.raises(RuntimeError, match="cannot join"):
        with direct_unit_of_work():
            pass


def test_a_direct_unit_whose_connection_the_server_dropped_fails_once_then_reconnects(db):
    """A busy connection is not pinged; when the server drops it, the direct unit's statement
    fails (the phone retries its vote), and the pool is renewed, so the next unit gets a new
    connection instead of the broken one."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop connections")
    db.session.remove()
    outside = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    # The driver's own error, as hot statements raise theirs.
    with pytest.raises(db.engine.dialect.loaded_dbapi.OperationalError):
        with direct_unit_of_work(one_statement=True):
            dropped = _BACKEND_PID.first({})[0]
            with outside.connect() as other:
                terminate = sa.text("SELECT pg_terminate_backend(:pid)")
                assert other.execute(terminate, {"pid": dropped}).scalar()
            _INSERT_FACILITATOR.first({"email": "ana@example.org"})
    outside.dispose()
    with direct_unit_of_work(one_statement=True):
        assert _BACKEND_PID.first({})[0] != dropped
        assert _INSERT_FACILITATOR.first({"email": "ana@example.org"}) is not None
    db.session.remove()
    assert db.session.scalars(sa.select(Facilitator.email)).all() == ["ana@example.org"]


_BACKEND_PID = HotStatement(lambda _insert: sa.select(sa.func.pg_backend_pid()))
_INSERT_FACILITATOR = HotStatement(
    lambda insert: (
        insert(Facilitator.__table__)
        .values(
            email=sa.bindparam("email"),
            password_hash="-",
            created_ms=0,
            is_active=True,
            session_version=0,
        )
        .returning(Facilitator.__table__.c.id)
    )
)


# Strong enough for an app outside tests (web.secret_keys).
KEY_FROM_THE_ENVIRONMENT = "from-the-environment-" + "0123456789abcdef"
GIVEN_KEY = "given-" + "0123456789abcdef" * 2


def test_database_url_from_the_environment_uses_psycopg(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://mesa:secret@db.internal/mesa")
    monkeypatch.setenv("SECRET_KEY", KEY_FROM_THE_ENVIRONMENT)
    app = create_app()
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://mesa:secret@db.internal/mesa"
    )
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {}  # idle connections only are pinged
    assert app.config["SECRET_KEY"] == KEY_FROM_THE_ENVIRONMENT
    assert create_app({"SECRET_KEY": GIVEN_KEY}).config["SECRET_KEY"] == GIVEN_KEY


def test_the_instance_secret_key_is_generated_once_and_private(tmp_path):
    key = _instance_secret_key(tmp_path)
    assert len(key) == 64
    assert _instance_secret_key(tmp_path) == key
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
