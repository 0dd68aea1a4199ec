"""The background recompute: fresh opinion groups after new votes, then the slower analyses.

    freshness  which conversations changed since their newest result (watermarks, debounce)
    leases     one worker per conversation and stage at a time, taken over when a holder dies
    stages     one recompute: lease, read, compute with clustering.pipeline, store
    runner     where each stage's computation runs (the seam tests and benchmarks use)
    child      the slow stage's computation, in a child process (UMAP holds the GIL)
    worker     the loops (`run_once`, `Worker`), and the embedded start in the web process
    cold       recompute from scratch and compare canonical JSON, for reproducibility

`flask --app web worker [--once] [--stage fast|slow|both]` (web.commands.worker) runs the
loops as a process of their own.

Configuration (the app's config; web.settings): MESA_EMBEDDED_WORKER, MESA_RECOMPUTE_DEBOUNCE_S,
MESA_RECOMPUTE_MAX_WAIT_S, MESA_RECOMPUTE_POLL_S, MESA_RECOMPUTE_LEASE_S (recompute.settings).
"""

from deliberation.recompute.cold import canonical_json, recompute_cold
from deliberation.recompute.runner import Runner, run_here, use_runner
from deliberation.recompute.settings import RecomputeSettings
from deliberation.recompute.stages import Outcome
from deliberation.recompute.worker import Worker, run_once, start_embedded_worker

__all__ = [
    "Outcome",
    "RecomputeSettings",
    "Runner",
    "Worker",
    "canonical_json",
    "recompute_cold",
    "run_here",
    "run_once",
    "start_embedded_worker",
    "use_runner",
]
