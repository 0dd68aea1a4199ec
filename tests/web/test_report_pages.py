"""The printable report in the console, its downloads, and the public methods page, in Spanish
and English, through the Flask test client on both databases."""

from __future__ import annotations

import json

from deliberation import services
from deliberation.recompute import run_once
from tests.web.conftest import CONSOLE, log_in, make_facilitator


def _with_votes(conversation, seeds) -> None:
    for n in range(8):
        pid = services.join_conversation(conversation.public_id, sector="comercio").pid
        for tid in seeds:
            services.cast_vote(conversation.public_id, pid, tid, 1 if (n + tid) % 3 else -1)
    run_once("fast")


def test_printable_report_in_both_languages(
    client,
    owner,
    conversation,
    seeds,
    fewer_resamples,
    in_thread,
):
    for _ in range(2):  # a sector too small to show
        pid = services.join_conversation(conversation.public_id, sector="gobierno").pid
        for tid in seeds:
            services.cast_vote(conversation.public_id, pid, tid, 1)
    _with_votes(conversation, seeds)
    run_once("slow")
    services.update_conversation(
        owner.id, conversation.public_id, {"attribution": "Datos abiertos, CC BY 4.0"}
    )
    log_in(client, owner.email)
    path = f"{CONSOLE}/c/{conversation.public_id}/report"

    spanish = client.get(f"{path}?lang=es")
    assert spanish.status_code == 200
    page = spanish.get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Informe para la plenaria" in page and conversation.topic in page
    assert "Datos abiertos, CC BY 4.0" in page
    assert "<svg" in page and 'role="img"' in page  # charts drawn on the server
    assert "/methods?lang=es" in page
    assert " style=" not in page and "<style" not in page  # the CSP allows no inline style
    assert "<script>" not in page
    assert "default-src 'self'" in spanish.headers["Content-Security-Policy"]
    # Sector figures: comercio's are drawn, the small sector's nowhere.
    assert ">comercio</tspan>" in page and '<th scope="row">comercio</th>' in page
    assert ">gobierno</tspan>" not in page and '<th scope="row">gobierno</th>' not in page

    english = client.get(f"{path}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Report for the plenary" in english
    assert "Informe para la plenaria" not in english


def test_downloads_and_who_may_see_them(client, owner, conversation, seeds):
    _with_votes(conversation, seeds)
    path = f"{CONSOLE}/c/{conversation.public_id}/report"
    assert client.get(path).status_code == 302  # to the login page
    log_in(client, owner.email)
    for fmt, mimetype in (
        ("md", "text/markdown"),
        ("csv", "text/csv"),
        ("json", "application/json"),
    ):
        response = client.get(f"{path}.{fmt}?lang=en")
        assert response.status_code == 200, fmt
        assert response.mimetype == mimetype
        assert f"{conversation.public_id}-en.{fmt}" in response.headers["Content-Disposition"]
    document = json.loads(client.get(f"{path}.json").get_data(as_text=True))
    assert document["participation"]["votes"] == 8 * len(seeds)
    assert client.get(f"{path}?lang=fr").status_code == 400

    stranger = make_facilitator("stranger@example.org")
    other = client.application.test_client()
    log_in(other, stranger.email)
    assert other.get(path).status_code == 403


def test_methods_page_is_public_in_spanish_and_english(client):
    spanish = client.get("/methods?lang=es")
    assert spanish.status_code == 200
    page = spanish.get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Cómo calcula Mesa lo que muestra" in page
    for term in ("k-means", "Jaccard", "SHA-256", "bootstrap"):
        assert term in page, term

    english = client.get("/methods?lang=en").get_data(as_text=True)
    assert "How Mesa computes what it shows" in english
    for term in ("Group-informed consensus", "Bridging score", "adjusted Rand", "red line"):
        assert term in english, term


def test_participant_results_link_to_the_methods_page(client, owner, conversation, seeds):
    _with_votes(conversation, seeds)
    services.update_conversation(owner.id, conversation.public_id, {"is_open": False})
    page = client.get(f"/c/{conversation.public_id}?lang=en").get_data(as_text=True)
    assert 'href="/methods?lang=en"' in page
    assert client.get("/methods?lang=en").status_code == 200


def test_report_of_a_conversation_without_votes_yet(client, owner, conversation):
    log_in(client, owner.email)
    response = client.get(f"{CONSOLE}/c/{conversation.public_id}/report?lang=en")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No opinion groups yet." in page
    assert "No statement is shared by every group yet." in page
    markdown = client.get(f"{CONSOLE}/c/{conversation.public_id}/report.md").get_data(as_text=True)
    assert markdown.startswith("# Informe para la plenaria")  # the conversation's language
