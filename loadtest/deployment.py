"""A Mesa deployment on loopback for load and fault runs: gunicorn plus a recompute worker.

`Deployment` owns a working folder, a database (a fresh SQLite file in that folder, or a given
PostgreSQL database, which is wiped and migrated), and two kinds of child process started as an
operator would start them: `gunicorn web.wsgi:app` (settings in gunicorn.conf.py) with the
embedded worker off, and `flask --app web worker`. Each can be killed and started again, which
is what the fault tests do. Their output goes to `server.log` and `worker.log` in the folder.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from loadtest.stats import process_cpu_seconds

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
READY_TIMEOUT_S = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Deployment:
    """One database, one gunicorn server and one recompute worker, all on 127.0.0.1.

    `database_url` None: a SQLite file in the working folder. A PostgreSQL URL: that database's
    `public` schema is dropped and migrated again, so give it a throwaway one. `env` adds
    settings for every child process (e.g. MESA_RECOMPUTE_LEASE_S, MESA_RATE_LIMIT_VOTES).
    `worker_stage` is the worker's --stage: "fast" by default, the recompute that new votes
    trigger; "both" adds the slow UMAP map, which on 2 cores competes with the web workers.
    `wsgi_app` is what gunicorn serves (`python -m loadtest.floor` serves a bare stand-in), with
    the settings of `gunicorn_config` (the repository's gunicorn.conf.py by default).
    """

    def __init__(
        self,
        database_url: str | None = None,
        *,
        web_workers: int | None = None,
        worker_stage: str = "fast",
        env: dict[str, str] | None = None,
        workdir: Path | None = None,
        wsgi_app: str = "web.wsgi:app",
        gunicorn_config: Path = REPO / "gunicorn.conf.py",
    ):
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="mesa-load-"))
        self.database_url = database_url or f"sqlite:///{self.workdir / 'mesa.sqlite3'}"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        # gunicorn.conf.py's default, written out so that the processes can be counted.
        self.web_workers = web_workers or 2 * (os.cpu_count() or 1) + 1
        self.worker_stage = worker_stage
        self.wsgi_app = wsgi_app
        self.gunicorn_config = gunicorn_config
        self.server: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        # Other processes whose CPU a load run reports (a shared Redis, say): name -> pids.
        self.also_watched: dict[str, list[int]] = {}
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": secrets.token_hex(32),
            "MESA_EMBEDDED_WORKER": "0",
            "MESA_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(self.web_workers),
            # Load runs use many participants, each far below their limits: per-process
            # memory:// counting is accepted here explicitly (web.rate_limits).
            "MESA_RATE_LIMITS_PER_PROCESS": "1",
            "PYTHONUNBUFFERED": "1",
            # The simulated crowd joins from 127.0.0.1: one address, thousands of people.
            "MESA_RATE_LIMIT_JOINS": "off",
            **(env or {}),
        }

    @property
    def backend(self) -> str:
        return "postgresql" if self.database_url.startswith("postgresql") else "sqlite"

    # -- the database --------------------------------------------------------------------

    def prepare_database(self) -> None:
        """An empty database migrated to head (PostgreSQL: the schema is wiped first)."""
        from loadtest.seeding import migrate_fresh

        migrate_fresh(self.database_url)

    # -- the server ----------------------------------------------------------------------

    def start_server(self) -> None:
        """Start gunicorn and wait until every web worker answers and has settled."""
        if self.server is not None and self.server.poll() is None:
            raise RuntimeError("the server is already running")
        self.server = self._spawn(
            [str(VENV_BIN / "gunicorn"), "-c", str(self.gunicorn_config), self.wsgi_app],
            "server.log",
        )
        self._wait_until_serving()

    def kill_server(self, sig: int = signal.SIGKILL) -> None:
        """Kill the master and its workers at once (SIGKILL: no graceful shutdown at all)."""
        self._kill(self.server, sig)

    def server_pids(self) -> list[int]:
        if self.server is None or self.server.poll() is not None:
            return []
        master = psutil.Process(self.server.pid)
        return [self.server.pid, *(child.pid for child in master.children())]

    def watched_processes(self) -> dict[str, list[int]]:
        """The server's and the worker's process ids, for the generator to read their CPU."""
        worker = [self.worker.pid] if self.worker is not None and self.worker.poll() is None else []
        return {"server": self.server_pids(), "worker": worker, **self.also_watched}

    # -- the recompute worker ------------------------------------------------------------

    def start_worker(self) -> None:
        if self.worker is not None and self.worker.poll() is None:
            raise RuntimeError("the worker is already running")
        self.worker = self._spawn(
            [str(VENV_BIN / "flask"), "--app", "web", "worker", "--stage", self.worker_stage],
            "worker.log",
        )

    def kill_worker(self, sig: int = signal.SIGKILL) -> None:
        self._kill(self.worker, sig)

    # -- the whole -------------------------------------------------------------------------

    def start(self) -> Deployment:
        self.prepare_database()
        self.start_server()
        self.start_worker()
        return self

    def stop(self) -> None:
        for process in (self.worker, self.server):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (self.worker, self.server):
            if process is None:
                continue
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._kill(process, signal.SIGKILL)
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Deployment:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_exc) -> None:
        self.stop()

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.workdir / name
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def logged_failures(self, name: str, limit: int = 3) -> list[str]:
        """The first `limit` tracebacks a process logged: what a 500 or a crash was."""
        path = self.workdir / name
        if not path.exists():
            return []
        lines = path.read_text(errors="replace").splitlines()
        starts = [n for n, line in enumerate(lines) if line.startswith("Traceback")][:limit]
        failures = []
        for start in starts:
            end = start + 1
            while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end]):
                end += 1
            failures.append("\n".join(lines[max(0, start - 2) : end + 1]))
        return failures

    # -- helpers ---------------------------------------------------------------------------

    def _spawn(self, command: list[str], log_name: str) -> subprocess.Popen:
        log = open(self.workdir / log_name, "ab")  # noqa: SIM115 - the child keeps it open
        try:
            return subprocess.Popen(
                command,
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # signals to the group reach gunicorn's workers too
            )
        finally:
            log.close()

    def _kill(self, process: subprocess.Popen | None, sig: int) -> None:
        if process is None or process.poll() is not None:
            return
        group = _process_tree(process.pid)
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        process.wait(timeout=30)
        _wait_until_gone(group)

    def _wait_until_serving(self) -> None:
        """Every gunicorn worker booted (it imports numpy and friends) and the CPU quiet."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_tail('server.log')}")
            if _answers(self.base_url) and len(self.server_pids()) == self.web_workers + 1:
                _wait_until_quiet(self.server_pids(), deadline)
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not come up:\n{self.log_tail('server.log')}")


def _answers(base_url: str) -> bool:
    """Any HTTP answer from the API (a JSON 404 here) means a worker is serving."""
    try:
        with urllib.request.urlopen(f"{base_url}/api/v1/ready", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _wait_until_quiet(pids: list[int], deadline: float) -> None:
    """Until the processes use under a fifth of a core: workers still starting would steal
    CPU from the first seconds of a measured run."""
    while time.monotonic() < deadline:
        before = process_cpu_seconds(pids)
        time.sleep(0.5)
        if process_cpu_seconds(pids) - before < 0.1:
            return


def _process_tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _wait_until_gone(processes: list[psutil.Process], timeout: float = 15.0) -> None:
    """Until none of `processes` runs (a killed master's workers are orphans, maybe zombies)."""
    deadline = time.monotonic() + timeout
    for process in processes:
        while time.monotonic() < deadline:
            try:
                if process.status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.NoSuchProcess:
                break
            time.sleep(0.05)


@contextmanager
def deployment(database_url: str | None = None, **options) -> Iterator[Deployment]:
    """A started deployment, stopped and cleaned up on the way out."""
    with Deployment(database_url, **options) as running:
        yield running
