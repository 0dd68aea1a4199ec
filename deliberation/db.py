"""The database handle, engine tuning, and the transaction boundary every service uses.

`db` lives here rather than in `web/` because the models and services need it and imports flow
web → deliberation; `web.extensions` re-exports it and binds it to the app.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import NamedTuple

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic can later drop or alter them (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# An auto-incrementing 64-bit key; SQLite only auto-increments a column declared INTEGER.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# JSON documents (settings lists, math results); binary JSONB where PostgreSQL offers it.
JsonDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def string_enum(enum_class, name: str) -> sa.Enum:
    """A StrEnum stored as its value in a VARCHAR with a CHECK: the same on every database."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


SQLITE_BUSY_TIMEOUT_MS = 15_000
_BEGIN_IMMEDIATE = "mesa_begin_immediate"
_DEPTH = "mesa_unit_of_work_depth"


_simulated_now_ms: ContextVar[int | None] = ContextVar("mesa_simulated_now_ms", default=None)


def now_ms() -> int:
    """Milliseconds since the epoch: the unit of every stored time, as in Polis exports."""
    simulated = _simulated_now_ms.get()
    if simulated is not None:
        return simulated
    return time.time_ns() // 1_000_000


@contextmanager
def simulated_clock(at_ms: int) -> Iterator[None]:
    """Make `now_ms` return `at_ms` in this thread only, e.g. to replay a demo evening's votes
    at their simulated times. Other threads (the embedded recompute worker) keep real time."""
    token = _simulated_now_ms.set(at_ms)
    try:
        yield
    finally:
        _simulated_now_ms.reset(token)


# A pooled PostgreSQL connection idle this long is pinged before it is handed out.
PING_AFTER_IDLE_S = 1.0
_IDLE_SINCE = "mesa_idle_since"


def configure_engine(engine: sa.Engine) -> None:
    """Tune a new engine: SQLite for concurrent writers, PostgreSQL for cheap checkouts."""
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    else:
        _ping_idle_connections(engine)


def _ping_idle_connections(engine: sa.Engine) -> None:
    """Replace pooled connections a restarted server or a proxy dropped, without a ping on
    every checkout.

    SQLAlchemy's `pool_pre_ping` costs a round trip (and with psycopg a BEGIN) per request;
    on the vote's path that was a third of its round trips. A connection that was in use a
    moment ago is as good as the ping would prove, so only one idle for PING_AFTER_IDLE_S is
    pinged (a failed ping makes the pool connect anew). One that broke within that second
    fails its request, and SQLAlchemy then discards every connection of the pool, as with any
    disconnect; a phone retries the request with the same vote id.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        idle_since = record.info.pop(_IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise sa.exc.DisconnectionError(
                f"an idle pooled connection is gone: {error}"
            ) from error


def _configure_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # WAL lets readers run beside the single writer; the busy timeout makes a writer wait
        # for the lock instead of failing. sqlite3's own BEGIN handling is switched off so that
        # `_on_begin` decides how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY
        # when another writer got in between; the busy timeout does not help it. Writing units
        # of work therefore take the write lock up front. On the driver's connection: a BEGIN
        # needs none of SQLAlchemy's execution bookkeeping, and every transaction has one.
        immediate = connection.get_execution_options().get(_BEGIN_IMMEDIATE)
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def unit_of_work() -> Iterator[sa.orm.Session]:
    """One atomic change: commits on success, rolls back on any error.

    Every service that writes runs inside one. Nested units join the outer one, so a service
    may call another. A read-only transaction left open by the caller is ended first, because
    on SQLite a writing transaction must start as one (see `configure_engine`).
    """
    if _direct_unit.get() is not None:
        # On SQLite it would wait for the write lock the direct unit holds.
        raise RuntimeError("a unit of work cannot run inside a direct one")
    session = db.session()  # the current scope's Session, not the scoped proxy
    depth = session.info.get(_DEPTH, 0)
    if depth == 0:
        _end_read_transaction(session)
        session.connection(execution_options={_BEGIN_IMMEDIATE: True})
    session.info[_DEPTH] = depth + 1
    try:
        yield session
        if depth == 0:
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth


def _end_read_transaction(session: sa.orm.Session) -> None:
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("changes were made outside a unit of work")
        session.commit()


class DirectUnit(NamedTuple):
    """A direct unit of work's pooled driver connection, and its dialect."""

    connection: sa.PoolProxiedConnection
    dialect: sa.Dialect


