"""The Flask application factory."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

from flask import Flask

from deliberation import models  # noqa: F401  (registers the tables with SQLAlchemy)
from deliberation.db import configure_engine
from deliberation.recompute import start_embedded_worker
from web.api import SPEC_PATH, init_api
from web.application import MesaFlask
from web.commands import register_commands
from web.console import init_console
from web.credentials import load_facilitator
from web.extensions import csrf, db, limiter, login_manager, migrate
from web.figures import register as register_figures
from web.i18n import init_i18n
from web.participant import init_participant_pages
from web.polis_api import init_polis_api
from web.public import init_public_pages
from web.rate_limits import check_limit_settings
from web.request_guard import init_request_guard
from web.secret_keys import refuse_weak_secret_keys
from web.security import init_security
from web.settings import app_settings, settings_command
from web.static_assets import init_app as init_static_assets
from web.vote_budget import skip_limiter_for_self_limited_views

# Fixed choices, not settings: the operator's settings are web.settings.SETTINGS.
FIXED: dict[str, Any] = {
    "RATELIMIT_HEADERS_ENABLED": True,
    # A fixed window lets twice a limit through around its boundary (90 joins at 0:59, 90 more
    # at 1:00); the sliding window counter weighs the previous window in, at two counters a key.
    "RATELIMIT_STRATEGY": "sliding-window-counter",
    "SESSION_COOKIE_NAME": "mesa_session",
    "SESSION_COOKIE_SAMESITE": "Lax",
    # A console page's CSRF token lasts as long as its session, not an hour.
    "WTF_CSRF_TIME_LIMIT": None,
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build an app. `config` overrides the environment, which overrides the defaults.

    Every setting, its environment variable and its default are in web.settings.SETTINGS
    (`flask --app web settings` prints the effective values). Without `DATABASE_URL` the
    database is a SQLite file in the instance folder; without `SECRET_KEY` a key is generated
    once into instance/secret_key. Outside debug and tests a weak key refuses to start.
    """
    # APIFlask (Flask plus the OpenAPI document, generated from the API's views), tuned a little.
    app = MesaFlask(
        __name__,
        title="Mesa API",
        version="1",
        spec_path=SPEC_PATH,
        docs_path=None,  # the interactive docs load scripts from a CDN: not under our CSP
        json_errors=False,  # JSON errors under /api only (web.api.errors)
        instance_relative_config=True,
    )
    app.config.from_mapping(FIXED)
    app.config.from_mapping(app_settings())
    if config:
        app.config.update(config)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        database_path = Path(app.instance_path) / "mesa.sqlite3"
        database_path.parent.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database_path}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    refuse_weak_secret_keys(app)
    # No pool_pre_ping: deliberation.db.configure_engine pings idle connections only.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})

    db.init_app(app)
    migrate.init_app(app, db)
    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine)

    check_limit_settings(app.config)
    init_security(app)
    init_static_assets(app)
    init_request_guard(app)  # before the limiter: a malformed request is refused uncounted
    login_manager.init_app(app)
    login_manager.user_loader(load_facilitator)
    csrf.init_app(app)
    limiter.init_app(app)
    skip_limiter_for_self_limited_views(app)
    init_api(app)
    init_i18n(app)
    register_figures(app)
    init_participant_pages(app)
    init_public_pages(app)
    init_console(app)
    init_polis_api(app)
    register_commands(app)
    app.cli.add_command(settings_command)
    start_embedded_worker(app)
    return app


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
