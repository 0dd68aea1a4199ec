"""The console's agenda page for issue 14 point 3: statements that are not candidates are listed
apart with their reason, a queued statement cannot be promoted, an item is withdrawn with a
reason, and promoting and closing a round ask for confirmation."""

import re

import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.models import AgendaItem
from tests.deliberation.test_agenda_eligibility import two_camps
from tests.web.conftest import CONSOLE, log_in, post


def _items():
    database.session.rollback()
    return database.session.execute(sa.select(AgendaItem.tid).order_by(AgendaItem.tid)).all()


def _participant(conversation):
    return services.join_conversation(conversation.public_id).pid


def test_a_queued_statement_is_listed_apart_and_its_promotion_refused(
    client, owner, conversation, seeds
):
    cid = conversation.public_id
    queued = services.submit_statement(cid, _participant(conversation), "Mano dura ya.")
    log_in(client, owner.email)

    page = client.get(f"{CONSOLE}/c/{cid}/agenda?lang=es").get_data(as_text=True)
    held_back = page[page.index('class="list held-back"') :]
    assert re.search(
        rf'data-tid="{queued.tid}" data-reason="awaiting_moderation">.*?Esperando moderación',
        held_back,
        re.S,
    )
    assert "data-promote" not in page  # nothing has enough votes to be a candidate
    assert "al menos 5 integrantes de cada grupo" in page

    response = post(client, f"{CONSOLE}/c/{cid}/agenda/promote", {"tid": str(queued.tid)})
    assert response.status_code == 302
    page = client.get(f"{CONSOLE}/c/{cid}/agenda?lang=es").get_data(as_text=True)
    # In the page's language (issue 14, point 1), no longer the service's English message.
    assert "No se hizo: la afirmación aún espera moderación" in page
    assert _items() == []


def test_an_item_is_withdrawn_with_a_reason_from_the_console(client, owner, conversation, seeds):
    cid = conversation.public_id
    services.promote_statement(owner.id, cid, seeds[0])
    log_in(client, owner.email)
    page = client.get(f"{CONSOLE}/c/{cid}/agenda?lang=es").get_data(as_text=True)
    assert f'data-withdraw="{seeds[0]}"' in page and "Retirar de la agenda" in page

    # No reason: refused, the item stays.
    post(client, f"{CONSOLE}/c/{cid}/agenda/{seeds[0]}/withdraw", {"reason": "  "})
    assert _items() == [(seeds[0],)]

    response = post(
        client, f"{CONSOLE}/c/{cid}/agenda/{seeds[0]}/withdraw", {"reason": "Lo pidió la mesa."}
    )
    assert response.status_code == 302
    assert _items() == []
    entry = services.audit_trail(owner.id, cid)[-1]
    assert (entry.action, entry.reason) == ("agenda.withdraw", "Lo pidió la mesa.")
    page = client.get(f"{CONSOLE}/c/{cid}/agenda?lang=es").get_data(as_text=True)
    assert f"La afirmación {seeds[0]} ya no está en la agenda." in page
    assert f'data-withdraw="{seeds[0]}"' not in page


def test_promoting_withdrawing_and_closing_a_round_ask_for_confirmation(
    client, owner, conversation, seeds
):
    cid = conversation.public_id
    _, lonely = two_camps(owner, conversation, seeds)  # two groups of twelve
    services.promote_statement(owner.id, cid, seeds[0])
    services.open_follow_up_round(owner.id, cid, "seis meses")
    log_in(client, owner.email)
    agenda = client.get(f"{CONSOLE}/c/{cid}/agenda?lang=es").get_data(as_text=True)
    assert f'data-confirm="¿Llevar la afirmación {seeds[1]} a la agenda' in agenda
    assert re.search(
        rf'data-tid="{lonely}" data-reason="too_few_votes">.*?Muy pocos votos en el grupo [AB]<',
        agenda,
        re.S,
    )
    assert f'data-confirm="¿Retirar la afirmación {seeds[0]} de la agenda?' in agenda
    follow_up = client.get(f"{CONSOLE}/c/{cid}/follow-up?lang=es").get_data(as_text=True)
    assert 'data-confirm="¿Cerrar la ronda?' in follow_up