_direct_unit: ContextVar[DirectUnit | None] = ContextVar("mesa_direct_unit", default=None)


def direct_unit() -> DirectUnit | None:
    """The direct unit of work open here (None outside one): where `deliberation.hot_path`
    runs its statements."""
    return _direct_unit.get()


@contextmanager
def direct_unit_of_work(*, one_statement: bool = False) -> Iterator[None]:
    """A unit of work whose statements all run on a pooled driver connection, without the ORM
    session: for the vote, whose reads and writes are all `HotStatement`s.

    The session's begin and commit (its transaction, SQLAlchemy's connection and transaction
    objects, their events) and building a session for the request at all cost a vote request
    more CPU than SQLite spent on the vote's four statements. This unit takes a connection
    from the same pool, starts and ends the transaction itself as `unit_of_work` would (SQLite:
    BEGIN IMMEDIATE), and hands the connection back as it came. Queries made through
    `db.session` meanwhile run in the session's own transaction, not in this one; a
    `unit_of_work` may not be opened inside it, nor this inside one.

    `one_statement`: the unit writes with a single statement, which PostgreSQL makes atomic by
    itself, so there it runs in autocommit: no BEGIN and no COMMIT, one round trip for the
    vote where a transaction takes three. Its other statements are reads, each in its own
    snapshot. (SQLite keeps its transaction: the vote writes with several statements there.)

    A connection the server dropped is discarded with the whole pool, as SQLAlchemy does when a
    session's statement meets a disconnect, so the requests after it get fresh connections.
    """
    if _direct_unit.get() is not None:
        raise RuntimeError("a direct unit of work cannot join another")
    if db.session.registry.has():  # else this request has no session, and needs none
        session = db.session()
        if session.info.get(_DEPTH, 0):
            raise RuntimeError("a direct unit of work cannot join another")
        _end_read_transaction(session)
    engine = db.engine
    dialect = engine.dialect
    connection = engine.raw_connection()
    driver = connection.driver_connection
    autocommit = one_statement and dialect.name == "postgresql"
    token = _direct_unit.set(DirectUnit(connection, dialect))
    try:
        if autocommit:
            driver.autocommit = True
        elif dialect.name == "sqlite":
            driver.execute("BEGIN IMMEDIATE")
        yield
        if not autocommit:
            driver.commit()
    except BaseException as error:
        _roll_back_direct(engine, connection, error, autocommit)
        raise
    finally:
        _direct_unit.reset(token)
        _return_direct(connection, autocommit)


def _roll_back_direct(engine, connection, error: BaseException, autocommit: bool) -> None:
    dbapi_error = engine.dialect.loaded_dbapi.Error
    if not autocommit:
        try:
            connection.driver_connection.rollback()
        except dbapi_error as rollback_error:
            error = rollback_error  # what the connection says of itself now
    if isinstance(error, dbapi_error) and engine.dialect.is_disconnect(
        error, connection.dbapi_connection, None
    ):
        connection.invalidate(error)
        engine.dispose(close=False)  # the other pooled connections went down with it


def _return_direct(connection, autocommit: bool) -> None:
    if autocommit and connection.is_valid:
        try:
            connection.driver_connection.autocommit = False
        except Exception as error:  # a connection that broke meanwhile is not pooled again
            connection.invalidate(error)
    connection.close()  # back to the pool


_prebuilt: dict[tuple[Callable, str], sa.Executable] = {}

# Each database's INSERT, with its `on_conflict_do_*`: what an upsert is built from.
DIALECT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def upsert_statement(build: Callable[[Callable], sa.Executable]) -> sa.Executable:
    """An INSERT ... ON CONFLICT for the session's database, built once and then reused.

    `build` receives the dialect's `insert` (SQLite's or PostgreSQL's, both with
    `on_conflict_do_*`). Building such a statement costs more than running it, and votes are
    the hot path; run the result with `session.execute(statement, values)`.
    """
    dialect = db.session.get_bind().dialect.name
    key = (build, dialect)
    if key not in _prebuilt:
        if dialect not in DIALECT_INSERTS:
            raise NotImplementedError(f"no upsert for {dialect}")
        _prebuilt[key] = build(DIALECT_INSERTS[dialect])
    return _prebuilt[key]
