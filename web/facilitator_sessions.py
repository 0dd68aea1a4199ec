"""Console sessions: starting one, ending every one of a person, and how long an idle one lives.

A session cookie is signed, not stored, so a copy of it (from a shared laptop, a proxy log)
would open the console until it expired. Two things end it sooner:

- the facilitator's session version (`Facilitator.get_id`), which Flask-Login's user loader
  (`web.credentials.load_facilitator`) compares with the account's: logging out and changing
  the password raise it, so every session of that person ends, on every device;
- the idle lifetime: sessions are "permanent" in Flask's sense, so each request re-signs the
  cookie with a fresh time, and a cookie not used for `MESA_CONSOLE_IDLE_SECONDS` (default 30
  minutes: a venue laptop left open at the end of a session) is refused by its signature's
  age, and forgotten by the browser. The projected map polls, which keeps its session alive.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, g, session
from flask_login import login_user, logout_user

from deliberation import services
from deliberation.models import Facilitator

DEFAULT_IDLE_SECONDS = 30 * 60


def idle_lifetime(config: Any) -> timedelta:
    return timedelta(seconds=int(config["MESA_CONSOLE_IDLE_SECONDS"]))


def start_session(facilitator: Facilitator) -> None:
    """Log in on this browser. Nothing from before survives it, the CSRF token included."""
    session.clear()
    session.permanent = True
    login_user(facilitator)
    g.login_succeeded = True  # a success spends no failed-login budget (web.rate_limits)


def end_every_session(facilitator_id: int) -> None:
    """Log out here and on every other device."""
    services.end_facilitator_sessions(facilitator_id)
    logout_user()
    session.clear()


def renew_session(facilitator_id: int) -> None:
    """After a password change: the old sessions have ended; this browser gets a new one."""
    start_session(services.get_facilitator(facilitator_id))


def init_sessions(app: Flask) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = idle_lifetime(app.config)
