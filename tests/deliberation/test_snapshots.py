"""Snapshots: a hash over the canonical votes, parameters and results, and its verification by
re-hashing and by a cold recompute with the stored seed."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified

from deliberation import services
from deliberation.db import db, unit_of_work
from deliberation.errors import Forbidden
from deliberation.models import Snapshot, VoteRecord
from deliberation.services.snapshots import (
    create_snapshot,
    latest_snapshot,
    list_snapshots,
    verify_snapshot,
)
from tests.deliberation.conftest import join, make_facilitator


@pytest.fixture
def voted(owner, conversation, seeds):
    """Twelve participants in two camps, with one change of mind in the history."""
    cid = conversation.public_id
    pids = [join(conversation).pid for _ in range(12)]
    for pid in pids:
        for tid in seeds:
            services.cast_vote(cid, pid, tid, 1 if (pid + tid) % 2 == 0 else -1)
    services.cast_vote(cid, pids[0], 1, 0)  # pid 0 passes on statement 1 after all
    return pids


def test_a_snapshot_verifies_and_its_hash_is_stable(app, owner, conversation, voted):
    cid = conversation.public_id
    first = create_snapshot(owner.id, cid, "Plenaria de marzo")
    assert len(first.sha256) == 64 and first.vote_count == 12 * 3
    assert first.seed == conversation.math_seed
    assert verify_snapshot(owner.id, first.id).ok

    second = create_snapshot(owner.id, cid)
    assert second.sha256 == first.sha256  # same votes, parameters and result: same hash
    assert latest_snapshot(owner.id, cid).id == second.id
    assert [s.id for s in list_snapshots(owner.id, cid)] == [second.id, first.id]
    entry = services.audit_trail(owner.id, cid)[-1]
    assert entry.action == "snapshot.create" and entry.detail["sha256"] == second.sha256

    # Votes cast later change the next snapshot, not the frozen one.
    services.cast_vote(cid, voted[1], 0, -1)
    third = create_snapshot(owner.id, cid)
    assert third.sha256 != first.sha256
    assert verify_snapshot(owner.id, first.id).ok and verify_snapshot(owner.id, third.id).ok


def test_verification_catches_a_changed_vote(app, owner, conversation, voted):
    snapshot = create_snapshot(owner.id, conversation.public_id)
    with unit_of_work():
        db.session.execute(
            sa.update(VoteRecord)
            .where(VoteRecord.conversation_id == conversation.id, VoteRecord.pid == voted[3])
            .values(vote=-VoteRecord.vote)
        )
    verification = verify_snapshot(owner.id, snapshot.id)
    assert not verification.hash_matches
    assert verification.rehashed_sha256 != verification.stored_sha256
    assert not verification.ok


def test_verification_catches_a_changed_result_or_seed(app, owner, conversation, voted):
    snapshot = create_snapshot(owner.id, conversation.public_id)
    with unit_of_work():
        stored = db.session.get(Snapshot, snapshot.id)
        stored.result["n"] += 1  # one participant more than were there
        flag_modified(stored, "result")
    verification = verify_snapshot(owner.id, snapshot.id)
    assert not verification.hash_matches and not verification.recompute_matches

    other = create_snapshot(owner.id, conversation.public_id)
    with unit_of_work():
        stored = db.session.get(Snapshot, other.id)
        stored.parameters["pipeline"]["seed"] += 1
        flag_modified(stored, "parameters")
    assert not verify_snapshot(owner.id, other.id).hash_matches


def test_the_commands_print_the_hash_and_exit_1_on_a_mismatch(app, owner, conversation, voted):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["snapshot", conversation.public_id, "--label", "marzo"])
    assert made.exit_code == 0, made.output
    snapshot_id = int(made.output.strip().splitlines()[-1])
    stored = db.session.get(Snapshot, snapshot_id)
    assert f"sha256 {stored.sha256}" in made.output

    checked = runner.invoke(args=["verify-snapshot", str(snapshot_id)])
    assert checked.exit_code == 0, checked.output
    assert "verified" in checked.output

    db.session.rollback()
    with unit_of_work():
        db.session.execute(
            sa.update(VoteRecord)
            .where(VoteRecord.conversation_id == conversation.id, VoteRecord.pid == voted[0])
            .values(created_ms=VoteRecord.created_ms + 1)
        )
    failed = runner.invoke(args=["verify-snapshot", str(snapshot_id)])
    assert failed.exit_code == 1
    assert "DOES NOT MATCH" in failed.output

    assert runner.invoke(args=["verify-snapshot", "999"]).exit_code != 0
    assert runner.invoke(args=["snapshot", "nosuchconv"]).exit_code != 0


def test_only_the_conversations_facilitators_take_snapshots(app, owner, conversation, voted):
    stranger = make_facilitator("stranger@example.org")
    with pytest.raises(Forbidden):
        create_snapshot(stranger.id, conversation.public_id)
    assert list_snapshots(owner.id, conversation.public_id) == []
