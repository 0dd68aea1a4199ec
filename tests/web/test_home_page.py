"""The home page: someone holding only a conversation code (read out in the room, printed on a
sheet) gets to the conversation, and a wrong code gets a clear message, not a 404."""

from __future__ import annotations


def test_home_page_offers_the_code_form_and_the_console(client):
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="code"' in page
    assert 'href="/console/' in page
    assert 'href="/methods' in page


def test_home_page_speaks_spanish_by_default_for_spanish_browsers(client):
    page = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es">' in page
    assert 'lang="en"' in page  # the link to switch to English


def test_a_code_typed_loosely_leads_to_its_conversation(client, conversation):
    typed = " " + conversation.public_id.upper()[:5] + " " + conversation.public_id.upper()[5:]
    response = client.get("/", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/c/{conversation.public_id}")
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_malformed_code_is_refused_with_a_message(client):
    response = client.get(
        "/", query_string={"code": "=cmd|' /C calc'!A0"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "That is not a conversation code" in page
    assert 'aria-invalid="true"' in page
