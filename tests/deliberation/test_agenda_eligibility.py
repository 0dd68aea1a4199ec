"""What may go on the agenda (issue 14, point 3): only accepted, non-meta statements with enough
votes in every opinion group are candidates; the rest are held back with their reason, and
promotion refuses what was not accepted. Items can be withdrawn, with a reason, in the audit log.
"""

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db
from deliberation.errors import Invalid, NotFound
from deliberation.models import AgendaItem, AgendaNote, FollowUpRound, Statement
from deliberation.recompute import run_once
from deliberation.services.agenda import promote_statement, withdraw_agenda_item
from tests.deliberation.conftest import join


def two_camps(owner, conversation, seeds, size=12):
    """`size` participants in each of two camps: all agree on seed 0, they split on seeds 1
    and 2. One more participant submits a statement (left in the queue) and votes on it alone;
    an accepted seed 3 gets that one vote only."""
    cid = conversation.public_id
    # Enough statements that every participant votes on seven (as Polis, the math groups
    # only participants with that many votes).
    more = [services.add_seed_statement(owner.id, cid, f"Propuesta {n}.").tid for n in range(4)]
    for camp in (1, -1):
        for _ in range(size):
            pid = join(conversation).pid
            services.cast_vote(cid, pid, seeds[0], 1)
            for tid in more:
                services.cast_vote(cid, pid, tid, camp)
            services.cast_vote(cid, pid, seeds[1], camp)
            services.cast_vote(cid, pid, seeds[2], -camp)
    author = join(conversation).pid
    queued = services.submit_statement(cid, author, "Que la guardia patrulle de noche.")
    services.cast_vote(cid, author, queued.tid, 1)
    lonely = services.add_seed_statement(owner.id, cid, "Más alumbrado.").tid
    services.cast_vote(cid, author, lonely, 1)
    run_once("fast")
    return queued.tid, lonely


def _state():
    db.session.rollback()
    return (
        db.session.execute(sa.select(AgendaItem.tid, AgendaItem.status)).all(),
        db.session.scalar(sa.select(sa.func.count()).select_from(AgendaNote)),
    )


def test_candidates_are_accepted_statements_with_enough_votes_in_every_group(
    owner, conversation, seeds
):
    queued, lonely = two_camps(owner, conversation, seeds)
    cid = conversation.public_id
    services.set_statement_meta(owner.id, cid, seeds[2], True)
    ranking = services.agenda_candidates(owner.id, cid)

    assert ranking.min_group_votes == services.MIN_GROUP_VOTES == 5
    candidates = [c.tid for c in ranking.candidates]
    assert seeds[0] in candidates and seeds[1] in candidates
    assert queued not in candidates and lonely not in candidates and seeds[2] not in candidates
    for candidate in ranking.candidates:
        assert candidate.groups and all(g.n >= 5 for g in candidate.groups)

    reasons = {h.statement.tid: (h.reason, h.group) for h in ranking.held_back}
    assert reasons[queued] == (services.HeldBackReason.AWAITING_MODERATION, None)
    assert reasons[seeds[2]] == (services.HeldBackReason.META, None)
    reason, group = reasons[lonely]
    assert reason is services.HeldBackReason.TOO_FEW_VOTES and group in {"A", "B", "C", "D"}
    # Held back with the figures it has: the queued one's single vote is still shown.
    [shown] = [h.statement for h in ranking.held_back if h.statement.tid == queued]
    assert shown.text == "Que la guardia patrulle de noche."


def test_a_statement_in_no_result_yet_is_held_back_as_such(owner, conversation, seeds):
    ranking = services.agenda_candidates(owner.id, conversation.public_id)
    assert ranking.candidates == []
    assert {h.statement.tid: h.reason for h in ranking.held_back} == {
        tid: services.HeldBackReason.NOT_IN_RESULT for tid in seeds
    }


def test_promotion_refuses_what_was_not_accepted_and_changes_nothing(owner, conversation, seeds):
    cid = conversation.public_id
    queued = services.submit_statement(cid, join(conversation).pid, "Cámaras en cada esquina.")
    services.set_statement_meta(owner.id, cid, seeds[1], True)
    before = _state()
    with pytest.raises(Invalid) as refused:
        promote_statement(owner.id, cid, queued.tid)
    assert refused.value.code == "statement_not_moderated"
    assert refused.value.http_status == 400
    with pytest.raises(Invalid) as refused:
        promote_statement(owner.id, cid, seeds[1])
    assert refused.value.code == "statement_is_meta"
    assert _state() == before == ([], 0)
    assert [e.action for e in services.audit_trail(owner.id, cid)].count("agenda.promote") == 0

    services.moderate_statement(owner.id, cid, queued.tid, "accepted")
    assert promote_statement(owner.id, cid, queued.tid).tid == queued.tid


def test_a_withdrawn_item_leaves_the_agenda_and_the_open_round_and_is_audited(
    owner, conversation, seeds
):
    cid = conversation.public_id
    justice = services.create_subcommittee(owner.id, cid, "justicia")
    promote_statement(owner.id, cid, seeds[0], subcommittee_id=justice.id)
    promote_statement(owner.id, cid, seeds[1])
    services.add_agenda_note(owner.id, cid, seeds[0], "Se habló con la fiscalía.")
    round_ = services.open_follow_up_round(owner.id, cid, "seis meses")

    withdraw_agenda_item(owner.id, cid, seeds[0], "  Duplicado del punto 1. ")

    assert [item.tid for item in services.list_agenda_items(owner.id, cid)] == [seeds[1]]
    assert db.session.get(FollowUpRound, round_.id).tids == [seeds[1]]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaNote)) == 0
    # The statement itself stays, with its votes, and may be promoted again.
    assert db.session.scalar(sa.select(Statement).where(Statement.tid == seeds[0])) is not None
    entry = services.audit_trail(owner.id, cid)[-1]
    assert (entry.action, entry.reason) == ("agenda.withdraw", "Duplicado del punto 1.")
    assert entry.detail["tid"] == seeds[0] and entry.detail["subcommittee"] == "justicia"
    assert entry.detail["notes"][0]["text"] == "Se habló con la fiscalía."
    assert entry.detail["open_rounds"] == [round_.id]
    assert promote_statement(owner.id, cid, seeds[0]).tid == seeds[0]


def test_withdrawing_needs_a_reason_and_an_item(owner, conversation, seeds):
    cid = conversation.public_id
    promote_statement(owner.id, cid, seeds[0])
    before = _state()
    with pytest.raises(Invalid) as refused:
        withdraw_agenda_item(owner.id, cid, seeds[0], "   ")
    assert refused.value.code == "reason_required"
    with pytest.raises(Invalid):
        withdraw_agenda_item(owner.id, cid, seeds[0], "x" * 10_001)
    with pytest.raises(NotFound):
        withdraw_agenda_item(owner.id, cid, seeds[1], "no está")
    assert _state() == before
