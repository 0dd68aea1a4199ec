import pytest

from deliberation import services
from deliberation.errors import Forbidden, Invalid
from deliberation.models import ModerationState
from tests.deliberation.conftest import join, make_facilitator


def test_moderators_decide_and_every_decision_is_audited(owner, conversation, seeds):
    moderator = make_facilitator("mod@example.org")
    services.grant_role(owner.id, conversation.public_id, moderator.email, "moderator")
    author = join(conversation)
    statement = services.submit_statement(conversation.public_id, author.pid, "Una idea.")
    assert [s.tid for s in services.moderation_queue(moderator.id, conversation.public_id)] == [
        statement.tid
    ]

    updated_before = statement.updated_ms
    rejected = services.moderate_statement(
        moderator.id, conversation.public_id, statement.tid, "rejected", reason="insulto"
    )
    assert rejected.moderation is ModerationState.REJECTED
    assert rejected.moderation_reason == "insulto"
    assert rejected.updated_ms >= updated_before
    assert services.moderation_queue(owner.id, conversation.public_id) == []

    meta = services.set_statement_meta(
        owner.id, conversation.public_id, 0, True, reason="sobre la mesa"
    )
    assert meta.is_meta

    entries = services.audit_trail(owner.id, conversation.public_id)
    moderation, meta_entry = entries[-2:]
    assert (moderation.action, moderation.facilitator_id, moderation.reason) == (
        "statement.moderate",
        moderator.id,
        "insulto",
    )
    assert moderation.detail == {"tid": statement.tid, "before": "todo", "after": "rejected"}
    assert meta_entry.action == "statement.meta"
    assert meta_entry.detail == {"tid": 0, "before": False, "after": True}


def test_a_moderator_of_one_conversation_cannot_touch_another(owner, conversation, seeds):
    moderator = make_facilitator("mod@example.org")
    services.grant_role(owner.id, conversation.public_id, moderator.email, "moderator")
    other_owner = make_facilitator("other@example.org")
    elsewhere = services.create_conversation(other_owner.id, "Otra mesa")
    services.add_seed_statement(other_owner.id, elsewhere.public_id, "Otra cosa.")

    for attempt in (
        lambda: services.moderate_statement(moderator.id, elsewhere.public_id, 0, "rejected"),
        lambda: services.set_statement_meta(moderator.id, elsewhere.public_id, 0, True),
        lambda: services.add_seed_statement(moderator.id, elsewhere.public_id, "Intrusa."),
        lambda: services.moderation_queue(moderator.id, elsewhere.public_id),
        lambda: services.translate_statement(moderator.id, elsewhere.public_id, 0, "en", "x"),
    ):
        with pytest.raises(Forbidden):
            attempt()
    assert (
        services.list_statements(other_owner.id, elsewhere.public_id)[0].moderation
        is ModerationState.ACCEPTED
    )


def test_moderators_cannot_change_access_or_roles(owner, conversation):
    moderator = make_facilitator("mod@example.org")
    services.grant_role(owner.id, conversation.public_id, moderator.email, "moderator")
    with pytest.raises(Forbidden):
        services.create_invite_code(moderator.id, conversation.public_id)
    with pytest.raises(Forbidden):
        services.allow_xids(moderator.id, conversation.public_id, ["x"])
    with pytest.raises(Forbidden):
        services.grant_role(moderator.id, conversation.public_id, moderator.email, "owner")


def test_unknown_moderation_state_is_invalid(owner, conversation, seeds):
    with pytest.raises(Invalid):
        services.moderate_statement(owner.id, conversation.public_id, 0, "maybe")
