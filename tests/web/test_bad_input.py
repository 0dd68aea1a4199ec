"""Bad input gets a clear 4xx and changes nothing (issue 13, points 13, 14, 15): NUL bytes in
any form or query argument, bodies over the cap, numbers out of range."""

from __future__ import annotations

import sqlalchemy as sa

from deliberation.db import db as database
from deliberation.models import AgendaItem
from tests.web.conftest import API, assert_refused, bearer, join, make_facilitator
from tests.web.test_console import CONSOLE, log_in, post
from tests.web.test_participant_pages import form_token, join_by_form


def _agenda_items() -> list[int]:
    database.session.rollback()
    return database.session.scalars(sa.select(AgendaItem.tid)).all()


def test_promoting_a_statement_id_beyond_any_column_is_refused(client, owner, conversation, seeds):
    log_in(client, owner.email)
    cid = conversation.public_id
    for tid in (str(2**70), str(2**31), "-1"):
        response = post(client, f"{CONSOLE}/c/{cid}/agenda/promote", {"tid": tid})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        page = client.get(response.location).get_data(as_text=True)
        assert "2147483647" in page, tid
    assert _agenda_items() == []


# --------------------------------------------------------------------------------------------
# NUL bytes (point 13): PostgreSQL cannot store them in text, so they once came back as 500s.

NUL_TEXT = "a\x00b"
NUL_MESSAGE_EN = "contains a NUL character"
NUL_MESSAGE_ES = "contiene un carácter NUL"


def _rows() -> dict[str, int]:
    database.session.rollback()
    return {
        table.name: database.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in database.metadata.sorted_tables
    }


def _refused_page(response, status: int, message: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)


def test_a_nul_in_the_join_form_is_refused(client, conversation):
    client.set_cookie("mesa_language", "en")
    landing = client.get(f"/c/{conversation.public_id}")
    before = _rows()
    response = client.post(
        f"/c/{conversation.public_id}/join",
        data={"csrf_token": form_token(landing), "xid": NUL_TEXT},
    )
    _refused_page(response, 400, NUL_MESSAGE_EN)
    assert _rows() == before


def test_a_nul_in_a_statement_is_refused_in_the_readers_language(client, conversation, seeds):
    client.set_cookie("mesa_language", "es")
    token = join_by_form(client, conversation.public_id)
    before = _rows()
    response = client.post(
        f"/c/{conversation.public_id}/statements",
        data={"csrf_token": token, "text": f"Más fiscales {NUL_TEXT}"},
    )
    _refused_page(response, 400, NUL_MESSAGE_ES)
    assert _rows() == before


def test_a_nul_in_a_query_argument_is_refused_everywhere(client, conversation):
    response = client.get("/api/v3/conversations", query_string={"conversation_id": NUL_TEXT})
    assert_refused(response, 400, "nul_byte")
    response = client.get(f"{API}/conversations/{conversation.public_id}", query_string={"x": "\0"})
    assert_refused(response, 400, "nul_byte")
    client.set_cookie("mesa_language", "en")
    _refused_page(client.get("/", query_string={"code": NUL_TEXT}), 400, NUL_MESSAGE_EN)
    _refused_page(
        client.get(f"/c/{conversation.public_id}", query_string={NUL_TEXT: "1"}),
        400,
        NUL_MESSAGE_EN,
    )


def test_a_nul_in_a_json_body_is_refused_by_the_api_schema(client, conversation, seeds):
    joined = join(client, conversation.public_id)
    before = _rows()
    response = client.post(
        f"{API}/conversations/{conversation.public_id}/statements",
        json={"text": f"Más fiscales {NUL_TEXT}"},
        headers=bearer(joined["token"]),
    )
    # The API's schemas refuse it (web.api.schemas.PlainText), before the request guard's
    # form and query checks, which leave JSON bodies alone.
    assert_refused(response, 400, "invalid_input")
    assert _rows() == before


def test_a_nul_in_any_console_form_is_refused(client, owner, conversation, seeds):
    make_facilitator("colleague@example.org")
    log_in(client, owner.email)
    client.set_cookie("mesa_language", "en")
    cid = conversation.public_id
    forms = [
        ("team", {"action": "add", "email": f"colleague@example.org{NUL_TEXT}"}),
        ("invites", {"action": "one", "sector": NUL_TEXT}),
        ("invites", {"action": "allow-xids", "xids": NUL_TEXT}),
        ("snapshots", {"label": NUL_TEXT}),
        ("agenda/promote", {"tid": "0", "subcommittee": NUL_TEXT}),
        ("statements", {"text": f"Una afirmación {NUL_TEXT}"}),
        ("settings", {"topic": NUL_TEXT}),
    ]
    before = _rows()
    for path, data in forms:
        response = post(client, f"{CONSOLE}/c/{cid}/{path}", data)
        _refused_page(response, 400, NUL_MESSAGE_EN)
    assert _rows() == before


# --------------------------------------------------------------------------------------------
# Body caps (point 14)


def test_an_oversized_join_is_refused_before_it_is_read(client, conversation):
    body = "xid=" + "a" * (200 * 1024)
    for language, message in (("es", "demasiado grande"), ("en", "too large")):
        client.set_cookie("mesa_language", language)
        response = client.post(
            f"/c/{conversation.public_id}/join",
            data=body,
            content_type="application/x-www-form-urlencoded",
        )
        _refused_page(response, 413, message)
        assert f'<html lang="{language}">' in response.get_data(as_text=True)


def test_every_route_caps_the_body(client, owner, conversation):
    client.set_cookie("mesa_language", "en")
    cid = conversation.public_id
    body = b"x" * (3 * 1024 * 1024)  # beyond even the console's cap for pasted seeds
    pages = [
        ("GET", "/"),
        ("GET", "/methods"),
        ("GET", f"/c/{cid}"),
        ("POST", f"/c/{cid}/join"),
        ("POST", f"/embed/{cid}/join"),
        ("GET", f"{CONSOLE}/login"),
        ("POST", f"{CONSOLE}/login"),
    ]
    for method, path in pages:
        response = client.open(
            path, method=method, data=body, content_type="application/x-www-form-urlencoded"
        )
        _refused_page(response, 413, "too large")
    for method, path in [
        ("POST", f"{API}/conversations/{cid}/participants"),
        ("GET", f"/api/v3/conversations?conversation_id={cid}"),
    ]:
        response = client.open(path, method=method, data=body, content_type="application/json")
        assert_refused(response, 413, "body_too_large")
