"""Every setting an operator can give Mesa, in one table, and the one reader of the environment.

A row names the environment variable, its type, its default, one line of meaning, and whether
its value is a secret. `create_app` applies the table: the defaults, then the environment, then
the config it was given (tests). The rest of the code reads `app.config` only, so a setting
behaves the same under `flask run`, `flask --app web worker` and `gunicorn web.wsgi:app`.
Server rows (`server=True`) are read by gunicorn.conf.py through `server_setting`.

Adding a setting is adding a row to `SETTINGS`; the README's table is `flask --app web settings
--markdown`, and tests/web/test_settings.py checks that the README and the table agree.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from deliberation.recompute.analyses import DEFAULT_AGENDA_PARAMS
from deliberation.recompute.settings import RecomputeSettings
from deliberation.services import (
    DEFAULT_MIN_SECTOR_CELL,
    DEFAULT_PASSWORD_HASH_METHOD,
    DEFAULT_XID_SIGNATURE_MAX_AGE,
)
from web.facilitator_sessions import DEFAULT_IDLE_SECONDS
from web.rate_limits import DEFAULT_JOIN_LIMIT, DEFAULT_LOGIN_PER_ADDRESS_LIMIT
from web.request_guard import DEFAULT_MAX_CONTENT_LENGTH
from web.setting_types import (
    DATABASE_URL,
    FLAG,
    KEY_LIST,
    LIMIT_OR_SWITCH,
    RATE_LIMIT,
    SECONDS,
    TEXT,
    URL,
    WHOLE_NUMBER,
    Kind,
)


@dataclass(frozen=True)
class Setting:
    """One row. `default` may be a function (computed when read) or None (decided at start,
    as `default_text` says); `config_key` is where the app keeps it, the name by default."""

    name: str
    kind: Kind
    default: Any
    meaning: str
    secret: bool = False
    server: bool = False
    config_key: str | None = None
    default_text: str | None = None

    @property
    def key(self) -> str:
        return self.config_key or self.name

    def default_value(self) -> Any:
        return self.default() if callable(self.default) else self.default

    def read(self, environ: Mapping[str, str]) -> Any:
        """The environment's value, parsed; the default when the variable is unset or empty."""
        text = environ.get(self.name)
        if text is None or (text.strip() == "" and self.kind is not LIMIT_OR_SWITCH):
            return self.default_value()
        try:
            return self.kind.parse(text)
        except ValueError as problem:
            raise ValueError(
                f"{self.name}={text!r} is not a valid {self.kind.name}: {problem}"
            ) from None

    def shown(self, value: Any) -> str:
        """The value as `flask --app web settings` prints it: secrets never."""
        if value is None or value == [] or value == "":
            return "(not set)"
        if self.secret:
            return "(set, hidden)"
        return self.kind.show(value)

    def documented_default(self) -> str:
        if self.default_text is not None:
            return self.default_text
        value = self.default_value()
        return "(not set)" if value in (None, [], "") else self.kind.show(value)


def _default_processes() -> int:
    return 2 * multiprocessing.cpu_count() + 1


_RECOMPUTE = RecomputeSettings()
_AGENDA = DEFAULT_AGENDA_PARAMS

