import pytest

from deliberation import services
from deliberation.errors import Conflict, Forbidden, Invalid, NotFound
from deliberation.identifiers import is_conversation_public_id, new_conversation_public_id
from deliberation.models import AccessMode, Role
from tests.deliberation.conftest import make_facilitator


def test_public_ids_look_like_polis_ids():
    ids = {new_conversation_public_id() for _ in range(500)}
    assert len(ids) == 500
    assert all(is_conversation_public_id(public_id) for public_id in ids)
    assert is_conversation_public_id("3phdex2kjf")
    assert not is_conversation_public_id("xphdex2kjf")
    assert not is_conversation_public_id("3PHDEX2KJF")


def test_new_conversation_has_defaults_and_its_creator_as_owner(owner, conversation):
    assert is_conversation_public_id(conversation.public_id)
    assert conversation.is_open and not conversation.is_archived
    assert not conversation.strict_moderation
    assert conversation.participants_can_add
    assert conversation.statement_max_length == 280
    assert conversation.languages == ["es", "en"]
    assert conversation.access_mode is AccessMode.LINK
    assert conversation.is_data_open is False
    assert conversation.attribution is None
    assert isinstance(conversation.math_seed, int)
    assert conversation.created_ms == conversation.updated_ms > 1_600_000_000_000
    assert services.conversations_of(owner.id) == [(conversation, Role.OWNER)]
    assert services.get_conversation(conversation.public_id).topic == conversation.topic


def test_creation_takes_settings_and_an_imported_public_id(owner):
    created = services.create_conversation(
        owner.id,
        "Imported",
        public_id="3phdex2kjf",
        strict_moderation=True,
        access_mode="invite",
        subcommittee="Acceso a la justicia",
        attribution="Data was gathered using the Polis software",
        math_seed=42,
    )
    assert created.public_id == "3phdex2kjf"
    assert created.access_mode is AccessMode.INVITE
    assert created.math_seed == 42
    with pytest.raises(Conflict):
        services.create_conversation(owner.id, "Again", public_id="3phdex2kjf")
    with pytest.raises(Invalid):
        services.create_conversation(owner.id, "Bad id", public_id="not-an-id")


@pytest.mark.parametrize(
    "settings",
    [
        {"topic": "  "},
        {"statement_max_length": 0},
        {"statement_max_length": True},
        {"languages": ["Spanish"]},
        {"stakeholder_sectors": ["a", "a"]},
        {"access_mode": "password"},
        {"is_open": "yes"},
        {"colour": "red"},
    ],
)
def test_invalid_settings_are_refused(owner, conversation, settings):
    with pytest.raises(Invalid):
        services.update_conversation(owner.id, conversation.public_id, settings)


def test_owner_changes_settings_and_each_change_is_audited(owner, conversation):
    updated = services.update_conversation(
        owner.id,
        conversation.public_id,
        {"is_open": False, "topic": conversation.topic, "statement_max_length": 140},
        reason="fin de la sesión",
    )
    assert updated.is_open is False and updated.statement_max_length == 140
    entry = services.audit_trail(owner.id, conversation.public_id)[-1]
    assert entry.action == "conversation.update"
    assert entry.facilitator_id == owner.id
    assert entry.reason == "fin de la sesión"
    # The unchanged topic is not recorded.
    assert entry.detail == {
        "is_open": {"before": True, "after": False},
        "statement_max_length": {"before": 280, "after": 140},
    }


def test_only_owners_change_settings_and_only_their_own(owner, conversation):
    moderator = make_facilitator("mod@example.org")
    services.grant_role(owner.id, conversation.public_id, moderator.email, "moderator")
    with pytest.raises(Forbidden):
        services.update_conversation(moderator.id, conversation.public_id, {"is_open": False})

    other_owner = make_facilitator("other@example.org")
    elsewhere = services.create_conversation(other_owner.id, "Another table")
    with pytest.raises(Forbidden):
        services.update_conversation(owner.id, elsewhere.public_id, {"is_open": False})
    with pytest.raises(Forbidden):
        services.audit_trail(owner.id, elsewhere.public_id)


def test_unknown_conversation_is_not_found(app):
    with pytest.raises(NotFound):
        services.get_conversation("0000000000")
