"""gunicorn settings for Mesa, read by `gunicorn` when started from the repository root.

    MESA_EMBEDDED_WORKER=0 gunicorn web.wsgi:app      # plus `flask --app web worker` beside it

Every setting can be overridden on the command line or through the environment variables
below. Measured on 2 cores with `make loadtest` (see README, "Load test").
"""

import multiprocessing
import os

bind = os.environ.get("MESA_BIND", "127.0.0.1:8000")

# One thread per process, and two processes per core plus one. The app is CPU-bound Python: a
# thread holds the GIL for its whole request except while it waits on the database, and when
# it comes back from such a wait it queues for the GIL behind its siblings, about 5 ms each
# time (a vote makes about 7 round trips). Threads therefore stretch the latency tail; spare
# processes overlap the database waits instead. Measured with `python -m loadtest --rate R
# --duration 20 --no-search` on 2 cores, p99 vote latency: SQLite at 125 votes/s, 3 processes
# of 4 threads 180-346 ms, 4 of 1 thread 71 ms; at 150 votes/s, 5 of 1 thread 93 ms;
# PostgreSQL at 90 votes/s, 3 of 4 threads 240 ms, 5 of 1 thread 88 ms.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))

# gthread keeps client connections alive (the sync worker closes each one after one request,
# so every vote would pay a TCP handshake); its poller runs beside the one request thread.
worker_class = os.environ.get("MESA_GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("MESA_GUNICORN_THREADS", "1"))
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
