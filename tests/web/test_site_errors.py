"""Pages that do not exist, and the favicon (issue 10, point 1): a reader gets a page in their
language with a way on, never Werkzeug's bare English 404; the API keeps its JSON."""

from __future__ import annotations

import pytest

from tests.web.conftest import IsolatedClient

pytestmark = pytest.mark.parametrize("app", ["sqlite"], indirect=True)


@pytest.mark.parametrize("path", ["/nope", "/c/notacode", "/c/notacode/votes"])
def test_a_missing_page_is_answered_in_the_readers_language(app, path):
    app.test_client_class = IsolatedClient
    client = app.test_client()
    spanish = client.get(path, headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert spanish.status_code == 404
    page = spanish.get_data(as_text=True)
    assert '<html lang="es">' in page and "Página no encontrada" in page
    assert 'name="code"' in page  # the code form, to type the code again
    assert "Not Found" not in page
    english = app.test_client().get(path, headers={"Accept-Language": "en"})
    assert english.status_code == 404 and "Page not found" in english.get_data(as_text=True)


def test_the_api_still_answers_a_missing_route_in_json(app):
    response = app.test_client().get("/api/v1/nope")
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["code"]


def test_the_favicon_is_served(app):
    response = app.test_client().get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
