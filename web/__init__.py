"""The Flask application factory."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

from flask import Flask

from deliberation import models  # noqa: F401  (registers the tables with SQLAlchemy)
from deliberation.cli import register_commands
from deliberation.db import configure_engine
from web.extensions import db, migrate


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build an app. `config` overrides the environment, which overrides the safe defaults.

    Environment: `DATABASE_URL` (PostgreSQL, e.g. postgresql+psycopg://user@host/mesa; the
    default is a SQLite file in the instance folder) and `SECRET_KEY` (the default is a
    key generated once into instance/secret_key).
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(_from_environment())
    if config:
        app.config.update(config)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        database_path = Path(app.instance_path) / "mesa.sqlite3"
        database_path.parent.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database_path}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config))

    db.init_app(app)
    migrate.init_app(app, db)
    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine)

    register_commands(app)
    return app


def _from_environment() -> dict[str, Any]:
    settings: dict[str, Any] = {}
    if url := os.environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = _with_psycopg_driver(url)
    if key := os.environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = key
    return settings


def _with_psycopg_driver(url: str) -> str:
    """Accept the usual postgres:// and postgresql:// URLs; we ship psycopg 3, not psycopg2."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _engine_options(config) -> dict[str, Any]:
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # Connections dropped by a restarted server or a proxy are replaced, not surfaced.
        return {"pool_pre_ping": True}
    return {}


def _instance_secret_key(instance: Path) -> str:
    """A key generated on first start and kept, so sessions survive restarts.

    Created with O_EXCL so that several workers starting together agree on one key.
    """
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another worker may still be writing it.
        for _ in range(50):
            if key := path.read_text().strip():
                return key
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty; delete it to generate a new key") from None
    with os.fdopen(descriptor, "w") as key_file:
        key_file.write(secrets.token_hex(32))
    return path.read_text().strip()
