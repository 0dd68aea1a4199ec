"""A sector's invite code through every way it arrives (issue 14 point 2): the link or QR code
(`/c/<id>?invite=<code>`), typed on the conversation's landing page, typed on the home page, and
the JSON API; in the default (link) access mode as in the invite mode. Each sets the sector and
counts one use; a wrong code gets a clear 4xx in the reader's language and stores nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.models import AccessMode, InviteCode, Participant
from tests.web.conftest import API, stored_counts
from tests.web.test_participant_pages import form_token, page


@pytest.fixture
def comercio(owner, conversation) -> str:
    """The code handed to the "comercio" sector ("One new code per sector" in the console)."""
    return services.create_invite_code(owner.id, conversation.public_id, sector="comercio").code


def uses(code: str) -> int:
    database.session.rollback()
    return database.session.scalar(sa.select(InviteCode.used_count).where(InviteCode.code == code))


def sectors() -> list[str | None]:
    database.session.rollback()
    return list(database.session.scalars(sa.select(Participant.sector).order_by(Participant.pid)))


def start_voting(client, landing_path: str, **fields):
    landing = client.get(landing_path)
    assert landing.status_code == 200
    return client.post(
        page(landing_path.split("/")[2].split("?")[0], "/join"),
        data={"csrf_token": form_token(landing), **fields},
    )


def test_the_invite_link_counts_its_holder_in_the_sector_in_link_mode(
    client, conversation, comercio
):
    assert conversation.access_mode is AccessMode.LINK
    landing = client.get(page(conversation.public_id, f"?invite={comercio}"))
    html = landing.get_data(as_text=True)
    assert 'name="invite_code" autocomplete="off"' in html  # optional here: not `required`
    assert f'value="{comercio}"' in html
    # The code decides the sector: the landing says so instead of asking.
    assert "Tu código de invitación te cuenta en el sector: comercio." in html
    assert 'name="sector"' not in html

    joined = client.post(
        page(conversation.public_id, "/join"),
        data={"csrf_token": form_token(landing), "invite_code": comercio},
    )
    assert joined.status_code == 302
    assert joined.headers["Location"] == page(conversation.public_id)
    assert sectors() == ["comercio"] and uses(comercio) == 1

    # The same form posted again (a retry, a double tap) from the joined device counts nobody.
    again = client.post(
        page(conversation.public_id, "/join"),
        data={"csrf_token": form_token(landing), "invite_code": comercio},
    )
    assert again.status_code == 302
    assert sectors() == ["comercio"] and uses(comercio) == 1


@pytest.mark.parametrize("mode", [AccessMode.LINK, AccessMode.INVITE])
def test_a_code_typed_on_the_landing_page_sets_the_sector(
    client, owner, conversation, comercio, mode
):
    services.update_conversation(owner.id, conversation.public_id, {"access_mode": mode})
    landing = client.get(page(conversation.public_id))
    html = landing.get_data(as_text=True)
    assert 'id="invite_code"' in html
    if mode is AccessMode.LINK:  # without a code yet, the sector is asked as before
        assert 'name="sector"' in html and 'name="invite_code" autocomplete' in html
    else:
        assert 'name="invite_code" required' in html
    typed = f"  {comercio[:4].upper()} {comercio[4:]} "
    joined = client.post(
        page(conversation.public_id, "/join"),
        data={"csrf_token": form_token(landing), "invite_code": typed},
    )
    assert joined.headers["Location"] == page(conversation.public_id)
    assert sectors() == ["comercio"] and uses(comercio) == 1


def test_a_wrong_code_on_the_landing_page_is_refused_in_spanish_and_stores_nothing(
    client, owner, conversation, comercio
):
    client.set_cookie("mesa_language", "es")
    other = services.create_conversation(owner.id, "Otra mesa", stakeholder_sectors=["comercio"])
    foreign = services.create_invite_code(owner.id, other.public_id, sector="comercio").code
    for code in ("wrongcode123", foreign):
        landing = client.get(page(conversation.public_id))
        refused = client.post(
            page(conversation.public_id, "/join"),
            data={"csrf_token": form_token(landing), "invite_code": code},
        )
        assert refused.status_code == 403
        html = refused.get_data(as_text=True)
        assert "Ese código de invitación no es válido para esta conversación." in html
        assert f'value="{code}"' in html and 'aria-invalid="true"' in html  # kept to correct
    assert stored_counts()["participants"] == 0
    assert uses(comercio) == 0 and uses(foreign) == 0


def test_a_code_typed_on_the_home_page_leads_to_its_conversation_with_the_code(
    client, conversation, comercio
):
    typed = f" {comercio.upper()[:6]} {comercio.upper()[6:]}"
    found = client.get("/", query_string={"code": typed})
    assert found.status_code == 302
    assert found.headers["Location"] == page(conversation.public_id, f"?invite={comercio}")
    assert uses(comercio) == 0  # only joining uses it

    joined = start_voting(client, found.headers["Location"], invite_code=comercio)
    assert joined.status_code == 302
    assert sectors() == ["comercio"] and uses(comercio) == 1


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("es", "Ese no es un código de conversación ni de invitación."),
        ("en", "That is not a conversation code or an invite code."),
    ],
)
def test_a_wrong_code_on_the_home_page_gets_a_message_in_the_readers_language(
    client, conversation, comercio, language, message
):
    client.set_cookie("mesa_language", language)
    for typed in ("wrongcode123", comercio[:-1] + "!"):
        response = client.get("/", query_string={"code": typed})
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert message in html and 'aria-invalid="true"' in html
    assert stored_counts()["participants"] == 0 and uses(comercio) == 0


def test_the_api_takes_a_code_in_link_mode_too(client, conversation, comercio):
    joining = f"{API}/conversations/{conversation.public_id}/participants"
    wrong = client.post(joining, json={"invite_code": "wrongcode123"})
    assert wrong.status_code == 403 and wrong.get_json()["code"] == "invite_invalid"
    assert stored_counts()["participants"] == 0

    response = client.post(joining, json={"invite_code": comercio})
    assert response.status_code == 201
    assert response.get_json()["sector"] == "comercio"
    assert sectors() == ["comercio"] and uses(comercio) == 1
