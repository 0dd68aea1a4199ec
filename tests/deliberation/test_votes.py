import time

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.errors import Closed, Conflict, Forbidden, Invalid, NotFound
from deliberation.models import LatestVote, VoteRecord
from tests.deliberation.conftest import join, signed_xid


def history(db):
    return [
        (row.pid, row.tid, row.vote)
        for row in db.session.scalars(sa.select(VoteRecord).order_by(VoteRecord.id))
    ]


def latest(db):
    return {(row.pid, row.tid): row.vote for row in db.session.scalars(sa.select(LatestVote))}


def test_a_vote_is_stored_in_history_and_as_latest(db, conversation, seeds):
    participant = join(conversation)
    before_ms = int(time.time() * 1000)
    receipt = services.cast_vote(conversation.public_id, participant.pid, 1, -1)
    assert receipt.vote == -1 and receipt.tid == 1 and not receipt.replayed
    assert before_ms <= receipt.created_ms <= int(time.time() * 1000) + 1
    assert history(db) == [(participant.pid, 1, -1)]
    assert latest(db) == {(participant.pid, 1): -1}


def test_a_changed_vote_keeps_its_history_and_replaces_the_latest(db, conversation, seeds):
    participant = join(conversation)
    for vote in (1, 0, -1):
        services.cast_vote(conversation.public_id, participant.pid, 0, vote)
    assert history(db) == [
        (participant.pid, 0, 1),
        (participant.pid, 0, 0),
        (participant.pid, 0, -1),
    ]
    assert latest(db) == {(participant.pid, 0): -1}


def test_a_retried_vote_is_stored_once_and_answered_as_before(db, conversation, seeds):
    participant = join(conversation)
    first = services.cast_vote(conversation.public_id, participant.pid, 0, 1, client_vote_id="v-1")
    services.cast_vote(conversation.public_id, participant.pid, 0, -1, client_vote_id="v-2")
    retry = services.cast_vote(conversation.public_id, participant.pid, 0, 1, client_vote_id="v-1")
    assert retry.replayed
    assert (retry.tid, retry.vote, retry.created_ms) == (first.tid, first.vote, first.created_ms)
    assert history(db) == [(participant.pid, 0, 1), (participant.pid, 0, -1)]
    # The late retry did not undo the newer vote.
    assert latest(db) == {(participant.pid, 0): -1}


def test_a_retry_is_answered_even_after_the_conversation_closed(owner, conversation, seeds):
    participant = join(conversation)
    services.cast_vote(conversation.public_id, participant.pid, 0, 1, client_vote_id="v-1")
    services.update_conversation(owner.id, conversation.public_id, {"is_open": False})
    assert services.cast_vote(
        conversation.public_id, participant.pid, 0, 1, client_vote_id="v-1"
    ).replayed


def test_vote_ids_are_per_participant_and_not_reusable(db, conversation, seeds):
    ana, beto = join(conversation), join(conversation)
    services.cast_vote(conversation.public_id, ana.pid, 0, 1, client_vote_id="same")
    services.cast_vote(conversation.public_id, beto.pid, 0, 1, client_vote_id="same")
    assert len(history(db)) == 2
    with pytest.raises(Conflict) as refusal:
        services.cast_vote(conversation.public_id, ana.pid, 1, 1, client_vote_id="same")
    assert refusal.value.code == "vote_id_reused"


@pytest.mark.parametrize("vote", [2, -2, True, None, "1", 0.5])
def test_only_agree_disagree_and_pass_are_votes(conversation, seeds, vote):
    participant = join(conversation)
    with pytest.raises(Invalid):
        services.cast_vote(conversation.public_id, participant.pid, 0, vote)


def test_unknown_participant_or_statement_is_not_found(conversation, seeds):
    participant = join(conversation)
    with pytest.raises(NotFound):
        services.cast_vote(conversation.public_id, participant.pid + 1, 0, 1)
    with pytest.raises(NotFound):
        services.cast_vote(conversation.public_id, participant.pid, 99, 1)


