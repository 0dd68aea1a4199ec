import random
from collections import Counter

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.errors import Invalid
from deliberation.models import Conversation
from deliberation.services import routing
from deliberation.services.routing import routing_weight, weighted_choice
from tests.deliberation.conftest import join
from web.api.schemas import statement_for_reader


class FixedRandom(random.Random):
    """A Random whose draws are given in advance, to check the cumulative-sum rule exactly."""

    def __init__(self, *draws):
        super().__init__(0)
        self.draws = list(draws)

    def random(self):
        return self.draws.pop(0)


def test_weighted_choice_takes_the_first_cumulative_weight_above_the_draw():
    items, weights = [10, 11, 12], [1.0, 2.0, 1.0]  # cumulative 1, 3, 4
    assert weighted_choice(items, weights, FixedRandom(0.0)) == 10
    assert weighted_choice(items, weights, FixedRandom(0.24)) == 10
    assert weighted_choice(items, weights, FixedRandom(0.25)) == 11  # r = 1.0, not > 1
    assert weighted_choice(items, weights, FixedRandom(0.74)) == 11
    assert weighted_choice(items, weights, FixedRandom(0.99)) == 12


@pytest.mark.parametrize(
    ("priority", "weight"),
    [(None, 1.0), (0, 1.0), (0.0, 1.0), (float("nan"), 1.0), (-3.0, 1.0), (49.0, 49.0)],
)
def test_a_missing_or_zero_priority_weighs_one(priority, weight):
    assert routing_weight(priority) == weight


def test_routes_only_unvoted_visible_statements_and_counts_them(owner, conversation, seeds):
    participant = join(conversation)
    services.moderate_statement(owner.id, conversation.public_id, 2, "rejected")
    rng = random.Random(1)

    first = services.next_statement(conversation.public_id, participant.pid, rng=rng)
    assert first.statement.tid in (0, 1)
    assert (first.remaining, first.total) == (2, 2)

    services.cast_vote(conversation.public_id, participant.pid, first.statement.tid, 0)
    second = services.next_statement(conversation.public_id, participant.pid, rng=rng)
    assert second.statement.tid == 1 - first.statement.tid
    assert (second.remaining, second.total) == (1, 2)

    services.cast_vote(conversation.public_id, participant.pid, second.statement.tid, 1)
    done = services.next_statement(conversation.public_id, participant.pid, rng=rng)
    assert (done.statement, done.remaining, done.total) == (None, 0, 2)


def test_strict_moderation_routes_only_accepted_statements(owner, conversation, seeds):
    services.update_conversation(owner.id, conversation.public_id, {"strict_moderation": True})
    author, reader = join(conversation), join(conversation)
    pending = services.submit_statement(conversation.public_id, author.pid, "Una idea.")
    for tid in seeds:
        services.cast_vote(conversation.public_id, reader.pid, tid, 1)
    assert services.next_statement(conversation.public_id, reader.pid).statement is None

    services.moderate_statement(owner.id, conversation.public_id, pending.tid, "accepted")
    routed = services.next_statement(conversation.public_id, reader.pid)
    assert routed.statement.tid == pending.tid and routed.total == 4


def test_without_strict_moderation_unmoderated_statements_are_routed(conversation, seeds):
    author, reader = join(conversation), join(conversation)
    pending = services.submit_statement(conversation.public_id, author.pid, "Una idea.")
    seen = Counter(
        services.next_statement(
            conversation.public_id, reader.pid, rng=random.Random(i)
        ).statement.tid
        for i in range(40)
    )
    assert pending.tid in seen
    # The author already voted on their own statement.
    assert services.next_statement(conversation.public_id, author.pid).remaining == 3


def test_draws_follow_the_latest_stored_priorities(conversation, seeds):
    participant = join(conversation)

    def frequencies():
        rng = random.Random(7)
        draws = Counter(
            services.next_statement(conversation.public_id, participant.pid, rng=rng).statement.tid
            for _ in range(300)
        )
        return {tid: draws[tid] / 300 for tid in seeds}

    uniform = frequencies()  # no math yet: every statement weighs 1
    assert all(0.25 < share < 0.42 for share in uniform.values())

    services.record_math_result(
        conversation.public_id, "slow", {"comment-priorities": {"0": 98.0, "1": 0, "2": 1.0}}
    )
    services.record_math_result(
        conversation.public_id, "fast", {"comment-priorities": {"0": 1.0, "1": 0, "2": 98.0}}
    )
    # Newest result wins: tid 2 weighs 98 of 100; tid 1's priority 0 counts as 1.
    shares = frequencies()
    assert shares[2] > 0.95
    assert 0 < shares[1] < 0.05


