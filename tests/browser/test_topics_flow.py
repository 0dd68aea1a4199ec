"""Topics and near-duplicates in Chromium: a participant typing a statement close to an existing
one is shown it and votes on it instead (Spanish and English); a facilitator reads the topics
page, adds a subcommittee and maps a topic to it. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from deliberation import services
from deliberation.db import db as database
from deliberation.models import LatestVote, Statement, StatementSubcommittee
from deliberation.services.subcommittees import create_subcommittee
from deliberation.services.topics import latest_topics, refresh_stale_topics
from tests.browser.conftest import PASSWORD, assert_accessible, fresh_session, screenshot
from tests.browser.test_console_flow import desktop  # noqa: F401 - the laptop-sized page
from tests.deliberation.test_subcommittees_and_topics import JUSTICE, POLICE

pytestmark = pytest.mark.e2e

EXISTING = "Las víctimas deben tener un asesor jurídico gratuito desde la denuncia."
DRAFT = "Creo que las víctimas deben tener un asesor jurídico gratuito desde la denuncia"
WORDING = {
    "en": (
        "Start voting",
        "Add a statement",
        "Your statement",
        "Send",
        "Someone already said something similar",
        "Agree",
        "Send mine anyway",
    ),
    "es": (
        "Empezar a votar",
        "Agregar una afirmación",
        "Tu afirmación",
        "Enviar",
        "Alguien ya dijo algo parecido",
        "De acuerdo",
        "Enviar la mía de todos modos",
    ),
}


def _conversation(owner):
    conversation = services.create_conversation(owner.id, "¿Qué pedimos a la Federación?")
    for text in POLICE + JUSTICE + [EXISTING]:
        services.add_seed_statement(owner.id, conversation.public_id, text, language="es")
    return conversation


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_participant_votes_on_the_similar_statement_instead(phone, live_server, owner, language):
    start, add, label, send, heading, agree, anyway = WORDING[language]
    conversation = _conversation(owner)
    existing_tid = len(POLICE + JUSTICE)
    phone.context.add_cookies(
        [{"name": "mesa_language", "value": language, "url": live_server.url}]
    )
    phone.goto(live_server.conversation_url(conversation.public_id))
    phone.get_by_role("button", name=start).click()
    phone.wait_for_selector("#vote-form")
    phone.get_by_role("link", name=add).click()
    phone.get_by_label(label).fill(DRAFT)
    phone.get_by_role("button", name=send, exact=True).click()

    similar = phone.locator("#similar")
    expect(similar.get_by_role("heading", name=heading)).to_be_visible()
    expect(similar.locator(".statement")).to_have_text(EXISTING)
    expect(phone.get_by_label(label)).to_have_value(DRAFT)  # the draft is kept
    expect(phone.get_by_role("button", name=anyway)).to_be_visible()
    screenshot(phone, f"near-duplicate-{language}")
    assert_accessible(phone, f"near-duplicate prompt ({language})")

    similar.get_by_role("button", name=agree, exact=True).click()
    phone.wait_for_url(f"**/votes#s{existing_tid}")
    fresh_session()
    votes = database.session.execute(
        sa.select(LatestVote.tid, LatestVote.vote).where(
            LatestVote.conversation_id == conversation.id
        )
    ).all()
    assert [(tid, vote) for tid, vote in votes] == [(existing_tid, 1)]
    count = database.session.scalar(
        sa.select(sa.func.count())
        .select_from(Statement)
        .where(Statement.conversation_id == conversation.id)
    )
    assert count == len(POLICE + JUSTICE) + 1  # the draft was not sent


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_facilitator_maps_a_topic_to_a_subcommittee(desktop, live_server, owner, language):  # noqa: F811
    page, _recorder = desktop
    conversation = _conversation(owner)
    create_subcommittee(
        owner.id, conversation.public_id, "Respuesta inmediata", "Policía, patrullas y calles."
    )
    assert refresh_stale_topics() == 1
    page.context.add_cookies([{"name": "mesa_language", "value": language, "url": live_server.url}])
    base = f"{live_server.url}/console"
    page.goto(f"{base}/login")
    # The login page is in the cookie's language too (issue 14): its fields by name.
    page.locator("input[name=email]").fill(owner.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.goto(f"{base}/c/{conversation.public_id}/topics")

    topics = latest_topics(conversation.public_id)
    expect(page.locator("section.topic")).to_have_count(len(topics.topics))
    for text in POLICE + JUSTICE:
        expect(page.get_by_text(text, exact=True).first).to_be_visible()

    # Add the second subcommittee from the page; the form is the owner's.
    name_label = "Name" if language == "en" else "Nombre"
    add_label = "Add subcommittee" if language == "en" else "Agregar subcomisión"
    page.get_by_label(name_label, exact=True).fill("Acceso a la justicia")
    page.locator("#sub-description").fill("Fiscales, jueces y denuncias.")
    page.get_by_role("button", name=add_label).click()
    expect(page.locator("#subcommittees li strong")).to_have_count(2)

    justice_topic = next(t for t in topics.topics if 4 in t.tids)
    section = page.locator(f"#topic-{justice_topic.index}")
    section.locator("select").select_option(label="Acceso a la justicia")
    section.get_by_role("button", name="Assign" if language == "en" else "Asignar").click()
    assigned = "statements assigned." if language == "en" else "afirmaciones asignadas."
    expect(page.get_by_text(f"{len(justice_topic.tids)} {assigned}")).to_be_visible()
    screenshot(page, f"console-topics-{language}")
    fresh_session()
    count = database.session.scalar(sa.select(sa.func.count()).select_from(StatementSubcommittee))
    assert count == len(justice_topic.tids)
