"""Snapshots: a conversation's results frozen for a plenary, and the check that they still hold.

A snapshot hashes, with SHA-256, one canonical JSON document (deliberation.recompute.cold's
canonical form: sorted keys, no spaces, numbers by value):

    {"format": "mesa-snapshot/1",
     "conversation": public id,
     "votes": [[pid, tid, vote, created_ms], ...],   the standing votes, sorted by (pid, tid)
     "parameters": {"pipeline": {... seed ...}, "moderation": {...}, "last_vote_id": N},
     "result": the fast result computed cold from exactly those votes}

The votes are not copied into the snapshot: they are read back from the append-only vote
history, taking for each (participant, statement) the newest record with an id up to
`last_vote_id` (the standing vote at the time of the snapshot, also once people vote again
later). Moderation is copied, since it may change after the plenary.

`verify_snapshot` re-hashes the stored parameters and result with the votes read again, and
recomputes the result cold with the stored parameters (seed included). Both must match: a
changed vote breaks the first (and usually the second), a changed result breaks both.
A vote caught mid-commit at the very moment of the snapshot can make a later check fail; it
fails loudly, never silently, so snapshot a conversation between sessions when possible.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import defer

from clustering.inputs import Moderation, VoteRecords
from clustering.pipeline import PolisParams, update
from deliberation.db import db, now_ms, unit_of_work
from deliberation.errors import NotFound
from deliberation.math_inputs import moderation_state
from deliberation.models import Conversation, MathKind, Snapshot, VoteRecord

# Modules, not names: deliberation.recompute imports the services, so a process that imports
# it first (the slow stage's child) finds these modules half-initialised here.
from deliberation.recompute import cold, stages
from deliberation.services.audit import record_audit
from deliberation.services.authorization import (
    MODERATION_ROLES,
    Caller,
    audited_facilitator,
    require_role,
    require_role_or_operator,
)
from deliberation.services.lookup import find_conversation

FORMAT_VERSION = "mesa-snapshot/1"
MAX_LABEL_LENGTH = 200


@dataclass(frozen=True)
class SnapshotView:
    id: int
    conversation_id: str
    label: str
    sha256: str
    created_ms: int
    vote_count: int
    last_vote_id: int
    seed: int
    format_version: str


@dataclass(frozen=True)
class Verification:
    """Whether the snapshot still holds: its hash over the data as stored now, and a cold
    recompute with its parameters, each compared with what was frozen."""

    snapshot_id: int
    stored_sha256: str
    rehashed_sha256: str
    hash_matches: bool
    recompute_matches: bool

    @property
    def ok(self) -> bool:
        return self.hash_matches and self.recompute_matches


def create_snapshot(facilitator_id: Caller, conversation_id: str, label: str = "") -> SnapshotView:
    """Freeze the conversation's current votes and the result they give: for its owners and
    moderators, or the operator at the command line (`OPERATOR`, audited as no facilitator).

    The result is recomputed cold here (seconds for a large conversation), not copied from the
    worker's incremental result: only a cold result can be reproduced from the votes alone.
    """
    label = " ".join((label or "").split())[:MAX_LABEL_LENGTH]
    conversation = find_conversation(conversation_id)
    require_role_or_operator(facilitator_id, conversation, MODERATION_ROLES)
    last_vote_id = (
        db.session.scalar(
            sa.select(sa.func.max(VoteRecord.id)).where(
                VoteRecord.conversation_id == conversation.id
            )
        )
        or 0
    )
    votes = votes_as_of(conversation, last_vote_id)
    moderation = moderation_state(conversation)
    parameters = {
        "pipeline": stages.params_for(MathKind.FAST, conversation.math_seed).to_dict(),
        "moderation": _moderation_json(moderation),
        "last_vote_id": int(last_vote_id),
    }
    db.session.rollback()  # end the read before computing
    result = _compute(votes, parameters)
    digest = snapshot_digest(conversation_id, votes, parameters, result)
    with unit_of_work() as session:
        conversation = find_conversation(conversation_id)
        snapshot = Snapshot(
            conversation_id=conversation.id,
            format_version=FORMAT_VERSION,
            sha256=digest,
            last_vote_id=int(last_vote_id),
            vote_count=len(votes),
            parameters=parameters,
            result=result,
            label=label,
            created_ms=now_ms(),
        )
        session.add(snapshot)
        session.flush()
        record_audit(
            conversation,
            audited_facilitator(facilitator_id),
            "snapshot.create",
            {"snapshot": snapshot.id, "sha256": digest, "votes": len(votes)},
        )
        return _view(snapshot, conversation)


def verify_snapshot(facilitator_id: Caller, snapshot_id: int) -> Verification:
    """Re-hash the stored data and recompute cold with the stored seed (nothing is written):
    for the conversation's owners and moderators, and the operator at the command line."""
    snapshot = db.session.get(Snapshot, snapshot_id)
    if snapshot is None:
        raise NotFound(f"no snapshot {snapshot_id}", code="snapshot_not_found")
    conversation = db.session.get(Conversation, snapshot.conversation_id)
    require_role_or_operator(facilitator_id, conversation, MODERATION_ROLES)
    votes = votes_as_of(conversation, snapshot.last_vote_id)
    rehashed = snapshot_digest(conversation.public_id, votes, snapshot.parameters, snapshot.result)
    recomputed = _compute(votes, snapshot.parameters)
    return Verification(
        snapshot_id=snapshot.id,
        stored_sha256=snapshot.sha256,
        rehashed_sha256=rehashed,
        hash_matches=rehashed == snapshot.sha256,
        recompute_matches=cold.canonical_json(recomputed) == cold.canonical_json(snapshot.result),
    )


