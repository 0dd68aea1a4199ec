"""The Flask application factory."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

from apiflask import APIFlask
from flask import Flask

from deliberation import models  # noqa: F401  (registers the tables with SQLAlchemy)
from deliberation.cli import register_commands
from deliberation.db import configure_engine
from deliberation.recompute import start_embedded_worker
from web.api import SPEC_PATH, init_api
from web.console import init_console
from web.credentials import load_facilitator
from web.extensions import csrf, db, limiter, login_manager, migrate
from web.i18n import init_i18n
from web.participant import init_participant_pages
from web.polis_api import init_polis_api
from web.public import init_public_pages
from web.rate_limits import check_limit_settings
from web.report.cli import report_command
from web.security import init_security

# Safe defaults; the environment overrides them, and `create_app(config)` overrides both.
DEFAULTS: dict[str, Any] = {
    # Rate limits (Flask-Limiter syntax). Votes and statements count per participant, logins
    # per email; the per-address limit is off, as a venue's Wi-Fi or a load balancer makes
    # many people one address. Set it to a limit such as "600/minute" to turn it on.
    "MESA_RATE_LIMIT_VOTES": "120/minute",
    "MESA_RATE_LIMIT_STATEMENTS": "10/minute",
    "MESA_RATE_LIMIT_LOGIN": "10/minute",
    "MESA_RATE_LIMIT_PER_ADDRESS": False,
    # Where the limiter counts: memory (one process) or e.g. redis://host:6379 (shared).
    "RATELIMIT_STORAGE_URI": "memory://",
    # A fixed window lets twice a limit through around its boundary (90 joins at 0:59, 90 more
    # at 1:00); the sliding window counter weighs the previous window in, at two counters a key.
    "RATELIMIT_STRATEGY": "sliding-window-counter",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_HEADERS_ENABLED": True,
    "MESA_API_MAX_CONTENT_LENGTH": 64 * 1024,
    "SESSION_COOKIE_NAME": "mesa_session",
    "SESSION_COOKIE_SAMESITE": "Lax",
    # A console page's CSRF token lasts as long as its session, not an hour.
    "WTF_CSRF_TIME_LIMIT": None,
}
_LIMIT_VARIABLES = (
    "MESA_RATE_LIMIT_VOTES",
    "MESA_RATE_LIMIT_STATEMENTS",
    "MESA_RATE_LIMIT_LOGIN",
    "RATELIMIT_STORAGE_URI",
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build an app. `config` overrides the environment, which overrides the safe defaults.

    Environment: `DATABASE_URL` (PostgreSQL, e.g. postgresql+psycopg://user@host/mesa; the
    default is a SQLite file in the instance folder), `SECRET_KEY` (the default is a
    key generated once into instance/secret_key), and the rate limits and body size of
    `DEFAULTS` under the same names.
    """
    # APIFlask is Flask plus the OpenAPI document, generated from the API's views.
    app = APIFlask(
        __name__,
        title="Mesa API",
        version="1",
        spec_path=SPEC_PATH,
        docs_path=None,  # the interactive docs load scripts from a CDN: not under our CSP
        json_errors=False,  # JSON errors under /api only (web.api.errors)
        instance_relative_config=True,
    )
    app.config.from_mapping(DEFAULTS)
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

    check_limit_settings(app.config)
    init_security(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_facilitator)
    csrf.init_app(app)
    limiter.init_app(app)
    init_api(app)
    init_i18n(app)
    init_participant_pages(app)
    init_public_pages(app)
    init_console(app)
    init_polis_api(app)
    register_commands(app)
    app.cli.add_command(report_command)  # needs the report page's template: web's
    start_embedded_worker(app)
    return app


def _from_environment() -> dict[str, Any]:
    settings: dict[str, Any] = {}
    if url := os.environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = _with_psycopg_driver(url)
    if key := os.environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = key
    for name in _LIMIT_VARIABLES:
        if value := os.environ.get(name):
            settings[name] = value
    for switchable in ("MESA_RATE_LIMIT_PER_ADDRESS", "MESA_RATE_LIMIT_JOINS"):
        if (value := os.environ.get(switchable)) is not None:
            settings[switchable] = _limit_or_switch(value)
    if size := os.environ.get("MESA_API_MAX_CONTENT_LENGTH"):
        settings["MESA_API_MAX_CONTENT_LENGTH"] = int(size)
    return settings


def _limit_or_switch(value: str) -> str | bool:
    """Off for "false", "0", "off" or ""; on for "true", "1" or "on"; else the limit itself."""
    switch = value.strip().lower()
    if switch in ("", "0", "false", "off", "no"):
        return False
    if switch in ("1", "true", "on", "yes"):
        return True
    return value.strip()


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
