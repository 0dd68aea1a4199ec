import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.errors import Closed, Forbidden, Invalid
from deliberation.models import Participant
from tests.deliberation.conftest import join, signed_xid


def test_participants_are_numbered_from_zero_per_conversation(owner, conversation):
    other = services.create_conversation(owner.id, "Otra mesa")
    assert [join(conversation).pid for _ in range(3)] == [0, 1, 2]
    assert join(other).pid == 0
    assert join(conversation).pid == 3


def test_token_identifies_the_participant_only_in_its_conversation(owner, conversation):
    joined = join(conversation, sector="comercio")
    assert joined.sector == "comercio" and not joined.is_returning
    assert services.identify_participant(conversation.public_id, joined.token).pid == joined.pid

    other = services.create_conversation(owner.id, "Otra mesa")
    with pytest.raises(Forbidden):
        services.identify_participant(other.public_id, joined.token)
    with pytest.raises(Forbidden):
        services.identify_participant(conversation.public_id, joined.token + "x")


def test_only_a_digest_of_the_token_is_stored_and_no_address(db, conversation):
    joined = join(conversation)
    stored = db.session.scalar(sa.select(Participant))
    assert joined.token not in (stored.token_digest, stored.xid)
    assert len(joined.token) >= 40
    columns = {column.name for table in db.metadata.sorted_tables for column in table.columns}
    assert not {name for name in columns if "ip" in name.split("_") or "address" in name}


def test_sector_must_be_one_of_the_conversation(conversation):
    with pytest.raises(Invalid):
        join(conversation, sector="ejército")


def test_closed_conversation_admits_nobody(owner, conversation):
    services.update_conversation(owner.id, conversation.public_id, {"is_open": False})
    with pytest.raises(Closed):
        join(conversation)


def test_invite_mode_needs_a_code_and_counts_its_uses(owner, conversation):
    services.update_conversation(owner.id, conversation.public_id, {"access_mode": "invite"})
    invite = services.create_invite_code(owner.id, conversation.public_id, sector="gobierno")
    with pytest.raises(Forbidden):
        join(conversation)
    with pytest.raises(Forbidden):
        join(conversation, invite_code="wrongcode123")

    first = join(conversation, invite_code=invite.code)
    join(conversation, invite_code=invite.code, sector="comercio")
    assert first.sector == "gobierno"
    [stored] = services.invite_codes(owner.id, conversation.public_id)
    assert stored.used_count == 2

    other = services.create_conversation(owner.id, "Otra mesa", access_mode="invite")
    with pytest.raises(Forbidden):  # a code works only for its own conversation
        join(other, invite_code=invite.code)


def test_xid_mode_admits_only_the_allow_list_and_recognises_returning_xids(owner, conversation):
    services.update_conversation(owner.id, conversation.public_id, {"access_mode": "xid"})
    assert services.allow_xids(owner.id, conversation.public_id, ["ana", "beto", "ana"]) == 2
    assert services.allow_xids(owner.id, conversation.public_id, ["ana", "carla"]) == 1
    with pytest.raises(Forbidden):
        join(conversation)
    with pytest.raises(Forbidden):
        join(conversation, **signed_xid(conversation.public_id, "mallory"))

    first = join(conversation, **signed_xid(conversation.public_id, "ana"))
    again = join(conversation, **signed_xid(conversation.public_id, "ana"))
    assert again.pid == first.pid and again.is_returning
    with pytest.raises(Forbidden):  # the device that joined first has been replaced
        services.identify_participant(conversation.public_id, first.token)
    assert services.identify_participant(conversation.public_id, again.token).pid == first.pid

    services.disallow_xid(owner.id, conversation.public_id, "beto")
    with pytest.raises(Forbidden):
        join(conversation, **signed_xid(conversation.public_id, "beto"))


def test_link_mode_also_recognises_xids_from_embedding_sites(conversation):
    first = join(conversation, **signed_xid(conversation.public_id, "site-user-7"))
    assert join(conversation, **signed_xid(conversation.public_id, "site-user-7")).pid == first.pid
    assert join(conversation).pid == first.pid + 1
