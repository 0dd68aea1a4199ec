"""Statements of the vote's hot path, run on a DBAPI connection without SQLAlchemy's bookkeeping.

A vote runs four short statements. SQLite or PostgreSQL spend tens of microseconds on each;
SQLAlchemy's per-execution bookkeeping (execution context, result metadata, events) spent more
than the database did. A `HotStatement` is written with SQLAlchemy Core like any other query,
compiled once per dialect, and then run on the DBAPI cursor of the connection the session's
transaction already holds: same transaction, same locks, no bookkeeping. Only statements whose
parameters and results are plain numbers and strings may run this way (no type processing is
applied either way).

Inside a `direct_unit_of_work` (deliberation.db), as the vote runs them, they run on that
unit's connection instead, and no session is involved at all.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import sqlalchemy as sa

from deliberation.db import DIALECT_INSERTS, db, direct_unit


class _Compiled(NamedTuple):
    sql: str
    names: tuple[str, ...] | None  # positional parameters' names, in order; None: by name
    defaults: Mapping[str, Any]  # values SQLAlchemy bound itself (a LIMIT's)
    row: type | None  # a SELECT's row type


class HotStatement:
    """A Core statement, built per dialect by `build(insert)` (`insert` being the dialect's
    INSERT, for upserts) and compiled once per dialect, run on the session's connection."""

    def __init__(self, build: Callable[[Callable], sa.Executable]):
        self._build = build
        self._compiled: dict[str, _Compiled] = {}

    def first(self, parameters: Mapping[str, Any]):
        """The row (a named tuple for a SELECT, a plain one for a RETURNING), or None.

        For statements of one row at most: sqlite3 finishes such a statement as it hands over
        the row, while one with rows left would stay open on the kept cursor (`_cursor`),
        holding its snapshot until the cursor's next statement."""
        cursor, compiled = self._run(parameters)
        values = cursor.fetchone()
        if values is None or compiled.row is None:
            return values
        return compiled.row(*values)

    def scalars(self, parameters: Mapping[str, Any]) -> list:
        """The first column of every row."""
        cursor, _compiled = self._run(parameters)
        return [values[0] for values in cursor.fetchall()]

    def run(self, parameters: Mapping[str, Any]) -> None:
        self._run(parameters)

    def _run(self, parameters: Mapping[str, Any]):
        unit = direct_unit()
        if unit is not None:
            pooled, dialect = unit
        else:
            session = db.session()
            if session.autoflush:
                session.flush()  # as the session's own execute would: pending rows first
            connection = session.connection()  # begins the session's transaction if need be
            pooled, dialect = connection.connection, connection.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compile(dialect)
        values = {**compiled.defaults, **parameters}
        arguments = values if compiled.names is None else [values[n] for n in compiled.names]
        cursor = _cursor(pooled)
        cursor.execute(compiled.sql, arguments)
        return cursor, compiled

    def _compile(self, dialect: sa.Dialect) -> _Compiled:
        statement = self._build(DIALECT_INSERTS[dialect.name])
        compiled = statement.compile(dialect=dialect)
        positions = compiled.positiontup
        defaults = {
            name: parameter.value
            for name, parameter in compiled.binds.items()
            if parameter.value is not None
        }
        columns = getattr(statement, "selected_columns", None)
        row = None
        if columns is not None:
            row = collections.namedtuple("Row", [column.key for column in columns], rename=True)
        result = _Compiled(
            compiled.string, tuple(positions) if positions is not None else None, defaults, row
        )
        self._compiled[dialect.name] = result
        return result


_CURSOR = "mesa_hot_cursor"


def _cursor(pooled: sa.PoolProxiedConnection):
    """The driver connection's cursor for hot statements, made once per connection: psycopg
    spends about 30 µs making a cursor (its adapters and transformer), half a vote statement's
    client CPU. Kept in the pool's per-connection `info`, which SQLAlchemy clears when it
    closes or invalidates the connection; a connection serves one thread at a time, and each
    hot statement fetches what it needs before the next one runs."""
    cursor = pooled.info.get(_CURSOR)
    if cursor is None:
        cursor = pooled.info[_CURSOR] = pooled.dbapi_connection.cursor()
    return cursor
