"""The recompute loops: one pass (`run_once`), the long-running `Worker`, and its embedded start.

Each stage has its own thread, so a slow job (seconds to a minute of UMAP) never holds up the
fast stage. A loop survives anything a pass raises, database restarts included: it logs, backs
off and polls again. A conversation whose recompute fails is retried with its own back-off, so
one bad conversation neither stops the others nor burns the CPU.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable

from flask import Flask, current_app

from deliberation.db import db
from deliberation.models import MathKind
from deliberation.recompute.freshness import Debounce, fast_pending, slow_pending
from deliberation.recompute.leases import new_holder
from deliberation.recompute.runner import Runner, runner_of
from deliberation.recompute.settings import RecomputeSettings, embedded_worker_enabled
from deliberation.recompute.stages import Outcome, recompute
from deliberation.services.topics import refresh_stale_topics

log = logging.getLogger(__name__)

STAGES = {
    "fast": (MathKind.FAST,),
    "slow": (MathKind.SLOW,),
    "both": (MathKind.FAST, MathKind.SLOW),
}
MAX_BACKOFF_S = 60.0
EXTENSION_KEY = "mesa.recompute_worker"
# Longest a stale topic waits for the slow loop to look (a new subcommittee, an erased
# statement: changes that start no slow recompute of their own).
TOPICS_SCAN_S = 10.0


class TopicsScan:
    """When the slow loop looks for stale topics: right after it computed a slow result (the
    statements may have changed: every statement change starts a fast, then a slow recompute),
    else once every TOPICS_SCAN_S, not on every poll (four a second by default)."""

    def __init__(self, interval_s: float = TOPICS_SCAN_S):
        self.interval_s = interval_s
        self._next = 0.0

    def due(self, computed: bool) -> bool:
        now = time.monotonic()
        if computed or now >= self._next:
            self._next = now + self.interval_s
            return True
        return False


def run_once(
    stage: str | MathKind = "both",
    *,
    debounce: Debounce | None = None,
    holder: str | None = None,
    skip: Iterable[str] = (),
    runner: Runner | None = None,
    topics_scan: TopicsScan | None = None,
) -> list[Outcome]:
    """Recompute every conversation whose inputs changed since its newest result of `stage`
    ("fast", "slow" or "both": fast first, so slow follows the new fast results).

    Without a `debounce` (the CLI's --once, tests) changes are recomputed at once; the fast
    loop passes its own, to wait out MESA_RECOMPUTE_DEBOUNCE_S. A failing conversation is
    logged and reported as `failed`; the others still run. `skip` names conversations (public
    ids) to leave alone this time. `runner` calls the computations (default: the app's,
    `recompute.runner`). The slow stage then refreshes stale topics (`runner.topics`), when
    `topics_scan` says it is due (without one, every time). Needs an app context.
    """
    settings = RecomputeSettings.from_config(current_app.config)
    runner = runner or runner_of(current_app)
    holder = holder or new_holder()
    skipped = set(skip)
    outcomes = []
    for kind in STAGES[str(stage)]:
        if kind is MathKind.FAST:
            pending = fast_pending(debounce)
        else:
            pending = slow_pending()
        db.session.rollback()  # no read transaction left open while computing
        for conversation in pending:
            if not conversation.due or conversation.conversation_id in skipped:
                continue
            try:
                outcomes.append(recompute(conversation, kind, holder, settings, runner))
            except Exception:
                db.session.rollback()
                log.exception("%s recompute of %s failed", kind, conversation.conversation_id)
                outcomes.append(Outcome(conversation.conversation_id, kind, "failed"))
        if kind is MathKind.SLOW:
            # Topics follow statements, not votes; seconds of work, so in the slow loop, and
            # computed in the child process like the slow stage.
            computed = any(o.status == "computed" for o in outcomes if o.stage is kind)
            if topics_scan is None or topics_scan.due(computed):
                refresh_stale_topics(runner.topics)
    return outcomes


class Worker:
    """The recompute of one process: a daemon thread per stage, until `stop`. `runner` calls
    the computations (default: the app's, `recompute.runner`)."""

    def __init__(
        self,
        app: Flask,
        stage: str = "both",
        holder: str | None = None,
        runner: Runner | None = None,
    ):
        self.app = app
        self.holder = holder or new_holder()
        self.runner = runner or runner_of(app)
        self._stages = STAGES[stage]
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.pid = os.getpid()

    def start(self) -> Worker:
        for kind in self._stages:
            thread = threading.Thread(
                target=self._loop, args=(kind,), name=f"mesa-recompute-{kind}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        log.info("recompute worker %s started (%s)", self.holder, ", ".join(self._stages))
        return self

    def stop(self, timeout: float | None = 30.0) -> None:
        """Ask the loops to stop and wait for them (a running computation finishes first)."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def wait(self) -> None:
        """Block until `stop` is called (by a signal handler, say); for `flask worker`."""
        while not self._stopping.wait(1.0):  # a timeout keeps Ctrl-C working
            pass

    def _loop(self, stage: MathKind) -> None:
        settings = RecomputeSettings.from_config(self.app.config)
        debounce = Debounce(settings)
        topics_scan = TopicsScan()
        failures = 0
        retry_at: dict[str, tuple[int, float]] = {}  # conversation id -> (failures, when)
        while not self._stopping.is_set():
            try:
                with self.app.app_context():
                    try:
                        now = time.monotonic()
                        outcomes = run_once(
                            stage,
                            debounce=debounce,
                            holder=self.holder,
                            skip=[cid for cid, (_, when) in retry_at.items() if when > now],
                            runner=self.runner,
                            topics_scan=topics_scan,
                        )
                        _note_failures(outcomes, retry_at, settings)
                    finally:
                        db.session.remove()
                failures, pause = 0, settings.poll_s
            except Exception:
                failures += 1
                pause = _backoff(settings, failures)
                log.exception("%s recompute pass failed; next try in %.1f s", stage, pause)
            self._stopping.wait(pause)


def _note_failures(outcomes: list[Outcome], retry_at: dict, settings: RecomputeSettings) -> None:
    """Back off per conversation: a failed one waits 2, 4, 8 ... polls, a success resets it."""
    for outcome in outcomes:
        if outcome.status == "failed":
            count = retry_at.get(outcome.conversation_id, (0, 0.0))[0] + 1
            retry_at[outcome.conversation_id] = (
                count,
                time.monotonic() + _backoff(settings, count),
            )
        elif outcome.status == "computed":
            retry_at.pop(outcome.conversation_id, None)


def _backoff(settings: RecomputeSettings, failures: int) -> float:
    return min(max(settings.poll_s, 0.5) * 2**failures, MAX_BACKOFF_S)


def start_embedded_worker(app: Flask) -> None:
    """Run the recompute inside the web process when MESA_EMBEDDED_WORKER is on (the default,
    except under TESTING).

    The threads start with the process's first request rather than here: create_app also runs
    for CLI commands (`flask db upgrade` must not start computing), and servers that fork after
    loading the app would lose threads started before the fork.
    """
    enabled = embedded_worker_enabled(app.config)
    app.config["MESA_EMBEDDED_WORKER"] = enabled
    if not enabled:
        return
    starting = threading.Lock()

    def start_once_per_process() -> None:
        worker = app.extensions.get(EXTENSION_KEY)
        if worker is not None and worker.pid == os.getpid():
            return
        with starting:
            worker = app.extensions.get(EXTENSION_KEY)
            if worker is None or worker.pid != os.getpid():
                app.extensions[EXTENSION_KEY] = Worker(app).start()

    app.before_request(start_once_per_process)
