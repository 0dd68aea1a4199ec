import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.errors import Closed, Conflict, Forbidden, Invalid
from deliberation.models import LatestVote, ModerationState, VoteRecord
from tests.deliberation.conftest import join


def test_seed_statements_are_accepted_numbered_from_zero_and_audited(owner, conversation, seeds):
    assert seeds == [0, 1, 2]
    statements = services.list_statements(owner.id, conversation.public_id)
    assert all(s.is_seed and s.author_pid is None for s in statements)
    assert {s.moderation for s in statements} == {ModerationState.ACCEPTED}
    actions = [entry.action for entry in services.audit_trail(owner.id, conversation.public_id)]
    assert actions == ["conversation.create"] + ["statement.seed"] * 3


def test_seeds_get_no_vote(db, seeds):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VoteRecord)) == 0


def test_participant_statement_waits_for_moderation_and_its_author_agrees(db, conversation, seeds):
    author = join(conversation)
    statement = services.submit_statement(
        conversation.public_id, author.pid, "  Queremos saber cuántos fiscales hay.  "
    )
    assert statement.tid == 3
    assert statement.text == "Queremos saber cuántos fiscales hay."
    assert statement.author_pid == author.pid and not statement.is_seed
    assert statement.moderation is ModerationState.TODO
    [history] = db.session.scalars(sa.select(VoteRecord)).all()
    [latest] = db.session.scalars(sa.select(LatestVote)).all()
    assert (history.pid, history.tid, history.vote) == (author.pid, 3, 1)
    assert (latest.pid, latest.tid, latest.vote) == (author.pid, 3, 1)
    assert history.created_ms == statement.created_ms


@pytest.mark.parametrize(
    "variant",
    [
        "Más fiscales e investigadores, no más soldados.",
        "más FISCALES e investigadores,   no más soldados.",
        "  Más fiscales e\ninvestigadores, no más soldados. ",
        # The same accents, decomposed: a different byte string, the same statement.
        "Ma\u0301s fiscales e investigadores, no ma\u0301s soldados.",
    ],
)
def test_duplicate_statements_are_refused(owner, conversation, seeds, variant):
    participant = join(conversation)
    with pytest.raises(Conflict) as refusal:
        services.submit_statement(conversation.public_id, participant.pid, variant)
    assert refusal.value.code == "statement_duplicate"
    with pytest.raises(Conflict):
        services.add_seed_statement(owner.id, conversation.public_id, variant)
    # The refused statement did not use up a tid.
    added = services.submit_statement(conversation.public_id, participant.pid, "Algo nuevo.")
    assert added.tid == len(seeds)


def test_the_length_limit_is_enforced(owner, conversation):
    services.update_conversation(owner.id, conversation.public_id, {"statement_max_length": 20})
    participant = join(conversation)
    services.submit_statement(conversation.public_id, participant.pid, "x" * 10 + " " + "w" * 9)
    with pytest.raises(Invalid):
        services.submit_statement(conversation.public_id, participant.pid, "y" * 21)
    with pytest.raises(Invalid):
        services.add_seed_statement(owner.id, conversation.public_id, "z" * 21)
    with pytest.raises(Invalid):
        services.submit_statement(conversation.public_id, participant.pid, "   ")


def test_statements_are_refused_when_participants_may_not_add(owner, conversation):
    participant = join(conversation)
    services.update_conversation(owner.id, conversation.public_id, {"participants_can_add": False})
    with pytest.raises(Forbidden):
        services.submit_statement(conversation.public_id, participant.pid, "Una idea.")
    # Facilitators still seed.
    services.add_seed_statement(owner.id, conversation.public_id, "Una idea.")


def test_statements_are_refused_in_a_closed_conversation(owner, conversation):
    participant = join(conversation)
    services.update_conversation(owner.id, conversation.public_id, {"is_open": False})
    with pytest.raises(Closed):
        services.submit_statement(conversation.public_id, participant.pid, "Una idea.")
    # Seeds may be prepared before the conversation opens, but not once it is archived.
    services.add_seed_statement(owner.id, conversation.public_id, "Una idea.")
    services.update_conversation(owner.id, conversation.public_id, {"is_archived": True})
    with pytest.raises(Closed):
        services.add_seed_statement(owner.id, conversation.public_id, "Otra idea.")


def test_translations_per_language(owner, conversation, seeds):
    services.translate_statement(
        owner.id, conversation.public_id, 0, "en", "More prosecutors, not more soldiers."
    )
    statement = services.translate_statement(
        owner.id,
        conversation.public_id,
        0,
        "en",
        "More prosecutors and investigators, not soldiers.",
    )
    assert [t.language for t in statement.translations] == ["en"]
    assert statement.text_in("en") == "More prosecutors and investigators, not soldiers."
    assert statement.text_in("es") == statement.text
    assert services.audit_trail(owner.id, conversation.public_id)[-1].detail["before"] == (
        "More prosecutors, not more soldiers."
    )
    with pytest.raises(Invalid):
        services.translate_statement(owner.id, conversation.public_id, 0, "English", "x")
