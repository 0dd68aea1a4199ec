"""The least a server can do for the load generator: its four routes in bare Flask.

No validation, authentication, rate limit, routing or ORM: a join hands out a random token, a
vote is one INSERT into DATABASE_URL's database (the deployment sets it, as for Mesa: the SQLite
file in WAL mode with synchronous=NORMAL as Mesa's, or PostgreSQL through psycopg with one
connection per thread as Mesa's pool keeps them) and answers with a random statement. Served
by the same gunicorn settings as Mesa (`python -m loadtest.floor`), it measures what this
machine, gunicorn, Flask and the generator cost by themselves, so that Mesa's figures can be
read against a floor measured in the same run. Never deployed.
"""

from __future__ import annotations

import itertools
import os
import secrets
import sqlite3
import threading
import time

from flask import Flask, jsonify, request

DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///floor.sqlite3")
DATABASE = DATABASE_URL.removeprefix("sqlite:///")
STATEMENTS = 60
_VOTES_TABLE = (
    "CREATE TABLE IF NOT EXISTS floor_votes (pid INTEGER, tid INTEGER, vote INTEGER, "
    "client_vote_id TEXT UNIQUE, created_ms BIGINT)"
)

app = Flask(__name__)
_connections = threading.local()
_pids = itertools.count()


def _connection():
    connection = getattr(_connections, "connection", None)
    if connection is None:
        connection = _connect()
        _connections.connection = connection
    return connection


def _connect():
    if DATABASE_URL.startswith("postgresql"):
        import psycopg

        connection = psycopg.connect(DATABASE_URL.replace("+psycopg", ""), autocommit=True)
        connection.execute(_VOTES_TABLE)
        return connection
    connection = sqlite3.connect(DATABASE, isolation_level=None, timeout=5)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(_VOTES_TABLE)
    return connection


def _insert_vote(ballot: dict) -> None:
    """One transaction, one INSERT that ignores a repeated vote id."""
    values = (0, ballot["tid"], ballot["vote"], ballot["client_vote_id"], time.time_ns() // 10**6)
    connection = _connection()
    if isinstance(connection, sqlite3.Connection):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT OR IGNORE INTO floor_votes VALUES (?, ?, ?, ?, ?)", values)
        connection.execute("COMMIT")
    else:
        connection.execute(
            "INSERT INTO floor_votes VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING", values
        )


def _statement() -> dict:
    tid = secrets.randbelow(STATEMENTS)
    return {"tid": tid, "text": f"Propuesta {tid}", "language": "es", "is_seed": True}


@app.post("/api/v1/conversations/<conversation_id>/participants")
def join(conversation_id):
    pid = os.getpid() * 1_000_000 + next(_pids)
    return jsonify(pid=pid, token=secrets.token_urlsafe(32)), 201


@app.get("/api/v1/conversations/<conversation_id>/next-statement")
def next_statement(conversation_id):
    return jsonify(statement=_statement(), remaining=STATEMENTS, total=STATEMENTS)


@app.post("/api/v1/conversations/<conversation_id>/votes")
def vote(conversation_id):
    ballot = request.get_json()
    _insert_vote(ballot)
    receipt = {**ballot, "created_ms": 0, "replayed": False}
    return jsonify(
        vote=receipt, next={"statement": _statement(), "remaining": 1, "total": STATEMENTS}
    )


@app.post("/api/v1/conversations/<conversation_id>/statements")
def add_statement(conversation_id):
    return jsonify(tid=STATEMENTS), 201
