"""Follow-up rounds: the same participants re-vote the agenda statements months later, apart
from the vote history, and the change shows per opinion group and per sector."""

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import simulated_clock
from deliberation.errors import Closed, Conflict, Forbidden, Invalid
from deliberation.models import LatestVote, VoteRecord
from deliberation.recompute import run_once
from deliberation.services.agenda import promote_statement
from deliberation.services.follow_up import (
    answer_follow_up,
    close_follow_up_round,
    follow_up_comparison,
    follow_up_questions,
    open_follow_up_round,
    open_follow_up_round_of,
)
from tests.deliberation.conftest import join, make_facilitator

# Two planted camps on the three seed statements (agree 1, disagree -1), and a small sector.
CAMP_VOTES = {"comercio": (1, 1, -1), "derechos humanos": (1, -1, 1), "gobierno": (1, 1, 1)}
CAMP_SIZES = {"comercio": 6, "derechos humanos": 6, "gobierno": 2}


@pytest.fixture
def session(owner, conversation, seeds):
    """The session's votes, its groups computed, statements 0 and 1 on the agenda."""
    cid = conversation.public_id
    camps = {}
    for sector, size in CAMP_SIZES.items():
        camps[sector] = [join(conversation, sector=sector).pid for _ in range(size)]
        for pid in camps[sector]:
            for tid, vote in zip(seeds, CAMP_VOTES[sector], strict=True):
                services.cast_vote(cid, pid, tid, vote)
    assert [o.status for o in run_once("fast")] == ["computed"]
    justice = services.create_subcommittee(owner.id, cid, "acceso a la justicia")
    for tid in (0, 1):
        promote_statement(owner.id, cid, tid, subcommittee_id=justice.id)
    return camps


def test_a_round_compares_before_and_after_per_group_and_sector(owner, conversation, session):
    cid = conversation.public_id
    round_ = open_follow_up_round(owner.id, cid, "seis meses después")
    assert round_.tids == [0, 1] and round_.is_open
    history = _history_size(conversation)

    # Business changed its mind on statement 1 and says it was not carried out well.
    for pid in session["comercio"]:
        answer_follow_up(cid, pid, [(0, 1, "yes"), (1, -1, "no")])
    for pid in session["derechos humanos"][:3]:
        answer_follow_up(cid, pid, [(0, 1, "partly"), (1, -1, None)])

    comparison = follow_up_comparison(owner.id, cid)
    assert comparison.round.id == round_.id and comparison.respondents == 9
    first, second = comparison.statements
    assert (first.tid, second.tid) == (0, 1)
    assert first.status == "proposed" and first.agenda_item_id is not None

    everyone = second.overall
    assert (everyone.before.agree, everyone.before.disagree, everyone.before.n) == (8, 6, 14)
    assert (everyone.after.agree, everyone.after.disagree, everyone.after.n) == (0, 9, 9)
    assert everyone.agree_change == pytest.approx(100 * (0 / 9 - 8 / 14))
    assert second.carried_out == {"yes": 0, "partly": 0, "no": 6, "dont_know": 0}
    assert first.carried_out == {"yes": 6, "partly": 3, "no": 0, "dont_know": 0}

    sectors = dict(second.sectors)
    business = sectors["comercio"]
    assert (business.before.agree, business.before.n) == (6, 6)
    assert (business.after.disagree, business.after.n) == (6, 6)
    assert business.agree_change == pytest.approx(-100.0)
    # Two government officials: too few to show. None of them answered: an empty cell shows.
    assert sectors["gobierno"].before is None and sectors["gobierno"].after.n == 0
    # Three answers from human-rights people: below five, suppressed; their before is shown.
    assert sectors["derechos humanos"].after is None
    assert sectors["derechos humanos"].before.disagree == 6

    # Groups are the session's: business people share one, whose agreement fell.
    groups = dict(second.groups)
    assert len(groups) >= 2
    group_of = _groups(conversation)
    business_groups = {group_of[pid] for pid in session["comercio"]}
    assert len(business_groups) == 1
    [business_group] = business_groups
    assert groups[business_group].before.agree >= 6
    assert groups[business_group].agree_change < -50

    # The round's answers never enter the vote history or the standing votes.
    assert _history_size(conversation) == history


