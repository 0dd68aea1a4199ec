"""Flask extensions, created once here and bound to each app in `create_app`."""

from pathlib import Path

from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from deliberation.db import db
from web import limit_storage  # noqa: F401  (memory:// is SweptMemoryStorage from here on)
from web.rate_limits import (
    JOINS_SCOPE,
    LOGIN_ADDRESS_SCOPE,
    LOGIN_SCOPE,
    address_key,
    join_key,
    joins_exempt,
    joins_limit,
    login_address_limit,
    login_failed,
    login_key,
    login_limit,
    per_address_exempt,
    per_address_limit,
)

# The repository's migrations/ folder, wherever the command is run from.
MIGRATIONS_DIRECTORY = str(Path(__file__).resolve().parent.parent / "migrations")

# Batch mode lets Alembic alter SQLite tables (it copies them, since SQLite cannot ALTER much).
migrate = Migrate(directory=MIGRATIONS_DIRECTORY, render_as_batch=True, compare_type=True)

# Facilitators' console sessions. Participants never log in: they hold a participant token.
login_manager = LoginManager()

# Form and header CSRF checks for cookie-authenticated writes. The JSON API checks its own
# requests (web.api.auth), since bearer-token calls need none.
csrf = CSRFProtect()

# Routes add their own limits (per participant, per login); the default limit is the optional
# per-address one, off unless MESA_RATE_LIMIT_PER_ADDRESS is set.
limiter = Limiter(
    key_func=address_key,
    default_limits=[per_address_limit],
    default_limits_exempt_when=per_address_exempt,
)


def limit_joins(on_breach=None):
    """The join limit (web.rate_limits, MESA_RATE_LIMIT_JOINS): one budget per address and
    conversation, shared by the page's join and the API's. `on_breach` may answer a refusal
    with a page of its own."""
    return limiter.shared_limit(
        joins_limit,
        scope=JOINS_SCOPE,
        key_func=join_key,
        exempt_when=joins_exempt,
        override_defaults=False,
        on_breach=on_breach,
    )


def limit_logins(exempt_when=None):
    """The two login limits (web.rate_limits), shared by the console's form and the API: failed
    attempts per email and address, and per address across accounts. Only failures count."""
    per_email = limiter.shared_limit(
        login_limit,
        scope=LOGIN_SCOPE,
        key_func=login_key,
        exempt_when=exempt_when,
        override_defaults=False,
        deduct_when=login_failed,
    )
    per_address = limiter.shared_limit(
        login_address_limit,
        scope=LOGIN_ADDRESS_SCOPE,
        key_func=address_key,
        exempt_when=exempt_when,
        override_defaults=False,
        deduct_when=login_failed,
    )
    return lambda view: per_email(per_address(view))


__all__ = ["csrf", "db", "limit_joins", "limit_logins", "limiter", "login_manager", "migrate"]
