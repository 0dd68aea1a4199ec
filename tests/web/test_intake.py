"""Intake and moderation (issue 10, point 4): a statement says something, a participant is told
what their pending statement means, and a moderator sees how many people already voted on each
queued statement and that the reason they type is shown to its author."""

from __future__ import annotations

import pytest

from deliberation import services
from deliberation.errors import Invalid
from tests.web.conftest import join
from tests.web.test_console import CONSOLE, log_in


@pytest.fixture(autouse=True)
def english_console(client):
    """These tests read the console's English text; its Spanish is test_console_language's."""
    client.set_cookie("mesa_language", "en")


@pytest.mark.parametrize("text", ["ok", "  sí  ", "+1", "no no", "a b c"])
def test_a_statement_needs_a_few_words(owner, conversation, seeds, text):
    participant = services.join_conversation(conversation.public_id)
    before = len(services.list_statements(owner.id, conversation.public_id))
    with pytest.raises(Invalid) as refusal:
        services.submit_statement(conversation.public_id, participant.pid, text)
    assert refusal.value.code == "statement_too_short"
    assert len(services.list_statements(owner.id, conversation.public_id)) == before


def test_the_phone_page_says_so_in_spanish(client, conversation, seeds):
    join(client, conversation.public_id)
    page = client.get(f"/c/{conversation.public_id}/statements?lang=es").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    refused = client.post(
        f"/c/{conversation.public_id}/statements", data={"csrf_token": token, "text": "ok"}
    )
    assert refused.status_code == 400
    assert "al menos dos palabras" in refused.get_data(as_text=True)
    added = client.post(
        f"/c/{conversation.public_id}/statements",
        data={"csrf_token": token, "text": "Más luz en las paradas."},
    )
    assert added.status_code in (200, 302, 303)
    shown = client.get(f"/c/{conversation.public_id}/statements").get_data(as_text=True)
    # Not strict: others already see it, so the page must not say it waits for moderation.
    assert "Los demás ya pueden votarla" in shown and "Esperando moderación" not in shown


def test_the_queue_shows_each_statements_votes_and_who_reads_the_reason(
    client, owner, conversation, seeds
):
    cid = conversation.public_id
    author = services.join_conversation(cid)
    queued = services.submit_statement(cid, author.pid, "Patrullas a pie en el centro.")
    for vote in (1, -1):
        voter = services.join_conversation(cid)
        services.cast_vote(cid, voter.pid, queued.tid, vote)
    log_in(client, owner.email)
    page = client.get(f"{CONSOLE}/c/{cid}/moderation").get_data(as_text=True)
    assert f'data-tid="{queued.tid}"' in page
    assert 'data-votes="3"' in page  # the author's own agree and the two others
    assert "shown to the author" in page
