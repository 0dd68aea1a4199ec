"""Sector invite codes (issue 14 point 2): a code sets its holder's sector and counts one use
per participant it admits, in every access mode; a wrong code, or another conversation's, is
refused and stores nothing. Sector counts are what a round-table watches most."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db
from deliberation.errors import Forbidden, NotFound
from deliberation.models import InviteCode, Participant
from tests.deliberation.conftest import join, signed_xid
from tests.deliberation.test_concurrency import THREADS, run_in_threads


def uses(code: str) -> int:
    db.session.rollback()  # read afresh what the join committed
    return db.session.scalar(sa.select(InviteCode.used_count).where(InviteCode.code == code))


def participants() -> list[tuple[int, str | None]]:
    db.session.rollback()
    return list(db.session.execute(sa.select(Participant.pid, Participant.sector)))


@pytest.mark.parametrize("mode", ["link", "invite"])
def test_a_sector_code_sets_the_sector_and_counts_one_use_per_participant(
    owner, conversation, mode
):
    services.update_conversation(owner.id, conversation.public_id, {"access_mode": mode})
    code = services.create_invite_code(owner.id, conversation.public_id, sector="comercio").code

    first = join(conversation, invite_code=code)
    # The code's sector wins over one picked on the landing page.
    second = join(conversation, invite_code=f" {code.upper()} ", sector="gobierno")

    assert (first.sector, second.sector) == ("comercio", "comercio")
    assert uses(code) == 2
    assert sorted(participants()) == [(first.pid, "comercio"), (second.pid, "comercio")]


def test_a_code_without_a_sector_counts_and_keeps_the_declared_sector(owner, conversation):
    code = services.create_invite_code(owner.id, conversation.public_id).code
    joined = join(conversation, invite_code=code, sector="gobierno")
    assert joined.sector == "gobierno"
    assert uses(code) == 1


def test_link_mode_still_admits_without_a_code_and_counts_nothing(owner, conversation):
    code = services.create_invite_code(owner.id, conversation.public_id, sector="comercio").code
    assert join(conversation).sector is None
    assert uses(code) == 0


@pytest.mark.parametrize("mode", ["link", "invite", "xid"])
def test_a_wrong_code_or_another_conversations_is_refused_and_stores_nothing(
    owner, conversation, mode
):
    services.update_conversation(owner.id, conversation.public_id, {"access_mode": mode})
    services.allow_xids(owner.id, conversation.public_id, ["ana"])
    other = services.create_conversation(owner.id, "Otra mesa", stakeholder_sectors=["comercio"])
    foreign = services.create_invite_code(owner.id, other.public_id, sector="comercio").code
    ana = signed_xid(conversation.public_id, "ana")

    for code in ("wrongcode123", foreign):
        with pytest.raises(Forbidden) as refused:
            join(conversation, invite_code=code, **ana)
        assert refused.value.code == "invite_invalid" and refused.value.http_status == 403

    assert participants() == []
    assert uses(foreign) == 0


def test_invite_mode_still_requires_a_code(owner, conversation):
    services.update_conversation(owner.id, conversation.public_id, {"access_mode": "invite"})
    for blank in (None, "", "   "):
        with pytest.raises(Forbidden):
            join(conversation, invite_code=blank)
    assert participants() == []


def test_xid_mode_counts_a_code_once_for_a_returning_xid(owner, conversation):
    services.update_conversation(owner.id, conversation.public_id, {"access_mode": "xid"})
    services.allow_xids(owner.id, conversation.public_id, ["ana"])
    code = services.create_invite_code(owner.id, conversation.public_id, sector="gobierno").code

    first = join(conversation, invite_code=code, **signed_xid(conversation.public_id, "ana"))
    again = join(conversation, invite_code=code, **signed_xid(conversation.public_id, "ana"))

    assert again.is_returning and again.pid == first.pid
    assert (first.sector, again.sector) == ("gobierno", "gobierno")
    assert uses(code) == 1
    assert participants() == [(first.pid, "gobierno")]


def test_a_returning_xid_without_a_sector_takes_the_codes_once(owner, conversation):
    code = services.create_invite_code(owner.id, conversation.public_id, sector="comercio").code
    first = join(conversation, **signed_xid(conversation.public_id, "beto"))
    assert first.sector is None and uses(code) == 0

    for _ in range(2):
        again = join(conversation, invite_code=code, **signed_xid(conversation.public_id, "beto"))
        assert again.pid == first.pid and again.sector == "comercio"
    assert uses(code) == 1


def test_concurrent_joins_with_one_code_count_each_participant_once(app, owner, conversation):
    public_id = conversation.public_id  # ORM objects belong to this thread's session
    code = services.create_invite_code(owner.id, public_id, sector="comercio").code
    joined = run_in_threads(app, lambda _: services.join_conversation(public_id, invite_code=code))
    assert len({participant.pid for participant in joined}) == THREADS
    assert uses(code) == THREADS
    assert [sector for _, sector in participants()] == ["comercio"] * THREADS


def test_an_invite_code_leads_to_its_conversation_without_being_used(owner, conversation):
    code = services.create_invite_code(owner.id, conversation.public_id, sector="comercio").code
    assert services.conversation_of_invite(f" {code[:6].upper()} {code[6:]}") == (
        conversation.public_id
    )
    assert uses(code) == 0
    for typed in ("", "wrongcode123", conversation.public_id):
        with pytest.raises(NotFound):
            services.conversation_of_invite(typed)
