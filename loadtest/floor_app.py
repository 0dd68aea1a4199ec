"""The least a server can do for the load generator: its four routes in bare Flask.

No validation, authentication, rate limit, routing or ORM: a join hands out a random token, a
vote is one INSERT into the SQLite file of DATABASE_URL (WAL, synchronous=NORMAL, as Mesa's;
the deployment sets it, as for Mesa) and answers with a
random statement. Served by the same gunicorn settings as Mesa (`python -m loadtest.floor`), it
measures what this machine, gunicorn, Flask and the generator cost by themselves, so that
Mesa's figures can be read against a floor measured in the same run. Never deployed.
"""

from __future__ import annotations

import itertools
import os
import secrets
import sqlite3
import threading
import time

from flask import Flask, jsonify, request

DATABASE = os.environ.get("DATABASE_URL", "sqlite:///floor.sqlite3").removeprefix("sqlite:///")
STATEMENTS = 60

app = Flask(__name__)
_connections = threading.local()
_pids = itertools.count()


def _connection() -> sqlite3.Connection:
    connection = getattr(_connections, "connection", None)
    if connection is None:
        connection = sqlite3.connect(DATABASE, isolation_level=None, timeout=5)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS votes (pid INTEGER, tid INTEGER, vote INTEGER, "
            "client_vote_id TEXT UNIQUE, created_ms INTEGER)"
        )
        _connections.connection = connection
    return connection


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
    connection = _connection()
    connection.execute("BEGIN IMMEDIATE")
    connection.execute(
        "INSERT OR IGNORE INTO votes VALUES (?, ?, ?, ?, ?)",
        (0, ballot["tid"], ballot["vote"], ballot["client_vote_id"], time.time_ns() // 10**6),
    )
    connection.execute("COMMIT")
    receipt = {**ballot, "created_ms": 0, "replayed": False}
    return jsonify(
        vote=receipt, next={"statement": _statement(), "remaining": 1, "total": STATEMENTS}
    )


@app.post("/api/v1/conversations/<conversation_id>/statements")
def add_statement(conversation_id):
    return jsonify(tid=STATEMENTS), 201
