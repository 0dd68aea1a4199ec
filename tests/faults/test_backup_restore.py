"""A backup restored into a fresh database gives byte-identical exports (OPERATIONS.md).

SQLite: the online backup API (what `sqlite3 mesa.sqlite3 ".backup FILE"` runs), taken while
the app's engine is open; then the migration of issue 7 stepped down and up again on the
restored copy, as an upgrade would. PostgreSQL: `pg_dump --format=custom` and `pg_restore`
into a wiped database, the commands OPERATIONS.md gives.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from deliberation import services
from deliberation.db import db as database
from deliberation.polis_io import json_export, polis_csv_export
from deliberation.recompute import run_once
from tests.conftest import make_app, release_connections

PG_BIN = shutil.which("pg_dump") and os.path.dirname(shutil.which("pg_dump"))


def populate() -> str:
    """A conversation with everything an export shows: statements in three moderation states,
    a translation, re-votes, a stored math result."""
    owner = services.create_facilitator("owner@example.org", "a long enough password")
    conversation = services.create_conversation(
        owner.id, "Respaldo", description="=no formula", languages=["es", "en"]
    )
    cid = conversation.public_id
    for text in ("Más fiscales.", "Mejores salarios.", "Registro público.", "Menos soldados."):
        services.add_seed_statement(owner.id, cid, text)
    services.translate_statement(owner.id, cid, 0, "en", "More prosecutors.")
    voters = [services.join_conversation(cid) for _ in range(12)]
    for index, voter in enumerate(voters):
        for tid in range(4):
            services.cast_vote(cid, voter.pid, tid, (index * (tid + 1)) % 3 - 1)
    services.cast_vote(cid, voters[0].pid, 0, 0)  # a re-vote
    added = services.submit_statement(cid, voters[1].pid, "Patrullas a pie.")
    services.moderate_statement(owner.id, cid, added.tid, "rejected", reason="duplicada")
    run_once("fast")
    return cid


def exports(conversation_id: str) -> dict:
    database.session.rollback()
    return {
        **polis_csv_export(services.OPERATOR, conversation_id),
        "json": json_export(services.OPERATOR, conversation_id),
    }


def row_counts() -> dict[str, int]:
    database.session.rollback()
    return {
        table.name: database.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in database.metadata.sorted_tables
    }


def test_sqlite_backup_restores_to_identical_exports(sqlite_template, tmp_path):
    live = tmp_path / "live.sqlite3"
    shutil.copyfile(sqlite_template, live)
    app = make_app(f"sqlite:///{live}")
    with app.app_context():
        conversation_id = populate()
        before, counts = exports(conversation_id), row_counts()
        # Backed up while the app holds its connections, as on a running server.
        backup = tmp_path / "backup.sqlite3"
        with sqlite3.connect(live) as source, sqlite3.connect(backup) as target:
            source.backup(target)
        if shutil.which("sqlite3"):  # the command OPERATIONS.md documents, when installed
            command_backup = tmp_path / "command-backup.sqlite3"
            subprocess.run(
                ["sqlite3", str(live), f".backup {command_backup}"], check=True, timeout=60
            )
        release_connections()

    for copy in [backup] + ([command_backup] if shutil.which("sqlite3") else []):
        restored = tmp_path / f"restored-{copy.name}"
        shutil.copyfile(copy, restored)
        restored_app = make_app(f"sqlite:///{restored}")
        with restored_app.app_context():
            assert row_counts() == counts
            assert exports(conversation_id) == before
            # An upgrade after a restore: this migration down and up, data intact.
            downgrade(revision="-1")
            upgrade()
            assert exports(conversation_id) == before
            release_connections()


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL")
@pytest.mark.parametrize("app", ["postgresql"], indirect=True)
def test_postgresql_dump_restores_to_identical_exports(app, tmp_path):
    assert PG_BIN, "pg_dump is not installed (apt-get install postgresql-client)"
    conversation_id = populate()
    before, counts = exports(conversation_id), row_counts()
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    libpq = url.render_as_string(hide_password=False)
    dump = tmp_path / "mesa.dump"
    release_connections()
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", libpq],
        check=True,
        timeout=120,
    )
    # A fresh database: everything dropped, then the dump restored into it.
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    release_connections()
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq}", str(dump)],
        check=True,
        timeout=120,
    )
    assert row_counts() == counts
    assert exports(conversation_id) == before
