import random
from collections import Counter

import pytest

from deliberation import services
from deliberation.errors import Invalid
from deliberation.services.routing import routing_weight, weighted_choice
from tests.deliberation.conftest import join


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
