"""What the owner types about a conversation carries translations, as statements do (issue 14,
point 1): the topic, the description and the sectors' names, shown in the reader's language on
participant pages, the console, the invite sheet and the report. A sector keeps its stored
name: participants and invite codes refer to it whatever language they read."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.errors import Forbidden, Invalid
from deliberation.models import AuditEntry, ConversationTranslation, Participant
from deliberation.report import plenary_report
from tests.conftest import IsolatedClient
from tests.web.conftest import CONSOLE, log_in, post
from tests.web.test_participant_pages import form_token, page

ENGLISH_TEXTS = {
    "topic": "What do we ask of the federal government?",
    "description": "Security round-table, March session",
    "sector_names": {"comercio": "business", "derechos humanos": "human rights"},
}


@pytest.fixture
def translated(owner, conversation):
    services.translate_conversation(owner.id, conversation.public_id, "en", **ENGLISH_TEXTS)
    return conversation


def client_in(app, language: str):
    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.set_cookie("mesa_language", language)
    return client


def test_a_conversation_reads_in_each_language(translated):
    database.session.expire_all()
    assert translated.topic_in("en") == ENGLISH_TEXTS["topic"]
    assert translated.topic_in("es") == "¿Qué pedimos al gobierno federal?"
    assert translated.description_in("en") == "Security round-table, March session"
    assert translated.description_in("es") == "Mesa de seguridad, sesión de marzo"
    assert translated.sector_name("comercio", "en") == "business"
    assert translated.sector_name("comercio", "es") == "comercio"
    assert translated.sector_name("gobierno", "en") == "gobierno"  # no translation: its name
    assert translated.sector_name(None, "en") is None
    audit = database.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "conversation.translate")
    ).all()
    assert len(audit) == 1 and audit[0].detail["after"]["topic"] == ENGLISH_TEXTS["topic"]


def test_a_name_for_a_sector_the_conversation_lacks_is_refused(owner, translated):
    with pytest.raises(Invalid):
        services.translate_conversation(
            owner.id, translated.public_id, "en", sector_names={"comercoi": "business"}
        )
    database.session.rollback()
    stored = database.session.scalars(sa.select(ConversationTranslation)).all()
    assert [row.sector_names for row in stored] == [ENGLISH_TEXTS["sector_names"]]


def test_a_moderator_cannot_change_the_texts(owner, translated):
    moderator = services.create_facilitator("moderadora@example.org", "a long enough password")
    services.grant_role(owner.id, translated.public_id, moderator.email, "moderator")
    with pytest.raises(Forbidden):
        services.translate_conversation(moderator.id, translated.public_id, "en", topic="x")


def test_the_landing_page_shows_the_readers_texts_and_keeps_the_stored_sector(app, translated):
    cid = translated.public_id
    english = client_in(app, "en").get(page(cid)).get_data(as_text=True)
    assert "Security round-table, March session" in english
    assert "Mesa de seguridad, sesión de marzo" not in english
    assert '<option value="comercio">business</option>' in english
    assert ENGLISH_TEXTS["topic"] in english
    spanish = client_in(app, "es").get(page(cid)).get_data(as_text=True)
    assert "Mesa de seguridad, sesión de marzo" in spanish
    assert '<option value="comercio">comercio</option>' in spanish

    reader = client_in(app, "en")
    landing = reader.get(page(cid))
    joined = reader.post(
        page(cid, "/join"), data={"csrf_token": form_token(landing), "sector": "comercio"}
    )
    assert joined.status_code == 302
    voting = reader.get(page(cid)).get_data(as_text=True)
    assert '<p class="description">Security round-table, March session</p>' in voting
    database.session.rollback()
    assert database.session.scalar(sa.select(Participant.sector)) == "comercio"


def test_the_invite_sheet_and_the_console_name_sectors_in_the_facilitators_language(
    app, owner, translated
):
    cid = translated.public_id
    services.create_invite_code(owner.id, cid, sector="comercio")
    for language, name, other in (("en", "business", "comercio"), ("es", "comercio", "business")):
        client = client_in(app, language)
        log_in(client, owner.email)
        sheet = client.get(f"{CONSOLE}/c/{cid}/invites/sheet").get_data(as_text=True)
        assert f'<p class="sector">{name}</p>' in sheet
        assert other not in sheet
        invites = client.get(f"{CONSOLE}/c/{cid}/invites").get_data(as_text=True)
        assert f'<option value="comercio">{name}</option>' in invites


def test_the_report_reads_in_its_language(owner, translated):
    english = plenary_report(owner.id, translated.public_id, "en")
    assert english.topic == ENGLISH_TEXTS["topic"]
    assert english.description == "Security round-table, March session"
    spanish = plenary_report(owner.id, translated.public_id, "es")
    assert spanish.description == "Mesa de seguridad, sesión de marzo"


def test_the_owner_sets_the_texts_from_the_settings_page(app, client, owner, conversation):
    cid = conversation.public_id
    client.set_cookie("mesa_language", "en")
    log_in(client, owner.email)
    settings = client.get(f"{CONSOLE}/c/{cid}/settings").get_data(as_text=True)
    assert 'name="texts-en-sector_names"' in settings
    response = post(
        client,
        f"{CONSOLE}/c/{cid}/settings/translation",
        {
            "language": "en",
            "texts-en-topic": "What do we ask?",
            "texts-en-description": "March session",
            # In the order of the sectors: comercio, derechos humanos, gobierno.
            "texts-en-sector_names": "business\n\ngovernment",
        },
    )
    assert response.status_code == 302
    database.session.expire_all()
    conversation = services.get_conversation(cid)
    assert conversation.topic_in("en") == "What do we ask?"
    assert conversation.sector_name("comercio", "en") == "business"
    assert conversation.sector_name("derechos humanos", "en") == "derechos humanos"
    assert conversation.sector_name("gobierno", "en") == "government"
    refused = post(
        client,
        f"{CONSOLE}/c/{cid}/settings/translation",
        {"language": "fr", "texts-fr-topic": "Quoi ?"},
    )
    assert refused.status_code == 302
    database.session.rollback()
    assert (
        database.session.scalar(sa.select(sa.func.count()).select_from(ConversationTranslation))
        == 1
    )