def test_math_results_are_versioned_per_conversation(owner, conversation):
    first = services.record_math_result(conversation.public_id, "fast", {"n": 0})
    second = services.record_math_result(conversation.public_id, "slow", {"n": 1})
    other = services.create_conversation(owner.id, "Otra mesa")
    assert services.record_math_result(other.public_id, "fast", {}).version == 1
    assert (first.version, second.version) == (1, 2)
    assert services.latest_math_result(conversation.public_id).result == {"n": 1}
    assert services.latest_math_result(conversation.public_id, kind="fast").version == 1
    assert services.latest_math_result(other.public_id, kind="slow") is None
    with pytest.raises(Invalid):
        services.record_math_result(conversation.public_id, "medium", {})


def statements_version(database, conversation) -> int:
    database.session.rollback()
    return database.session.scalar(
        sa.select(Conversation.statements_version).where(Conversation.id == conversation.id)
    )


def test_every_change_to_what_is_routed_moves_the_statements_version(
    db, owner, conversation, seeds
):
    """Each process keeps what it routes by until this version moves (routing.RoutingState):
    a write that left it still would leave every process showing the old statements."""
    versions = [statements_version(db, conversation)]

    def moved() -> bool:
        versions.append(statements_version(db, conversation))
        return versions[-1] > versions[-2]

    author = join(conversation)
    added = services.submit_statement(conversation.public_id, author.pid, "Una idea nueva.")
    assert moved()
    services.moderate_statement(owner.id, conversation.public_id, added.tid, "rejected")
    assert moved()
    services.translate_statement(owner.id, conversation.public_id, 0, "en", "In English.")
    assert moved()
    services.translate_statement(owner.id, conversation.public_id, 0, "en", "Changed.")
    assert moved()
    services.set_statement_meta(owner.id, conversation.public_id, 1, True)
    assert moved()
    services.cast_vote(conversation.public_id, author.pid, 0, 1)
    assert not moved()  # votes are the participant's own: they move nothing shared
    services.delete_participation(conversation.public_id, author.pid)
    assert moved()


def test_a_process_that_routed_a_statement_stops_drawing_it_once_it_is_rejected(
    owner, conversation, seeds
):
    reader = join(conversation)
    rng = random.Random(3)
    drawn = {
        services.next_statement(conversation.public_id, reader.pid, rng=rng).statement.tid
        for _ in range(40)
    }
    assert drawn == set(seeds)  # the routing state of this process now holds all three

    services.moderate_statement(owner.id, conversation.public_id, seeds[1], "rejected")
    after = [
        services.next_statement(conversation.public_id, reader.pid, rng=rng) for _ in range(40)
    ]
    assert {n.statement.tid for n in after} == {seeds[0], seeds[2]}
    assert {(n.remaining, n.total) for n in after} == {(2, 2)}


def test_a_translation_added_after_routing_is_shown_at_once(owner, conversation, seeds):
    reader = join(conversation)
    for tid in seeds[1:]:
        services.cast_vote(conversation.public_id, reader.pid, tid, 1)
    before = services.next_statement(conversation.public_id, reader.pid).statement
    assert before.text_in("en") == before.text  # no translation yet

    services.translate_statement(owner.id, conversation.public_id, seeds[0], "en", "In English.")
    shown = services.next_statement(conversation.public_id, reader.pid).statement
    assert shown.text_in("en") == "In English."
    assert shown.shown_language("en") == "en"
    assert shown.shown_as(statement_for_reader, "en")["text"] == "In English."


def test_the_vote_draws_in_its_own_transaction_and_never_returns_the_statement_voted_on(
    conversation, seeds
):
    reader = join(conversation)
    for tid in seeds:
        receipt, next_up = services.cast_vote_and_draw_next(
            conversation.public_id, reader.pid, tid, 1
        )
        assert receipt.tid == tid
        assert next_up.statement is None or next_up.statement.tid != tid
    assert (next_up.statement, next_up.remaining) == (None, 0)


def test_a_new_result_alone_rereads_the_priorities_not_the_statements(
    db, conversation, seeds, monkeypatch
):
    """The recompute worker stores a result every few seconds while people vote, and every web
    process then rebuilds its routing state: the statements stay, while younger than the
    state's age bound; only the priorities are read."""
    reader = join(conversation)
    services.next_statement(conversation.public_id, reader.pid)  # the state is built
    queries = []

    def record(_connection, _cursor, statement, *_rest):
        queries.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    reading_statements = lambda: [q for q in queries if "FROM statements" in q]  # noqa: E731
    try:
        services.record_math_result(
            conversation.public_id, "fast", {"comment-priorities": {str(seeds[2]): 1000.0}}
        )
        queries.clear()
        rng = random.Random(5)
        drawn = Counter(
            services.next_statement(conversation.public_id, reader.pid, rng=rng).statement.tid
            for _ in range(50)
        )
        assert drawn[seeds[2]] > 45  # the new priorities rule the draw
        assert reading_statements() == []
        monkeypatch.setattr(routing, "STATE_MAX_AGE_S", 0.0)  # the age bound still holds
        services.next_statement(conversation.public_id, reader.pid)
        assert len(reading_statements()) == 1
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
