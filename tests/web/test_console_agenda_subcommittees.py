"""The agenda and follow-up pages by subcommittee (issue 17): items grouped under their
subcommittee in the subcommittees' order, a filter that keeps one subcommittee's (or those with
none), promotion and editing with a subcommittee chosen from the list, refusals as 4xx."""

import re

import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.models import AgendaItem
from deliberation.services.agenda import promote_statement
from tests.web.conftest import CONSOLE, log_in, post


def _agenda(owner, conversation):
    cid = conversation.public_id
    justice = services.create_subcommittee(owner.id, cid, "Acceso a la justicia").id
    rights = services.create_subcommittee(owner.id, cid, "Derechos humanos").id
    promote_statement(owner.id, cid, 0, subcommittee_id=rights)
    promote_statement(owner.id, cid, 1, subcommittee_id=None)
    promote_statement(owner.id, cid, 2, subcommittee_id=justice)
    return cid, justice, rights


def _headings(page: str) -> list[str]:
    return re.findall(r'<h3 class="subcommittee" data-subcommittee="([^"]+)"', page)


def _item_tids(page: str) -> list[int]:
    return [int(t) for t in re.findall(r'<li class="agenda-item card" id="item-(\d+)"', page)]


def test_the_agenda_groups_and_filters_items_by_subcommittee(client, owner, conversation, seeds):
    cid, justice, rights = _agenda(owner, conversation)
    log_in(client, owner.email)
    page = client.get(f"{CONSOLE}/c/{cid}/agenda?lang=en").get_data(as_text=True)
    # The subcommittees' order (justice was created first), those with none last.
    assert _headings(page) == [str(justice), str(rights), "none"]
    assert _item_tids(page) == [2, 0, 1]
    assert 'id="filter-subcommittee"' in page

    only = client.get(f"{CONSOLE}/c/{cid}/agenda?subcommittee={rights}").get_data(as_text=True)
    assert (_headings(only), _item_tids(only)) == ([str(rights)], [0])
    none = client.get(f"{CONSOLE}/c/{cid}/agenda?subcommittee=none&lang=es").get_data(as_text=True)
    assert (_headings(none), _item_tids(none)) == (["none"], [1])
    assert "Sin subcomisión" in none

    assert client.get(f"{CONSOLE}/c/{cid}/agenda?subcommittee=abc").status_code == 400
    assert client.get(f"{CONSOLE}/c/{cid}/agenda?subcommittee=99999").status_code == 404


def test_an_item_is_moved_to_another_subcommittee_from_the_page_and_audited(
    client, owner, conversation, seeds
):
    cid, justice, rights = _agenda(owner, conversation)
    log_in(client, owner.email)
    response = post(
        client,
        f"{CONSOLE}/c/{cid}/agenda/1/edit",
        {"item1-subcommittee": justice, "item1-government_level": ""},
    )
    assert response.status_code == 302
    moved = database.session.scalar(sa.select(AgendaItem).where(AgendaItem.tid == 1))
    assert moved.subcommittee_id == justice
    entry = services.audit_trail(owner.id, cid)[-1]
    assert entry.detail["after"] == {
        "subcommittee_id": justice,
        "subcommittee": "Acceso a la justicia",
    }

    # A subcommittee of another conversation is refused, and nothing changes.
    other = services.create_conversation(owner.id, "Otra mesa").public_id
    foreign = services.create_subcommittee(owner.id, other, "Ajena").id
    post(
        client,
        f"{CONSOLE}/c/{cid}/agenda/1/edit",
        {"item1-subcommittee": foreign, "item1-government_level": ""},
    )
    page = client.get(f"{CONSOLE}/c/{cid}/agenda?lang=en").get_data(as_text=True)
    assert "No se hizo: no subcommittee" in page  # flashed in the default language
    database.session.rollback()
    assert (
        database.session.scalar(sa.select(AgendaItem.subcommittee_id).where(AgendaItem.tid == 1))
        == justice
    )


def test_promoting_from_the_page_takes_the_chosen_or_suggested_subcommittee(
    client, owner, conversation, seeds
):
    cid = conversation.public_id
    justice = services.create_subcommittee(owner.id, cid, "Acceso a la justicia").id
    log_in(client, owner.email)
    post(client, f"{CONSOLE}/c/{cid}/agenda/promote", {"tid": "0", "subcommittee": justice})
    post(client, f"{CONSOLE}/c/{cid}/agenda/promote", {"tid": "1", "subcommittee": ""})
    post(client, f"{CONSOLE}/c/{cid}/agenda/promote", {"tid": "2", "subcommittee": "suggested"})
    rows = database.session.execute(
        sa.select(AgendaItem.tid, AgendaItem.subcommittee_id).order_by(AgendaItem.tid)
    ).all()
    # No topics computed here: the suggestion is none.
    assert [tuple(r) for r in rows] == [(0, justice), (1, None), (2, None)]
    sources = [
        e.detail["subcommittee_source"]
        for e in services.audit_trail(owner.id, cid)
        if e.action == "agenda.promote"
    ]
    assert sources == ["chosen", "chosen", "suggested"]


def test_the_follow_up_groups_and_filters_by_subcommittee(client, owner, conversation, seeds):
    cid, justice, rights = _agenda(owner, conversation)
    services.open_follow_up_round(owner.id, cid, "seis meses")
    log_in(client, owner.email)
    page = client.get(f"{CONSOLE}/c/{cid}/follow-up?lang=en").get_data(as_text=True)
    assert _headings(page) == [str(justice), str(rights), "none"]

    def tids(p: str) -> list[int]:
        return [int(t) for t in re.findall(r'<article class="comparison" data-tid="(\d+)"', p)]

    assert tids(page) == [2, 0, 1]
    only = client.get(f"{CONSOLE}/c/{cid}/follow-up?subcommittee={justice}").get_data(as_text=True)
    assert (_headings(only), tids(only)) == ([str(justice)], [2])
    assert client.get(f"{CONSOLE}/c/{cid}/follow-up?subcommittee=-1").status_code == 400
