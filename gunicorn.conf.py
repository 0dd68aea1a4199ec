"""gunicorn settings for Mesa, read by `gunicorn` when started from the repository root.

    MESA_EMBEDDED_WORKER=0 gunicorn web.wsgi:app      # plus `flask --app web worker` beside it

Every setting can be overridden on the command line or through the environment variables
below. Measured on 2 cores with `make loadtest` (see README, "Load test").
"""

import multiprocessing
import os

bind = os.environ.get("MESA_BIND", "127.0.0.1:8000")

# Processes: the app is CPU-bound Python (each request holds the GIL for its whole duration
# except while it waits on the database), so one process per core plus one to cover the
# waits. More processes only add context switches and, on SQLite, writers queueing for the
# single write lock.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))

# gthread keeps client connections alive (the sync worker closes each one after one request,
# so every vote would pay a TCP handshake); a few threads per process overlap database waits.
worker_class = os.environ.get("MESA_GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("MESA_GUNICORN_THREADS", "4"))
keepalive = int(os.environ.get("MESA_GUNICORN_KEEPALIVE", "30"))

# A request never legitimately takes long; a worker stuck for this long is restarted.
timeout = int(os.environ.get("MESA_GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
# The app is built once in the master and forked: importing it (numpy, scipy, scikit-learn,
# numba) takes seconds of CPU, which on a busy machine can outlast `timeout` if every worker
# does it. Building it opens no database connection, and the embedded recompute worker starts
# its threads at each process's first request, so nothing is shared across the fork.
preload_app = True

accesslog = os.environ.get("MESA_GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("MESA_GUNICORN_LOGLEVEL", "warning")
