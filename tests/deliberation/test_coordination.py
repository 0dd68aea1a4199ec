"""Coordinated voting in a conversation (issue 13, point 6): the flagged sets, and an owner's
reversible, audit-logged exclusion of them from the math. Votes are never lost."""

from __future__ import annotations

import csv
import io
import random

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.errors import Forbidden, Invalid
from deliberation.math_inputs import latest_votes
from deliberation.models import AuditEntry, RecomputeState, VoteRecord
from deliberation.polis_io import polis_csv_export
from deliberation.recompute import run_once
from deliberation.services.coordination import coordination_counts
from tests.deliberation.conftest import join, make_facilitator

STATEMENTS = 16
CROWD = 24
SCRIPTED = 10


@pytest.fixture
def stuffed(owner, conversation):
    return stuff(owner, conversation)


def stuff(owner, conversation) -> tuple[list[int], list[int]]:
    """A crowd voting each their own way, then a script of SCRIPTED accounts voting one agenda
    (one flip each). Returns (crowd pids, scripted pids)."""
    tids = [
        services.add_seed_statement(owner.id, conversation.public_id, f"Propuesta {i}.").tid
        for i in range(STATEMENTS)
    ]
    rng = random.Random(7)
    crowd = [join(conversation).pid for _ in range(CROWD)]
    for pid in crowd:
        for tid in tids:
            services.cast_vote(conversation.public_id, pid, tid, rng.choice([-1, 0, 1]))
    agenda = [rng.choice([-1, 1]) for _ in tids]
    scripted = [join(conversation).pid for _ in range(SCRIPTED)]
    for k, pid in enumerate(scripted):
        for tid, vote in zip(tids, agenda, strict=True):
            flipped = -vote if tid == k % STATEMENTS else vote
            services.cast_vote(conversation.public_id, pid, tid, flipped)
    return crowd, scripted


def stored_votes(db) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(VoteRecord))


def test_the_script_is_flagged_as_one_set_and_the_crowd_is_not(owner, conversation, stuffed):
    crowd, scripted = stuffed
    review = services.review_coordination(owner.id, conversation.public_id)
    assert [s.pids for s in review.sets] == [scripted]
    [flagged] = review.sets
    assert flagged.size == SCRIPTED and flagged.excluded == 0
    assert flagged.first_joined_ms <= flagged.last_joined_ms
    assert review.flagged == SCRIPTED and review.excluded == 0


def test_moderators_review_but_only_owners_exclude(db, owner, conversation, stuffed):
    _, scripted = stuffed
    moderator = make_facilitator("moderadora@example.org")
    services.grant_role(owner.id, conversation.public_id, moderator.email, "moderator")
    stranger = make_facilitator("ajeno@example.org")
    assert services.review_coordination(moderator.id, conversation.public_id).flagged == SCRIPTED
    with pytest.raises(Forbidden):
        services.review_coordination(stranger.id, conversation.public_id)
    with pytest.raises(Forbidden):
        services.exclude_from_math(moderator.id, conversation.public_id, scripted)
    assert coordination_counts(conversation).excluded == 0


@pytest.mark.parametrize("which", ["crowd", "unknown", "empty", "negative"])
def test_only_flagged_participants_can_be_excluded(db, owner, conversation, stuffed, which):
    crowd, scripted = stuffed
    pids = {"crowd": scripted + crowd[:1], "unknown": [9999], "empty": [], "negative": [-1]}
    audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    with pytest.raises(Invalid):
        services.exclude_from_math(owner.id, conversation.public_id, pids[which])
    db.session.rollback()
    assert coordination_counts(conversation).excluded == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audit_before


def test_excluding_and_including_again_is_audited_and_loses_no_vote(
    db, owner, conversation, stuffed
):
    crowd, scripted = stuffed
    votes_before = stored_votes(db)
    [first] = run_once("fast")
    assert first.status == "computed"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecomputeState)) > 0

    assert services.exclude_from_math(owner.id, conversation.public_id, scripted, "script") == 10
    db.session.rollback()
    # The math no longer sees them; everything else still does.
    in_math = set(latest_votes(conversation).participant_ids.tolist())
    assert in_math == set(crowd)
    assert set(latest_votes(conversation, with_excluded=True).participant_ids.tolist()) == set(
        crowd + scripted
    )
    assert stored_votes(db) == votes_before
    # The stored result is out of date: the worker computes again, without the script.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecomputeState)) == 0
    [again] = run_once("fast")
    assert again.status == "computed"
    newest = services.latest_math_result(conversation.public_id)
    assert newest.result["n"] == CROWD
    # The set stays in view, marked excluded; the count is what the report prints.
    review = services.review_coordination(owner.id, conversation.public_id)
    assert review.sets[0].excluded == SCRIPTED and review.excluded == SCRIPTED
    assert coordination_counts(conversation).flagged == SCRIPTED
    # Excluding again changes nothing more.
    assert services.exclude_from_math(owner.id, conversation.public_id, scripted) == 0

    assert services.include_in_math(owner.id, conversation.public_id, scripted, "checked") == 10
    db.session.rollback()
    assert set(latest_votes(conversation).participant_ids.tolist()) == set(crowd + scripted)
    [restored] = run_once("fast")
    assert restored.status == "computed"
    assert services.latest_math_result(conversation.public_id).result["n"] == CROWD + SCRIPTED
    assert stored_votes(db) == votes_before

    trail = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action.like("participants.%"))
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.reason, e.facilitator_id) for e in trail] == [
        ("participants.exclude_from_math", "script", owner.id),
        ("participants.exclude_from_math", None, owner.id),
        ("participants.include_in_math", "checked", owner.id),
    ]
    assert trail[0].detail == {"pids": sorted(scripted), "newly_excluded": 10}


def test_an_excluded_participant_keeps_voting_and_the_votes_are_kept(
    db, owner, conversation, stuffed
):
    _, scripted = stuffed
    services.exclude_from_math(owner.id, conversation.public_id, scripted)
    before = stored_votes(db)
    services.cast_vote(conversation.public_id, scripted[0], 0, 0)
    assert stored_votes(db) == before + 1
    db.session.rollback()
    everyone = latest_votes(conversation, with_excluded=True)
    assert scripted[0] in everyone.participant_ids.tolist()
    assert scripted[0] not in latest_votes(conversation).participant_ids.tolist()


def test_exports_keep_every_vote_and_leave_the_excluded_ungrouped(db, owner, conversation, stuffed):
    crowd, scripted = stuffed
    services.exclude_from_math(owner.id, conversation.public_id, scripted)
    files = polis_csv_export(services.OPERATOR, conversation.public_id)
    voters = {int(row["voter-id"]) for row in csv.DictReader(io.StringIO(files["votes.csv"]))}
    assert voters == set(crowd + scripted)
    rows = list(csv.DictReader(io.StringIO(files["participants-votes.csv"])))
    assert {int(row["participant"]) for row in rows} == set(crowd + scripted)
    ungrouped = {int(row["participant"]) for row in rows if row["group-id"] == ""}
    assert set(scripted) <= ungrouped
