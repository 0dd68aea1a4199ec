"""Static files: content-hashed URLs cached for a year, gzip for clients that accept it, and a
console map page that weighs at most 1.5 MB on the wire."""

from __future__ import annotations

import gzip
import re

import pytest

from tests.web.conftest import API, PASSWORD

pytestmark = pytest.mark.parametrize("app", ["sqlite"], indirect=True)

GZIP = {"Accept-Encoding": "gzip, deflate, br"}
MAP_PAGE_BUDGET = 1_500_000  # bytes on the wire: issue 10's ceiling for the console map page


@pytest.fixture
def insider(app, owner, conversation):
    """A client with the owner's console session, reading it in English."""
    client = app.test_client()
    client.set_cookie("mesa_language", "en")
    login = client.post(f"{API}/session", json={"email": owner.email, "password": PASSWORD})
    assert login.status_code == 200
    return client


def _assets(page_html: str) -> list[str]:
    return re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page_html)


def test_static_urls_carry_the_content_hash_and_are_cached_for_a_year(app, insider, conversation):
    page = insider.get(f"/console/c/{conversation.public_id}/map").get_data(True)
    plotly = next(source for source in _assets(page) if "plotly-strict" in source)
    assert re.search(r"[?&]v=[0-9a-f]{12}$", plotly)
    versioned = insider.get(plotly)
    assert versioned.status_code == 200
    assert "immutable" in versioned.headers["Cache-Control"]
    assert "max-age=31536000" in versioned.headers["Cache-Control"]
    # Without the hash (or with a stale one) the year-long promise is not made.
    bare = insider.get(plotly.split("?")[0] + "?v=000000000000")
    assert "immutable" not in bare.headers.get("Cache-Control", "")


def test_text_assets_are_gzipped_for_clients_that_accept_it(app, insider, conversation):
    page = insider.get(f"/console/c/{conversation.public_id}/map").get_data(True)
    plotly = next(source for source in _assets(page) if "plotly-strict" in source)
    plain = insider.get(plotly)
    packed = insider.get(plotly, headers=GZIP)
    assert plain.headers.get("Content-Encoding") is None
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 2
    assert packed.headers["ETag"] != plain.headers["ETag"]
    # A range request is answered from the plain file, never from compressed bytes.
    ranged = insider.get(plotly, headers={**GZIP, "Range": "bytes=0-99"})
    assert ranged.status_code == 206 and ranged.headers.get("Content-Encoding") is None


def test_the_console_map_page_weighs_at_most_one_and_a_half_megabytes(app, insider, conversation):
    page = insider.get(f"/console/c/{conversation.public_id}/map", headers=GZIP)
    total = len(page.data)
    for source in _assets(page.get_data(True)):
        response = insider.get(source, headers=GZIP)
        assert response.status_code == 200, source
        total += len(response.data)
    assert total <= MAP_PAGE_BUDGET, f"{total:,} bytes"


def test_a_path_outside_the_static_folder_is_not_served(app, insider):
    assert insider.get("/console/static/../__init__.py").status_code == 404
    assert insider.get("/console/static/nope.js", headers=GZIP).status_code == 404


def test_without_javascript_the_map_page_shows_the_still_map(app, insider, owner, conversation):
    from deliberation import services
    from deliberation.recompute import run_once

    seeds = [
        services.add_seed_statement(owner.id, conversation.public_id, text).tid
        for text in ("Más fiscales, no soldados.", "Policía con cámaras.", "Comités vecinales.")
    ]
    for n in range(8):
        pid = services.join_conversation(conversation.public_id).pid
        for tid in seeds:
            services.cast_vote(conversation.public_id, pid, tid, 1 if (n + tid) % 3 else -1)
    run_once("fast")
    page = insider.get(f"/console/c/{conversation.public_id}/map").get_data(True)
    noscript = page.split("<noscript>")[1].split("</noscript>")[0]
    assert "JavaScript" in noscript
    still = re.search(r'<img class="still-map" src="([^"]+)"', noscript).group(1)
    assert "Loading the map" not in page  # only the script says it is loading
    svg = insider.get(still)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    body = svg.get_data(True)
    assert 'xmlns="http://www.w3.org/2000/svg"' in body
    assert 'class="points" stroke="#1d2330"' in body  # styled without report.css
    assert 'class="frame" fill="none"' in body
