"""The WSGI entry point for gunicorn and other servers: `gunicorn web.wsgi:app`.

The same as `gunicorn 'web:create_app()'`, with the app built once (gunicorn.conf.py preloads it
before forking) from the environment: every setting of web.settings.SETTINGS, read the same way
as by `flask --app web ...`. gunicorn.conf.py at the repository root holds the server settings.
"""

from web import create_app

app = create_app()
