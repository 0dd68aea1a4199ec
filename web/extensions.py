"""Flask extensions, created once here and bound to each app in `create_app`."""

from pathlib import Path

from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from deliberation.db import db
from web.rate_limits import address_key, per_address_exempt, per_address_limit

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

__all__ = ["csrf", "db", "limiter", "login_manager", "migrate"]