SETTINGS: tuple[Setting, ...] = (
    # -- the database and keys ----------------------------------------------------------------
    Setting(
        "DATABASE_URL",
        DATABASE_URL,
        None,
        "the database, e.g. postgresql+psycopg://user:pw@host/mesa (password hidden when printed)",
        config_key="SQLALCHEMY_DATABASE_URI",
        default_text="SQLite file instance/mesa.sqlite3",
    ),
    Setting(
        "SECRET_KEY",
        TEXT,
        None,
        "signs sessions and tokens; 32+ characters outside debug and tests (web.secret_keys)",
        secret=True,
        default_text="generated once into instance/secret_key",
    ),
    Setting(
        "SECRET_KEY_FALLBACKS",
        KEY_LIST,
        [],
        "former keys still accepted while tokens signed with them are re-issued",
        secret=True,
    ),
    Setting(
        "PASSWORD_HASH_METHOD",
        TEXT,
        DEFAULT_PASSWORD_HASH_METHOD,
        "Werkzeug's hash for facilitators' passwords",
    ),
    # -- addresses and embedding ----------------------------------------------------------------
    Setting(
        "MESA_PUBLIC_URL",
        URL,
        None,
        "the public address (https://mesa.example.org) for participant links and QR codes",
        default_text="(not set: the request's Host)",
    ),
    Setting(
        "MESA_EMBED_FRAME_ANCESTORS",
        TEXT,
        "*",
        "the sites allowed to frame /embed pages (CSP frame-ancestors)",
    ),
    Setting(
        "MESA_PROXY_HOPS",
        WHOLE_NUMBER,
        0,
        "proxies in front whose X-Forwarded-* headers are trusted (1 behind one TLS proxy)",
    ),
    Setting(
        "SESSION_COOKIE_SECURE",
        FLAG,
        False,
        "mark cookies Secure even on plain-HTTP requests (they always are on HTTPS)",
    ),
    Setting(
        "MESA_API_MAX_CONTENT_LENGTH", WHOLE_NUMBER, 64 * 1024, "largest JSON API body, in bytes"
    ),
    # -- rate limits ----------------------------------------------------------------------------
    Setting("MESA_RATE_LIMIT_VOTES", RATE_LIMIT, "120/minute", "votes per participant"),
    Setting("MESA_RATE_LIMIT_STATEMENTS", RATE_LIMIT, "10/minute", "statements per participant"),
    Setting(
        "MESA_RATE_LIMIT_LOGIN",
        RATE_LIMIT,
        "10/minute",
        "failed login attempts per email and client address",
    ),
    Setting(
        "MESA_RATE_LIMIT_LOGIN_PER_ADDRESS",
        RATE_LIMIT,
        DEFAULT_LOGIN_PER_ADDRESS_LIMIT,
        "failed login attempts from one client address, across every account",
    ),
    Setting(
        "MESA_RATE_LIMIT_JOINS",
        LIMIT_OR_SWITCH,
        DEFAULT_JOIN_LIMIT,
        "joins per client address and conversation in link mode (a venue of 300 behind one "
        "Wi-Fi passes); false turns it off",
    ),
    Setting(
        "MESA_CONSOLE_IDLE_SECONDS",
        WHOLE_NUMBER,
        DEFAULT_IDLE_SECONDS,
        "a console session unused this long ends (a shared venue laptop)",
    ),
    Setting(
        "MESA_MAX_CONTENT_LENGTH",
        WHOLE_NUMBER,
        DEFAULT_MAX_CONTENT_LENGTH,
        "largest request body, in bytes, of a route with no cap of its own",
    ),
    Setting(
        "MESA_XID_SIGNATURE_MAX_AGE",
        WHOLE_NUMBER,
        DEFAULT_XID_SIGNATURE_MAX_AGE,
        "furthest ahead, in seconds, an embedding site's xid signature may expire",
    ),
    Setting(
        "MESA_RATE_LIMIT_PER_ADDRESS",
        LIMIT_OR_SWITCH,
        False,
        "requests per client address (true: 600/minute); off, as a venue's Wi-Fi is one address",
    ),
    Setting(
        "RATELIMIT_STORAGE_URI",
        URL,
        "memory://",
        "where limits are counted: memory:// (one process) or redis://host:6379/0 (shared)",
    ),
    Setting(
        "MESA_RATE_LIMITS_PER_PROCESS",
        FLAG,
        False,
        "accept memory:// limits under several gunicorn processes (each counts alone)",
    ),
    Setting("RATELIMIT_ENABLED", FLAG, True, "rate limiting at all (only benchmarks turn it off)"),
    # -- the recompute worker -------------------------------------------------------------------
    Setting(
        "MESA_EMBEDDED_WORKER",
        FLAG,
        None,
        "run the recompute worker inside each web process",
        default_text="true (false under TESTING)",
    ),
    Setting(
        "MESA_RECOMPUTE_DEBOUNCE_S",
        SECONDS,
        _RECOMPUTE.debounce_s,
        "quiet time before a conversation's groups are recomputed",
    ),
    Setting(
        "MESA_RECOMPUTE_MAX_WAIT_S",
        SECONDS,
        _RECOMPUTE.max_wait_s,
        "longest wait after a change, however busy the conversation",
    ),
    Setting(
        "MESA_RECOMPUTE_POLL_S", SECONDS, _RECOMPUTE.poll_s, "how often a worker looks for work"
    ),
    Setting(
        "MESA_RECOMPUTE_LEASE_S",
        SECONDS,
        _RECOMPUTE.lease_s,
        "a lease not renewed for this long is free for another worker",
    ),
    Setting(
        "MESA_AGENDA_RESAMPLES",
        WHOLE_NUMBER,
        _AGENDA.resamples,
        "bootstrap resamples of the agenda's intervals (fewer: faster, wider)",
    ),
    Setting(
        "MESA_AGENDA_STABILITY_RESAMPLES",
        WHOLE_NUMBER,
        _AGENDA.stability_resamples,
        "resamples of the groups' stability check",
    ),
    # -- privacy and the demo -------------------------------------------------------------------
    Setting(
        "MESA_MIN_SECTOR_CELL",
        WHOLE_NUMBER,
        DEFAULT_MIN_SECTOR_CELL,
        "smallest sector cell whose figures are shown",
    ),
    Setting(
        "MESA_DEMO_PASSWORD",
        TEXT,
        None,
        "password of demo@mesa.local for `flask load-demo`",
        secret=True,
        default_text="(generated and printed once)",
    ),
    # -- the gunicorn server (gunicorn.conf.py) ---------------------------------------------------
    Setting(
        "MESA_BIND", TEXT, "127.0.0.1:8000", "address and port gunicorn listens on", server=True
    ),
    Setting(
        "WEB_CONCURRENCY",
        WHOLE_NUMBER,
        _default_processes,
        "gunicorn processes",
        server=True,
        default_text="2 × CPUs + 1",
    ),
    Setting("MESA_GUNICORN_WORKER_CLASS", TEXT, "gthread", "gunicorn worker class", server=True),
    Setting("MESA_GUNICORN_THREADS", WHOLE_NUMBER, 1, "threads per gunicorn process", server=True),
    Setting(
        "MESA_GUNICORN_KEEPALIVE",
        WHOLE_NUMBER,
        30,
        "seconds an idle client connection is kept",
        server=True,
    ),
    Setting(
        "MESA_GUNICORN_TIMEOUT",
        WHOLE_NUMBER,
        30,
        "seconds before a stuck gunicorn process is restarted",
        server=True,
    ),
    Setting(
        "MESA_GUNICORN_ACCESSLOG",
        TEXT,
        None,
        "access log file, or - for standard output (holds client addresses)",
        server=True,
    ),
    Setting("MESA_GUNICORN_LOGLEVEL", TEXT, "warning", "gunicorn's log level", server=True),
)

BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}


def app_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The app's settings: each row's default, or its value in the environment; by config key."""
    environ = os.environ if environ is None else environ
    return {setting.key: setting.read(environ) for setting in SETTINGS if not setting.server}


def server_setting(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """One server row's value, for gunicorn.conf.py."""
    return BY_NAME[name].read(os.environ if environ is None else environ)


def effective(config: Mapping[str, Any]) -> Iterable[tuple[Setting, str]]:
    """Each row with its value as printed: the app's config for app rows, the environment for
    the server's (gunicorn reads them when it starts)."""
    for setting in SETTINGS:
        value = server_setting(setting.name) if setting.server else config.get(setting.key)
        yield setting, setting.shown(value)


def markdown_table() -> str:
    """The README's table of settings."""
    lines = [
        "| setting | type | default | meaning | secret |",
        "| --- | --- | --- | --- | --- |",
    ]
    for setting in SETTINGS:
        where = " (gunicorn)" if setting.server else ""
        lines.append(
            f"| `{setting.name}` | {setting.kind.name} | {setting.documented_default()} "
            f"| {setting.meaning}{where} | {'yes' if setting.secret else 'no'} |"
        )
    return "\n".join(lines)


@click.command("settings")
@click.option("--markdown", is_flag=True, help="Print the table of settings for the README.")
@with_appcontext
def settings_command(markdown: bool) -> None:
    """Print every setting's effective value (secrets masked), or the README's table."""
    if markdown:
        click.echo(markdown_table())
        return
    width = max(len(setting.name) for setting in SETTINGS)
    for setting, shown in effective(current_app.config):
        click.echo(f"{setting.name:<{width}}  {shown}")