def test_a_new_answer_replaces_the_old_and_a_bad_one_changes_nothing(owner, conversation, session):
    cid = conversation.public_id
    open_follow_up_round(owner.id, cid, "hito 1")
    pid = session["gobierno"][0]
    answer_follow_up(cid, pid, [(0, 1, "yes")])
    answer_follow_up(cid, pid, [(0, -1, "dont_know")])
    for bad in ([(0, 2, None)], [(2, 1, None)], [(1, 1, "maybe")], [(0, 1, "yes"), (1, 5, None)]):
        with pytest.raises(Invalid):
            answer_follow_up(cid, pid, bad)
    questions = follow_up_questions(cid, pid)
    assert [
        (q.tid, q.previous_vote, q.answer_vote, q.answer_carried_out) for q in questions.questions
    ] == [
        (0, 1, -1, "dont_know"),
        (1, 1, None, None),
    ]
    after = follow_up_comparison(owner.id, cid).statements[0].overall.after
    assert (after.agree, after.disagree, after.n) == (0, 1, 1)


def test_only_earlier_participants_answer_and_only_while_the_round_is_open(
    owner, conversation, session
):
    cid = conversation.public_id
    with pytest.raises(Closed):
        answer_follow_up(cid, session["gobierno"][0], [(0, 1, None)])
    round_ = open_follow_up_round(owner.id, cid, "hito 1")
    with pytest.raises(Conflict):
        open_follow_up_round(owner.id, cid, "otra a la vez")

    with simulated_clock(round_.opened_ms + 60_000):
        newcomer = join(conversation, sector="comercio")
    with pytest.raises(Forbidden):
        answer_follow_up(cid, newcomer.pid, [(0, 1, None)])
    assert follow_up_questions(cid, newcomer.pid) is None

    # Months later the conversation is closed to votes; the round still takes answers.
    services.update_conversation(owner.id, cid, {"is_open": False})
    assert answer_follow_up(cid, session["comercio"][0], [(1, 0, "partly")]) == 1

    close_follow_up_round(owner.id, cid, round_.id)
    assert open_follow_up_round_of(cid) is None
    with pytest.raises(Closed):
        answer_follow_up(cid, session["comercio"][1], [(1, 0, None)])
    with pytest.raises(Conflict):
        close_follow_up_round(owner.id, cid, round_.id)
    comparison = follow_up_comparison(owner.id, cid, round_.id)
    assert not comparison.round.is_open and comparison.respondents == 1

    actions = [e.action for e in services.audit_trail(owner.id, cid)]
    assert [a for a in actions if a.startswith("follow_up.")] == [
        "follow_up.open",
        "follow_up.close",
    ]


def test_rounds_need_an_agenda_and_a_facilitator_of_the_conversation(owner, conversation, seeds):
    cid = conversation.public_id
    with pytest.raises(Invalid):
        open_follow_up_round(owner.id, cid, "sin agenda")
    promote_statement(owner.id, cid, 0)
    with pytest.raises(Invalid):
        open_follow_up_round(owner.id, cid, "   ")
    stranger = make_facilitator("stranger@example.org")
    with pytest.raises(Forbidden):
        open_follow_up_round(stranger.id, cid, "intrusa")
    assert open_follow_up_round_of(cid) is None
    assert follow_up_comparison(owner.id, cid) is None


def _history_size(conversation) -> tuple[int, int]:
    from deliberation.db import db

    count = lambda model: db.session.scalar(  # noqa: E731
        sa.select(sa.func.count())
        .select_from(model)
        .where(model.conversation_id == conversation.id)
    )
    return count(VoteRecord), count(LatestVote)


def _groups(conversation) -> dict[int, int]:
    result = services.latest_math_result(conversation.public_id)
    people = result.result["mesa"]["participants"]
    return dict(zip(people["pid"], people["group"], strict=True))
