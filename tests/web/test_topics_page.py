"""The console's topics page: topics with their statements and suggested subcommittees, mapping a
topic to a subcommittee, adding subcommittees; bad input changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.models import StatementSubcommittee, Subcommittee
from deliberation.services.topics import latest_topics, refresh_stale_topics
from tests.deliberation.test_subcommittees_and_topics import JUSTICE, POLICE
from tests.web.test_console import CONSOLE, log_in, post

CHARTERS = {
    "Respuesta inmediata": "Policía, patrullas y calles.",
    "Acceso a la justicia": "Fiscales, jueces y denuncias.",
}


def _table(client, owner, conversation):
    log_in(client, owner.email)
    client.set_cookie("mesa_language", "en")
    for name, description in CHARTERS.items():
        response = post(
            client,
            f"{CONSOLE}/c/{conversation.public_id}/subcommittees",
            {"name": name, "description": description},
        )
        assert response.status_code == 302
    for text in POLICE + JUSTICE:
        services.add_seed_statement(owner.id, conversation.public_id, text)
    assert refresh_stale_topics() == 1


def _assignments() -> int:
    database.session.rollback()
    return database.session.scalar(sa.select(sa.func.count()).select_from(StatementSubcommittee))


def test_the_page_shows_topics_with_statements_and_suggested_subcommittees(
    client, owner, conversation
):
    _table(client, owner, conversation)
    html = client.get(f"{CONSOLE}/c/{conversation.public_id}/topics").get_data(as_text=True)
    topics = latest_topics(conversation.public_id)
    assert html.count('class="card topic"') == len(topics.topics) >= 2
    for text in POLICE + JUSTICE:
        assert text in html
    assert "Suggested subcommittee: Respuesta inmediata" in html
    assert "Suggested subcommittee: Acceso a la justicia" in html
    assert "(suggested)" in html
    client.set_cookie("mesa_language", "es")
    spanish = client.get(f"{CONSOLE}/c/{conversation.public_id}/topics").get_data(as_text=True)
    assert "Subcomisión sugerida: Acceso a la justicia" in spanish


def test_mapping_a_topic_assigns_its_statements(client, owner, conversation):
    _table(client, owner, conversation)
    topic = next(t for t in latest_topics(conversation.public_id).topics if 0 in t.tids)
    justice = database.session.scalar(
        sa.select(Subcommittee.id).where(Subcommittee.name == "Acceso a la justicia")
    )
    response = post(
        client,
        f"{CONSOLE}/c/{conversation.public_id}/topics/map",
        {"topic": str(topic.index), "subcommittee": str(justice)},
    )
    assert response.status_code == 302
    assert _assignments() == len(topic.tids)
    html = client.get(f"{CONSOLE}/c/{conversation.public_id}/topics").get_data(as_text=True)
    assert f"{len(topic.tids)} statements assigned." in html


def test_bad_input_changes_nothing(client, owner, conversation):
    _table(client, owner, conversation)
    for form in ({"topic": "x", "subcommittee": "1"}, {"topic": "99", "subcommittee": "1"}, {}):
        response = post(client, f"{CONSOLE}/c/{conversation.public_id}/topics/map", form)
        assert response.status_code == 302
    assert _assignments() == 0
    post(client, f"{CONSOLE}/c/{conversation.public_id}/subcommittees", {"name": "  "})
    post(
        client,
        f"{CONSOLE}/c/{conversation.public_id}/subcommittees",
        {"name": "respuesta inmediata"},
    )
    database.session.rollback()
    assert database.session.scalar(sa.select(sa.func.count()).select_from(Subcommittee)) == 2
    html = client.get(f"{CONSOLE}/c/{conversation.public_id}/topics").get_data(as_text=True)
    assert "Not done:" in html


def test_the_methods_page_explains_topics_in_both_languages(client):
    english = client.get("/methods?lang=en").get_data(as_text=True)
    assert "Topics and subcommittees" in english and "NPMI coherence" in english
    spanish = client.get("/methods?lang=es").get_data(as_text=True)
    assert "Temas y subcomisiones" in spanish and "coherencia NPMI" in spanish
