"""One recompute of one stage of one conversation: lease, read, compute, store.

Fast: the Polis pipeline, incremental from the newest fast result, as Polis's math worker does
on every tick. Slow: the heavier analyses (the UMAP map, and the common agenda's bootstrap
intervals, bridging scores and cluster stability: recompute.analyses) on fresh inputs,
continuing from the newest fast result, so its groups are the fast lineage's, in a child process
(recompute.child). Both use the conversation's stored `math_seed`, so a result can be
reproduced.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from clustering.inputs import Moderation, VoteRecords
from clustering.pipeline import PolisParams, PolisResult, PreparedVotes, update
from deliberation.db import db, unit_of_work
from deliberation.math_inputs import math_inputs, moderation_state, without_excluded
from deliberation.models import Conversation, MathKind, RecomputeState
from deliberation.recompute import analyses
from deliberation.recompute.freshness import (
    Pending,
    Watermark,
    fast_pending,
    moderation_digest,
    read_watermark,
    slow_pending,
)
from deliberation.recompute.leases import (
    LeaseKeeper,
    LeaseLost,
    hold,
    release_lease,
    take_lease,
)
from deliberation.recompute.runner import DEFAULT_RUNNER, Runner
from deliberation.recompute.settings import RecomputeSettings
from deliberation.recompute.vote_cache import LatestVoteCache
from deliberation.services.math_results import latest_math_result, record_math_result

log = logging.getLogger(__name__)

# This process's copy of the latest votes of the conversations it computes (see vote_cache).
VOTE_CACHE = LatestVoteCache()


@dataclass(frozen=True)
class Outcome:
    """What one attempt did: `computed` (stored as `version`), `clean` (nothing new once the
    lease was ours), `leased` (another worker holds it) or `failed` (logged)."""

    conversation_id: str
    stage: MathKind
    status: str
    version: int | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step


def params_for(stage: MathKind, seed: int) -> PolisParams:
    return PolisParams(seed=seed, projection="umap" if stage is MathKind.SLOW else "pca")


def read_inputs(
    conversation: Conversation, floor_vote_id: int
) -> tuple[Watermark, VoteRecords, Moderation]:
    """The watermark, then the votes and moderation it describes (see `Watermark`), all read
    from the database."""
    watermark = read_watermark(conversation.id, floor_vote_id)
    votes, moderation = math_inputs(conversation)
    return watermark, votes, moderation


def read_cached_inputs(
    conversation: Conversation, floor_vote_id: int
) -> tuple[Watermark, VoteRecords, PreparedVotes | None, Moderation]:
    """`read_inputs` through this process's `VOTE_CACHE` (the worker), with the votes laid out
    for the pipeline from the layout the cache keeps."""
    watermark = read_watermark(conversation.id, floor_vote_id)
    votes, prepared = VOTE_CACHE.read_prepared(conversation)
    kept = without_excluded(conversation, votes)
    if kept is not votes:
        # The cache's layout holds every participant: lay out the math's votes afresh.
        votes, prepared = kept, None
    return watermark, votes, prepared, moderation_state(conversation)


def result_document(result: PolisResult, watermark: Watermark, previous_version: int | None):
    """The result to store: the pipeline's, plus under mesa.inputs what it was computed from
    (`previous_version` None: a cold start)."""
    result.record_inputs({**watermark.as_result_inputs(), "previous_version": previous_version})
    return result.to_dict()


def recompute(
    pending: Pending,
    stage: MathKind,
    holder: str,
    settings: RecomputeSettings,
    runner: Runner = DEFAULT_RUNNER,
) -> Outcome:
    """Recompute one conversation's stage if its lease is free and it is still out of date;
    `runner` calls the computation (`recompute.runner`)."""
    pk, conversation_id = pending.conversation_pk, pending.conversation_id
    if not take_lease(pk, stage, holder, settings.lease_ms):
        return Outcome(conversation_id, stage, "leased")
    try:
        with LeaseKeeper(pk, stage, holder, settings.lease_ms):
            return _compute_and_store(pending, stage, holder, settings, runner)
    finally:
        try:
            release_lease(pk, stage, holder)
        except Exception:  # noqa: BLE001 - an unreleased lease simply expires
            db.session.rollback()
            log.warning(
                "could not release the %s lease of %s", stage, conversation_id, exc_info=True
            )


def _compute_and_store(
    pending: Pending, stage: MathKind, holder: str, settings: RecomputeSettings, runner: Runner
) -> Outcome:
    pk, conversation_id = pending.conversation_pk, pending.conversation_id
    started = time.perf_counter()
    # Another worker may have done it between our poll and our lease.
    if stage is MathKind.FAST:
        still_pending = fast_pending(conversation_pk=pk)
    else:
        still_pending = slow_pending(pk)
    if not still_pending:
        db.session.rollback()
        return Outcome(conversation_id, stage, "clean")

    conversation = db.session.get(Conversation, pk)
    seed = conversation.math_seed
    previous = latest_math_result(conversation_id, kind=MathKind.FAST)
    previous_document = previous.result if previous else None
    previous_version = previous.version if previous else None
    state = db.session.get(RecomputeState, (pk, stage))
    watermark, votes, prepared, moderation = read_cached_inputs(
        conversation, state.last_vote_id if state else 0
    )
    sectors = analyses.participant_sectors(pk) if stage is MathKind.SLOW else None
    db.session.rollback()  # end the read snapshot before computing for seconds
    read = time.perf_counter()

    params = params_for(stage, seed)
    if stage is MathKind.SLOW:
        slow_update = analyses.slow_update_with(sectors)
        result = runner.slow(slow_update, votes, moderation, previous_document, params)
    else:
        result = runner.fast(
            update, votes, moderation, previous_document, params, prepared=prepared
        )
    document = result_document(result, watermark, previous_version)
    del previous_document, prepared
    computed = time.perf_counter()

    with unit_of_work():
        if not hold(pk, stage, holder, settings.lease_ms):
            raise LeaseLost(f"the {stage} lease of {conversation_id} was taken over")
        stored = record_math_result(conversation_id, stage, document)
        db.session.merge(
            RecomputeState(
                conversation_id=pk,
                stage=stage,
                result_version=stored.version,
                last_vote_id=watermark.last_vote_id,
                window_floor_vote_id=watermark.window_floor_vote_id,
                window_votes=watermark.window_votes,
                last_statement_update_ms=watermark.last_statement_update_ms,
                moderation_digest=moderation_digest(moderation),
                inputs_read_ms=watermark.read_ms,
                fast_version=previous_version if stage is MathKind.SLOW else None,
            )
        )
        version = stored.version
    stored_at = time.perf_counter()
    timings = {"read": read - started, "compute": computed - read, "store": stored_at - computed}
    log.info(
        "%s recompute of %s: version %s, %s participants, %.2f s",
        stage,
        conversation_id,
        version,
        document["n"],
        stored_at - started,
    )
    return Outcome(conversation_id, stage, "computed", version, timings)
