"""Recompute latency: time from a conversation's last vote to its stored fast result.

Setup (not timed): a fresh SQLite database migrated to head, one conversation of 10,000
participants x 40 votes over 1,000 statements (clustering.synth's planted groups; the
clustering section's 25k x 1,000 x 40 shape, scaled to 10k people). All but the last
`HELD_OUT` participants' votes are inserted in bulk (executemany on `votes` and `latest_votes`),
then one cold fast result is stored: the steady state of a live conversation, in which every
later update is incremental.

Timed, one round per held-out participant: they join and cast their 40 votes through the
services, back to back; the clock runs from the return of the last `cast_vote` until the new
fast result is visible in the database (polled every 10 ms), with a `Worker` running in this
process as the embedded one does. Rounds: the default debounce (1 s, max wait 5 s); no
debounce, the floor set by polling, reading, computing and storing; and, unless quick, while
the slow stage computes the UMAP map of the same conversation (whose own lag behind the fast
result is reported too). A last row splits one incremental `run_once` into its steps.

`measure()` returns one dict per row; `run()` turns them into the `recompute` section of
`make bench`; `python -m benchmarks.recompute_bench [--quick] [--out DIR]` runs that section
alone (its JSON holds the rows).
"""

from __future__ import annotations

import hashlib
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from flask_migrate import upgrade

from benchmarks.common import Options, Section, Table, progress
from clustering.synth import synthesize
from deliberation import services
from deliberation.db import db, now_ms, unit_of_work
from deliberation.models import (
    Conversation,
    LatestVote,
    MathKind,
    MathResult,
    ModerationState,
    Participant,
    RecomputeLease,
    RecomputeState,
    Statement,
    VoteRecord,
)
from deliberation.recompute import Worker, run_once
from web import create_app

PARTICIPANTS = 10_000
STATEMENTS = 1_000
VOTES_EACH = 40
GROUPS = 4
SEED = 1
HELD_OUT = 8  # participants who vote during the timed rounds
ROUNDS = {"debounce 1 s, max wait 5 s": 3, "no debounce": 2, "during a slow (UMAP) run": 2}
BATCH = 50_000  # rows per executemany
TIMEOUT_S = 600.0


def run(options: Options) -> Section:
    """The `recompute` section: one table row per scenario, columns as measured."""
    rows = measure(options)
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    table = Table(
        "Recompute latency: last vote to stored fast result (SQLite, embedded worker)",
        columns,
        [[_shown(row.get(column)) for column in columns] for row in rows],
        notes=[
            f"{PARTICIPANTS:,} participants x {VOTES_EACH} votes over {STATEMENTS:,} statements;"
            " latency = median over the rounds of each scenario (see the module docstring).",
        ],
    )
    return Section("recompute", [table], {"rows": rows})


def _shown(value: object) -> object:
    return f"{value:.2f}" if isinstance(value, float) else value


def measure(options: Options | None = None) -> list[dict]:
    """Rows of figures; `options.quick` (benchmarks.common.Options) skips the UMAP rounds."""
    quick = bool(getattr(options, "quick", False))
    with tempfile.TemporaryDirectory(prefix="mesa-recompute-bench-") as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'mesa.sqlite3'}",
                "SECRET_KEY": "benchmark",
                "TESTING": True,  # no embedded worker: the rounds start their own
            }
        )
        with app.app_context():
            upgrade()
            conversation_id, held_out = _populate()
            rows = [_cold(conversation_id)]
            for scenario, rounds in ROUNDS.items():
                if quick and "slow" in scenario:
                    continue
                rows.append(_latency(app, conversation_id, scenario, held_out[:rounds]))
                held_out = held_out[rounds:]
            rows.append(_breakdown(conversation_id, held_out[0]))
            db.session.remove()
            db.engine.dispose()
    return rows


def _populate() -> tuple[str, list[np.ndarray]]:
    """The conversation, bulk-loaded; returns its id and the held-out participants' votes."""
    started = time.perf_counter()
    records, _ = synthesize(PARTICIPANTS, STATEMENTS, VOTES_EACH, GROUPS, SEED)
    owner = services.create_facilitator("bench@example.org", "a long enough password")
    conversation = services.create_conversation(owner.id, "Benchmark: 10,000 participants")
    pk, created = conversation.id, now_ms()
    bulk = PARTICIPANTS - HELD_OUT
    with unit_of_work() as session:
        session.execute(
            sa.insert(Statement),
            [
                {
                    "conversation_id": pk,
                    "tid": tid,
                    "text": f"Statement {tid}",
                    "text_fingerprint": hashlib.sha256(f"statement {tid}".encode()).hexdigest(),
                    "is_seed": True,
                    "moderation": ModerationState.ACCEPTED,
                    "is_meta": False,
                    "created_ms": created,
                    "updated_ms": created,
                }
                for tid in range(STATEMENTS)
            ],
        )
        session.execute(
            sa.insert(Participant),
            [
                {
                    "conversation_id": pk,
                    "pid": pid,
                    "token_digest": hashlib.sha256(f"bench {pid}".encode()).hexdigest(),
                    "created_ms": created,
                }
                for pid in range(bulk)
            ],
        )
        session.execute(
            sa.update(Conversation)
            .where(Conversation.id == pk)
            .values(next_pid=bulk, next_tid=STATEMENTS)
        )
        bulk_votes = records.participant_ids < bulk
        columns = zip(
            records.participant_ids[bulk_votes].tolist(),
            records.statement_ids[bulk_votes].tolist(),
            records.votes[bulk_votes].tolist(),
            records.timestamps[bulk_votes].tolist(),
            strict=True,
        )
        rows = [
            {"conversation_id": pk, "pid": p, "tid": t, "vote": v, "created_ms": ms}
            for p, t, v, ms in columns
        ]
        for table in (VoteRecord.__table__, LatestVote.__table__):
            for start in range(0, len(rows), BATCH):
                session.execute(sa.insert(table), rows[start : start + BATCH])
    held_out = [
        records.statement_ids[records.participant_ids == pid] for pid in range(bulk, PARTICIPANTS)
    ]
    progress(f"recompute: loaded {len(rows):,} votes in {time.perf_counter() - started:.1f} s")
    return conversation.public_id, held_out


