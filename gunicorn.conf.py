"""gunicorn settings for Mesa, read by `gunicorn` when started from the repository root.

    MESA_EMBEDDED_WORKER=0 gunicorn web.wsgi:app      # plus `flask --app web worker` beside it

Every setting can be overridden on the command line or through the environment variables
below, which are rows of web.settings.SETTINGS (types and defaults there). Measured on 2 cores
with `make loadtest` (see README, "Load test").
"""

from web.settings import server_setting

bind = server_setting("MESA_BIND")

# One thread per process, and two processes per core plus one. The app is CPU-bound Python: a
# thread holds the GIL for its whole request except while it waits on the database, and when
# it comes back from such a wait it queues for the GIL behind its siblings, about 5 ms each
# time (a vote makes about 7 round trips). Threads therefore stretch the latency tail; spare
# processes overlap the database waits instead. Measured with `python -m loadtest --rate R
# --duration 20 --no-search` on 2 cores, p99 vote latency: SQLite at 125 votes/s, 3 processes
# of 4 threads 180-346 ms, 4 of 1 thread 71 ms; at 150 votes/s, 5 of 1 thread 93 ms;
# PostgreSQL at 90 votes/s, 3 of 4 threads 240 ms, 5 of 1 thread 88 ms.
workers = server_setting("WEB_CONCURRENCY")

# gthread keeps client connections alive (the sync worker closes each one after one request,
# so every vote would pay a TCP handshake); its poller runs beside the one request thread.
worker_class = server_setting("MESA_GUNICORN_WORKER_CLASS")
threads = server_setting("MESA_GUNICORN_THREADS")
keepalive = server_setting("MESA_GUNICORN_KEEPALIVE")

# A request never legitimately takes long; a worker stuck for this long is restarted.
timeout = server_setting("MESA_GUNICORN_TIMEOUT")
graceful_timeout = 10
# The app is built once in the master and forked: importing it (numpy, scipy, scikit-learn,
# numba) takes seconds of CPU, which on a busy machine can outlast `timeout` if every worker
# does it. Building it opens no database connection, and the embedded recompute worker starts
# its threads at each process's first request, so nothing is shared across the fork.
preload_app = True

accesslog = server_setting("MESA_GUNICORN_ACCESSLOG")
errorlog = "-"
loglevel = server_setting("MESA_GUNICORN_LOGLEVEL")


def on_starting(server):
    """Refuse to serve with rate limits counted per process (web.rate_limits says why)."""
    from web.rate_limits import refuse_per_process_limits

    refuse_per_process_limits(server.app.wsgi().config, server.cfg.workers)
