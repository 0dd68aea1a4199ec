"""The demo conversation: loaded through the services, once, and with groups the math can find."""

from __future__ import annotations

import sqlalchemy as sa
from sklearn.metrics import adjusted_rand_score

from clustering.pipeline import PolisParams, update
from deliberation.db import db
from deliberation.demo import DEMO_FACILITATOR_EMAIL, load_demo, read_scenario, simulate_evening
from deliberation.math_inputs import math_inputs
from deliberation.models import Facilitator, LatestVote, Participant, VoteRecord
from deliberation.services import OPERATOR, get_conversation, list_statements


def quiet(_line: str) -> None:
    pass


def standing_votes(conversation) -> set[tuple[int, int, int]]:
    rows = db.session.execute(
        sa.select(LatestVote.pid, LatestVote.tid, LatestVote.vote).where(
            LatestVote.conversation_id == conversation.id
        )
    )
    return {tuple(row) for row in rows}


def count(model, conversation) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(model)
        .where(model.conversation_id == conversation.id)
    )


def test_demo_loads_bilingual_statements_and_the_planned_votes_once(app):
    conversation_id = load_demo(seed=3, participants=30, report=quiet)

    conversation = get_conversation(conversation_id)
    assert conversation.languages == ["es", "en"]
    assert "gobierno federal" in conversation.stakeholder_sectors
    statements = list_statements(OPERATOR, conversation_id, moderation="accepted")
    scenario = read_scenario()
    assert len(statements) == len(scenario.statements)
    assert sum(statement.is_meta for statement in statements) == 2
    for statement in statements:
        assert statement.language == "es" and len(statement.text) < 200
        assert statement.text_in("en") != statement.text
        assert len(statement.text_in("en")) < 200

    # Deterministic for a seed: what is stored is exactly the simulated evening.
    evening = simulate_evening(scenario, seed=3, participants=30)
    assert evening == simulate_evening(scenario, seed=3, participants=30)
    assert evening != simulate_evening(scenario, seed=4, participants=30)
    planned = {
        (pid, statements[index].tid, vote)
        for pid, participant in enumerate(evening)
        for index, vote, _at_ms in participant.votes
    }
    assert standing_votes(conversation) == planned
    assert all(
        0.6 * len(statements) - 1 <= len(p.votes) <= 0.9 * len(statements) + 1 for p in evening
    )
    assert {0, 1, -1} == {vote for _, _, vote in planned}
    times = db.session.scalars(
        sa.select(VoteRecord.created_ms).where(VoteRecord.conversation_id == conversation.id)
    ).all()
    assert max(times) - min(times) > 3600_000  # spread over the evening, not the load's seconds

    # A second load finds the conversation and writes nothing.
    assert load_demo(seed=3, participants=30, report=quiet) == conversation_id
    assert count(Participant, conversation) == 30
    assert count(VoteRecord, conversation) == len(planned)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Facilitator)) == 1
    assert db.session.scalar(sa.select(Facilitator.email)) == DEMO_FACILITATOR_EMAIL


def test_the_math_finds_the_planted_groups(app):
    participants = 100
    conversation_id = load_demo(seed=0, participants=participants, report=quiet)
    conversation = get_conversation(conversation_id)

    result = update(*math_inputs(conversation), params=PolisParams(seed=conversation.math_seed))

    evening = simulate_evening(read_scenario(), seed=0, participants=participants)
    people = result.to_dict()["mesa"]["participants"]
    found = {
        pid: group
        for pid, group in zip(people["pid"], people["group"], strict=True)
        if group is not None
    }
    assert len(set(found.values())) >= 2
    planted = [evening[pid].group for pid in found]
    assert adjusted_rand_score(planted, list(found.values())) >= 0.7


def test_the_demo_keeps_each_language_apart(app):
    """The topic, the description and the sectors in Spanish, with their English translations
    (shown to English readers), not the two languages run together."""
    conversation = get_conversation(load_demo(seed=3, participants=30, report=quiet))
    scenario = read_scenario()
    assert conversation.description == scenario.description["es"]
    assert scenario.description["en"] not in conversation.description
    assert conversation.description_in("en") == scenario.description["en"]
    assert conversation.topic_in("en") == scenario.topic["en"]
    assert conversation.topic_in("es") == scenario.topic["es"]
    assert conversation.sector_name("gobierno estatal", "en") == "state government"
    assert conversation.sector_name("gobierno estatal", "es") == "gobierno estatal"
    english = [conversation.sector_name(s, "en") for s in conversation.stakeholder_sectors]
    assert english == [sector["en"] for sector in _sectors_of_the_demo()]


def _sectors_of_the_demo() -> list[dict[str, str]]:
    import tomllib

    from deliberation.demo import DEMO_PATH

    with open(DEMO_PATH, "rb") as demo_file:
        return tomllib.load(demo_file)["sectors"]
