"""Flask extensions, created once here and bound to each app in `create_app`."""

from pathlib import Path

from flask_migrate import Migrate

from deliberation.db import db

# The repository's migrations/ folder, wherever the command is run from.
MIGRATIONS_DIRECTORY = str(Path(__file__).resolve().parent.parent / "migrations")

# Batch mode lets Alembic alter SQLite tables (it copies them, since SQLite cannot ALTER much).
migrate = Migrate(directory=MIGRATIONS_DIRECTORY, render_as_batch=True, compare_type=True)

__all__ = ["db", "migrate"]