def _cold(conversation_id: str) -> dict:
    [outcome] = run_once("fast")
    size_mb = _result_mb(conversation_id, outcome.version)
    progress(f"recompute: cold fast result {outcome.timings}")
    return _row("cold fast recompute, run_once", outcome.timings, result_mb=size_mb)


def _latency(app, conversation_id: str, scenario: str, participants: list[np.ndarray]) -> dict:
    debounce = 0.0 if scenario == "no debounce" else 1.0
    app.config.update(MESA_RECOMPUTE_DEBOUNCE_S=debounce, MESA_RECOMPUTE_MAX_WAIT_S=5.0)
    worker = Worker(app, "both" if "slow" in scenario else "fast").start()
    latencies, slow_lag = [], None
    try:
        if "slow" in scenario:
            _wait(lambda: _slow_lease_held(conversation_id), "the slow stage to start")
        for tids in participants:
            before = _newest_version(conversation_id, MathKind.FAST)
            last_vote = _vote(conversation_id, tids)
            _wait(lambda b=before: _newest_version(conversation_id, MathKind.FAST) > b, "result")
            latencies.append(time.perf_counter() - last_vote)
            progress(f"recompute: {scenario}: {latencies[-1]:.2f} s")
        if "slow" in scenario:
            slow_lag = _slow_lag(conversation_id)
    finally:
        worker.stop(timeout=None)
    return _row(
        f"last vote -> stored fast result, worker, {scenario}",
        {"latency": statistics.median(latencies)},
        rounds=[round(s, 3) for s in latencies],
        slow_lag_s=slow_lag,
    )


def _breakdown(conversation_id: str, tids: np.ndarray) -> dict:
    last_vote = _vote(conversation_id, tids)
    [outcome] = run_once("fast")
    return _row(
        "last vote -> stored fast result, run_once (no debounce, no polling)",
        {**outcome.timings, "latency": time.perf_counter() - last_vote},
    )


def _vote(conversation_id: str, tids: np.ndarray) -> float:
    """A new participant casts a vote on each of `tids`; returns when the last one returned."""
    pid = services.join_conversation(conversation_id).pid
    for position, tid in enumerate(tids.tolist()):
        services.cast_vote(conversation_id, pid, tid, (-1, 0, 1)[(pid + position) % 3])
    return time.perf_counter()


def _newest_version(conversation_id: str, kind: MathKind) -> int:
    db.session.rollback()  # a fresh snapshot
    newest = db.session.scalar(
        sa.select(sa.func.max(MathResult.version))
        .join(Conversation, Conversation.id == MathResult.conversation_id)
        .where(Conversation.public_id == conversation_id, MathResult.kind == kind)
    )
    return newest or 0


def _slow_lease_held(conversation_id: str) -> bool:
    db.session.rollback()
    holder = db.session.scalar(
        sa.select(RecomputeLease.holder)
        .join(Conversation, Conversation.id == RecomputeLease.conversation_id)
        .where(Conversation.public_id == conversation_id, RecomputeLease.stage == MathKind.SLOW)
    )
    return holder is not None


def _slow_lag(conversation_id: str) -> float:
    """Seconds from the newest fast result to the slow result that followed it."""
    fast = _newest_version(conversation_id, MathKind.FAST)

    def slow_state():
        db.session.rollback()
        return db.session.execute(
            sa.select(RecomputeState.result_version, RecomputeState.fast_version)
            .join(Conversation, Conversation.id == RecomputeState.conversation_id)
            .where(Conversation.public_id == conversation_id, RecomputeState.stage == "slow")
            .where(RecomputeState.fast_version >= fast)
        ).first()

    _wait(slow_state, "slow result")
    slow, followed = slow_state()
    created = dict(
        db.session.execute(
            sa.select(MathResult.version, MathResult.created_ms)
            .join(Conversation, Conversation.id == MathResult.conversation_id)
            .where(Conversation.public_id == conversation_id)
            .where(MathResult.version.in_([slow, followed]))
        ).all()
    )
    return round((created[slow] - created[followed]) / 1000, 2)


def _result_mb(conversation_id: str, version: int) -> float:
    db.session.rollback()
    document = db.session.scalar(
        sa.select(MathResult.result)
        .join(Conversation, Conversation.id == MathResult.conversation_id)
        .where(Conversation.public_id == conversation_id, MathResult.version == version)
    )
    return round(len(json.dumps(document)) / 1e6, 2)


def _wait(condition, what: str) -> None:
    deadline = time.perf_counter() + TIMEOUT_S
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no {what} within {TIMEOUT_S} s")
        time.sleep(0.01)


def _row(scenario: str, seconds: dict, **extra) -> dict:
    return {
        "scenario": scenario,
        "participants": PARTICIPANTS,
        "statements": STATEMENTS,
        "votes": PARTICIPANTS * VOTES_EACH,
        **{f"{step}_s": round(value, 3) for step, value in seconds.items()},
        **extra,
    }


if __name__ == "__main__":
    from benchmarks.run import section_main

    raise SystemExit(section_main("recompute"))