def latest_snapshot(facilitator_id: Caller, conversation_id: str) -> SnapshotView | None:
    """The newest snapshot of a conversation (for the report), or None; for its owners and
    moderators, and the operator's report."""
    conversation = find_conversation(conversation_id)
    require_role_or_operator(facilitator_id, conversation, MODERATION_ROLES)
    snapshot = db.session.scalar(
        sa.select(Snapshot)
        .options(defer(Snapshot.result))
        .where(Snapshot.conversation_id == conversation.id)
        .order_by(Snapshot.id.desc())
        .limit(1)
    )
    return _view(snapshot, conversation) if snapshot else None


def list_snapshots(facilitator_id: int, conversation_id: str) -> list[SnapshotView]:
    """Every snapshot of a conversation, newest first, for its owners and moderators."""
    conversation = find_conversation(conversation_id)
    require_role(facilitator_id, conversation, MODERATION_ROLES)
    snapshots = db.session.scalars(
        sa.select(Snapshot)
        .options(defer(Snapshot.result))  # the result document may be megabytes
        .where(Snapshot.conversation_id == conversation.id)
        .order_by(Snapshot.id.desc())
    )
    return [_view(snapshot, conversation) for snapshot in snapshots]


def snapshot_digest(
    conversation_id: str,
    votes: VoteRecords,
    parameters: dict[str, Any],
    result: dict[str, Any],
) -> str:
    """SHA-256 (hex) of the canonical snapshot document (see the module's docstring)."""
    order = np.lexsort((votes.statement_ids, votes.participant_ids))
    rows = np.column_stack(
        (
            votes.participant_ids[order],
            votes.statement_ids[order],
            votes.votes[order].astype(np.int64),
            votes.timestamps[order],
        )
    ).tolist()
    document = {
        "format": FORMAT_VERSION,
        "conversation": conversation_id,
        "votes": rows,
        "parameters": parameters,
        "result": result,
    }
    return hashlib.sha256(cold.canonical_json(document)).hexdigest()


def votes_as_of(conversation: Conversation, last_vote_id: int) -> VoteRecords:
    """The standing vote of each (participant, statement) among history records up to
    `last_vote_id`: the newest by time, then by id (as the latest-vote table keeps it)."""
    ranked = (
        sa.select(
            VoteRecord.pid,
            VoteRecord.tid,
            VoteRecord.vote,
            VoteRecord.created_ms,
            sa.func.row_number()
            .over(
                partition_by=(VoteRecord.pid, VoteRecord.tid),
                order_by=(VoteRecord.created_ms.desc(), VoteRecord.id.desc()),
            )
            .label("rank"),
        )
        .where(VoteRecord.conversation_id == conversation.id, VoteRecord.id <= last_vote_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(ranked.c.pid, ranked.c.tid, ranked.c.vote, ranked.c.created_ms).where(
            ranked.c.rank == 1
        )
    ).all()
    if not rows:
        return VoteRecords.empty()
    table = np.array([tuple(row) for row in rows], dtype=np.int64)
    return VoteRecords.from_arrays(table[:, 0], table[:, 1], table[:, 2], table[:, 3])


def _compute(votes: VoteRecords, parameters: dict[str, Any]) -> dict[str, Any]:
    """The fast pipeline, cold, as a JSON document (what the snapshot freezes)."""
    stored = parameters["moderation"]
    moderation = Moderation(
        accepted=frozenset(stored["accepted"]),
        rejected=frozenset(stored["rejected"]),
        meta=frozenset(stored["meta"]),
    )
    result = update(votes, moderation, None, PolisParams(**parameters["pipeline"]))
    result.record_inputs({"last_vote_id": parameters["last_vote_id"], "previous_version": None})
    return result.to_dict()


def _moderation_json(moderation: Moderation) -> dict[str, list[int]]:
    return {
        "accepted": sorted(moderation.accepted),
        "rejected": sorted(moderation.rejected),
        "meta": sorted(moderation.meta),
    }


def _view(snapshot: Snapshot, conversation: Conversation) -> SnapshotView:
    return SnapshotView(
        id=snapshot.id,
        conversation_id=conversation.public_id,
        label=snapshot.label,
        sha256=snapshot.sha256,
        created_ms=snapshot.created_ms,
        vote_count=snapshot.vote_count,
        last_vote_id=snapshot.last_vote_id,
        seed=int(snapshot.parameters["pipeline"]["seed"]),
        format_version=snapshot.format_version,
    )
