"""Leases: at most one worker computes a given conversation and stage at a time.

A lease is one row of `recompute_leases`, taken with a single INSERT ... ON CONFLICT DO UPDATE
whose WHERE admits only a free, expired or already-own lease. Both SQLite (whose writers are
serialised) and PostgreSQL (which locks the conflicting row and re-checks the WHERE against
its newest version) run it atomically, so of two workers racing for a lease exactly one gets
it. A live holder renews its lease from a `LeaseKeeper` thread while it computes; one that dies
stops renewing, and once the lease expires another worker takes over. Before storing, a holder
renews once more in the storing transaction (`hold`), so a worker that lost its lease while
stalled cannot overwrite its successor's work.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

import sqlalchemy as sa
from flask import Flask, current_app

from deliberation.db import db, now_ms, unit_of_work, upsert_statement
from deliberation.models import MathKind, RecomputeLease

log = logging.getLogger(__name__)

_LEASES = RecomputeLease.__table__


class LeaseLost(RuntimeError):
    """Another worker took the lease over (ours expired while we computed)."""


def new_holder() -> str:
    """A name unique to this worker: host and process for the operator, then a random tag."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def take_lease(conversation_pk: int, stage: MathKind, holder: str, lease_ms: int) -> bool:
    """Take (or renew) the lease if it is free, expired or already ours; False if it is not."""
    now = now_ms()
    with unit_of_work() as session:
        taken = session.execute(
            upsert_statement(_take),
            {
                "conversation_id": conversation_pk,
                "stage": stage,
                "holder": holder,
                "expires_ms": now + lease_ms,
                "now_ms": now,
            },
        ).first()
    return taken is not None


def hold(conversation_pk: int, stage: MathKind, holder: str, lease_ms: int) -> bool:
    """Extend a lease we hold, in the caller's unit of work; False if another worker has it now.

    On PostgreSQL the updated row stays locked until the caller commits, so nobody can take the
    lease between this check and the caller's write.
    """
    extended = db.session.execute(
        sa.update(_LEASES)
        .where(*_own(conversation_pk, stage, holder))
        .values(expires_ms=now_ms() + lease_ms)
    )
    return extended.rowcount == 1


def release_lease(conversation_pk: int, stage: MathKind, holder: str) -> None:
    with unit_of_work() as session:
        session.execute(
            sa.update(_LEASES)
            .where(*_own(conversation_pk, stage, holder))
            .values(holder=None, expires_ms=0)
        )


def _own(conversation_pk: int, stage: MathKind, holder: str) -> tuple:
    return (
        _LEASES.c.conversation_id == conversation_pk,
        _LEASES.c.stage == stage,
        _LEASES.c.holder == holder,
    )


def _take(insert):
    statement = insert(_LEASES).values(
        conversation_id=sa.bindparam("conversation_id"),
        stage=sa.bindparam("stage", type_=_LEASES.c.stage.type),
        holder=sa.bindparam("holder"),
        expires_ms=sa.bindparam("expires_ms"),
    )
    return statement.on_conflict_do_update(
        index_elements=["conversation_id", "stage"],
        set_={"holder": statement.excluded.holder, "expires_ms": statement.excluded.expires_ms},
        where=sa.or_(
            _LEASES.c.holder.is_(None),
            _LEASES.c.holder == statement.excluded.holder,
            _LEASES.c.expires_ms < sa.bindparam("now_ms"),
        ),
    ).returning(_LEASES.c.holder)


class LeaseKeeper:
    """Renews a lease every third of its length until stopped; a context manager.

    Renewal runs in its own thread, app context and database session, so it goes on while the
    computing thread is inside numpy.
    """

    def __init__(self, conversation_pk: int, stage: MathKind, holder: str, lease_ms: int):
        self._key = (conversation_pk, stage, holder, lease_ms)
        self._app: Flask = current_app._get_current_object()
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._renew_until_stopped, name=f"lease-{stage}-{conversation_pk}", daemon=True
        )

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stopping.set()
        self._thread.join()

    def _renew_until_stopped(self) -> None:
        conversation_pk, stage, holder, lease_ms = self._key
        while not self._stopping.wait(lease_ms / 3000):
            try:
                with self._app.app_context():
                    try:
                        with unit_of_work():
                            kept = hold(conversation_pk, stage, holder, lease_ms)
                    finally:
                        db.session.remove()
            except Exception:  # noqa: BLE001 - the lease may still hold; the store re-checks
                log.warning(
                    "could not renew the %s lease of %s", stage, conversation_pk, exc_info=True
                )
                continue
            if not kept:
                log.warning("lost the %s lease of conversation %s", stage, conversation_pk)
                return