def test_votes_are_refused_in_a_closed_or_archived_conversation(db, owner, conversation, seeds):
    participant = join(conversation)
    services.update_conversation(owner.id, conversation.public_id, {"is_open": False})
    with pytest.raises(Closed):
        services.cast_vote(conversation.public_id, participant.pid, 0, 1)
    services.update_conversation(
        owner.id, conversation.public_id, {"is_open": True, "is_archived": True}
    )
    with pytest.raises(Closed):
        services.cast_vote(conversation.public_id, participant.pid, 0, 1)
    assert history(db) == []


def test_votes_on_rejected_statements_are_refused(db, owner, conversation, seeds):
    participant = join(conversation)
    services.moderate_statement(owner.id, conversation.public_id, 2, "rejected", reason="spam")
    with pytest.raises(Conflict) as refusal:
        services.cast_vote(conversation.public_id, participant.pid, 2, 1)
    assert refusal.value.code == "statement_rejected"
    assert history(db) == []


def test_strict_moderation_holds_votes_until_a_statement_is_accepted(db, owner, conversation):
    services.update_conversation(owner.id, conversation.public_id, {"strict_moderation": True})
    author, voter = join(conversation), join(conversation)
    statement = services.submit_statement(conversation.public_id, author.pid, "Una idea.")
    with pytest.raises(Conflict) as refusal:
        services.cast_vote(conversation.public_id, voter.pid, statement.tid, -1)
    assert refusal.value.code == "statement_not_accepted"
    assert latest(db) == {(author.pid, statement.tid): 1}  # the author's own agree stands

    services.moderate_statement(owner.id, conversation.public_id, statement.tid, "accepted")
    services.cast_vote(conversation.public_id, voter.pid, statement.tid, -1)
    assert latest(db) == {(author.pid, statement.tid): 1, (voter.pid, statement.tid): -1}


def test_without_strict_moderation_unmoderated_statements_take_votes(db, conversation):
    author, voter = join(conversation), join(conversation)
    statement = services.submit_statement(conversation.public_id, author.pid, "Una idea.")
    services.cast_vote(conversation.public_id, voter.pid, statement.tid, 0)
    assert latest(db)[(voter.pid, statement.tid)] == 0


def test_a_participant_votes_only_in_their_own_conversation(db, owner, conversation, seeds):
    other = services.create_conversation(owner.id, "Otra mesa")
    services.add_seed_statement(owner.id, other.public_id, "Otra cosa.")
    only_elsewhere = join(other)
    join(other)
    with pytest.raises(NotFound):  # pid 1 exists in `other`, not here
        services.cast_vote(conversation.public_id, only_elsewhere.pid + 1, 0, 1)


def test_a_vote_with_a_token_counts_only_if_the_token_is_current(db, conversation, seeds):
    """The vote route passes the token's secret instead of identifying the caller first."""
    persona = signed_xid(conversation.public_id, "persona-1")
    joined = services.join_conversation(conversation.public_id, **persona)
    secret = joined.token  # the secret a participant token signs
    receipt, next_up = services.cast_vote_and_draw_next(
        conversation.public_id, joined.pid, 0, 1, client_vote_id="v-1", token=secret
    )
    assert receipt.tid == 0 and next_up.remaining == len(seeds) - 1
    # Joining again with the same xid issues a new token and retires this one.
    services.join_conversation(conversation.public_id, **persona)
    for tid, vote_id in ((1, "v-2"), (0, "v-1")):  # a new vote, and a retry of the first
        with pytest.raises(Forbidden) as refused:
            services.cast_vote_and_draw_next(
                conversation.public_id, joined.pid, tid, 1, client_vote_id=vote_id, token=secret
            )
        assert refused.value.code == "participant_token_unknown"
    assert history(db) == [(joined.pid, 0, 1)]
    with pytest.raises(Forbidden):  # nor can a pid be voted for with another's token
        other = services.join_conversation(conversation.public_id)
        services.cast_vote_and_draw_next(
            conversation.public_id, joined.pid, 1, 1, token=other.token
        )
    assert history(db) == [(joined.pid, 0, 1)]
