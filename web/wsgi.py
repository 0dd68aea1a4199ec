"""The WSGI entry point for gunicorn and other servers: `gunicorn web.wsgi:app`.

The same as `gunicorn 'web:create_app()'`, with the app built once per worker process from the
environment (DATABASE_URL, SECRET_KEY, MESA_* settings; see web.create_app). gunicorn.conf.py at
the repository root holds the server settings.
"""

from web import create_app

app = create_app()
