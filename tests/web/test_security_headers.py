"""Headers, cookies, rate limits and addresses, checked over every page the app serves.

Every GET route is enumerated from `app.url_map` and fetched by a caller who is at once a
logged-in owner and a joined participant, so each page renders rather than refusing: each
answer carries the security headers, its Content-Security-Policy allows no inline script, and
its HTML has none. The embed pages relax frame-ancestors and nothing else; the map page needs
nothing relaxed (plotly's strict build is vendored and served by the app).
"""

from __future__ import annotations

import re
import shutil
from http.cookies import SimpleCookie

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from tests.web.conftest import API, PASSWORD, IsolatedClient, assert_refused, bearer, join
from web import create_app
from web.credentials import csrf_cookie_name, participant_cookie_name
from web.extensions import limiter
from web.security import content_security_policy


@pytest.fixture(autouse=True)
def english_console(client):
    """These tests read the console's English text; its Spanish is test_console_language's."""
    client.set_cookie("mesa_language", "en")


STRICT_POLICY = content_security_policy()
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)
PATH_VALUES = {"tid": "0", "group_id": "0", "filename": "mesa.css", "fmt": "md"}
# Distinctive addresses (TEST-NET ranges, RFC 5737) that must never reach the database.
FORWARDED_ADDRESS = "203.0.113.77"
REMOTE_ADDRESS = "198.51.100.23"


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def url_for_rule(rule, conversation_id: str) -> str:
    values = {"conversation_id": conversation_id, **PATH_VALUES}
    if "report_id" in rule.arguments:
        values.update(report_id="r0000000000000000", file_name="summary.csv")
    return re.sub(
        r"<(?:([^:<>()]+)(?:\([^)]*\))?:)?([^<>]+)>", lambda m: values[m.group(2)], rule.rule
    )


@pytest.fixture
def insider(app, owner, conversation, seeds):
    """One client that is the owner (console session) and a participant (cookies)."""
    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.set_cookie("mesa_language", "en")
    login = client.post(f"{API}/session", json={"email": owner.email, "password": PASSWORD})
    assert login.status_code == 200
    joined = join(client, conversation.public_id)
    services.cast_vote(conversation.public_id, joined["pid"], seeds[0], 1)
    return client


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)  # headers do not vary by backend
def test_every_page_has_the_headers_and_no_inline_script(app, insider, conversation):
    pages = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.endswith("logout"):
            continue
        url = url_for_rule(rule, conversation.public_id)
        response = insider.get(url)
        assert response.status_code < 500, url
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (url, name)
        policy = directives(response.headers["Content-Security-Policy"])
        embedded = rule.endpoint.startswith("embed.") and not rule.endpoint.endswith("static")
        expected = directives(STRICT_POLICY)
        if embedded:
            assert policy.pop("frame-ancestors") == "*", url
            expected.pop("frame-ancestors")
            assert "X-Frame-Options" not in response.headers, url
        else:
            assert response.headers["X-Frame-Options"] == "DENY", url
        assert policy == expected, url  # no page relaxes anything else, the map page included
        if response.content_type.startswith("text/html") and response.status_code == 200:
            html = response.get_data(as_text=True)
            assert not INLINE_SCRIPT.search(html), (url, INLINE_SCRIPT.search(html).group(0))
            assert not INLINE_HANDLER.search(html), (url, INLINE_HANDLER.search(html).group(0))
            assert not JAVASCRIPT_URL.search(html), url
            pages += 1
    assert pages >= 30  # participant, embed, console and public pages rendered


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_the_map_page_loads_plotly_from_the_app_only(app, insider, conversation):
    page = insider.get(f"/console/c/{conversation.public_id}/map")
    assert page.status_code == 200
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page.get_data(True))
    assert any("plotly-strict" in source for source in sources)
    assert all(source.startswith("/") and not source.startswith("//") for source in sources)
    for source in sources:
        assert insider.get(source).status_code == 200, source


def test_embed_frame_ancestors_follow_the_setting(app, client, conversation):
    app.config["MESA_EMBED_FRAME_ANCESTORS"] = "https://municipio.example"
    page = client.get(f"/embed/{conversation.public_id}")
    policy = directives(page.headers["Content-Security-Policy"])
    assert policy.pop("frame-ancestors") == "https://municipio.example"
    strict = directives(STRICT_POLICY)
    strict.pop("frame-ancestors")
    assert policy == strict


def cookies(response) -> dict[str, SimpleCookie]:
    jar = {}
    for header in response.headers.getlist("Set-Cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        jar.update({name: parsed[name] for name in parsed})
    return jar


def test_cookies_are_httponly_samesite_and_secure_over_https(app, client, owner, conversation):
    login = client.post(f"{API}/session", json={"email": owner.email, "password": PASSWORD})
    session = cookies(login)["mesa_session"]
    assert session["httponly"] and session["samesite"] == "Lax" and not session["secure"]
    joined = client.post(f"{API}/conversations/{conversation.public_id}/participants", json={})
    jar = cookies(joined)
    token = jar[participant_cookie_name(conversation.public_id)]
    csrf_token = jar[csrf_cookie_name(conversation.public_id)]
    assert token["httponly"] and token["samesite"] == "Lax"
    assert not csrf_token["httponly"] and csrf_token["samesite"] == "Lax"  # the page reads it

    secure_client = app.test_client()
    over_tls = secure_client.post(
        f"{API}/session",
        json={"email": owner.email, "password": PASSWORD},
        base_url="https://mesa.example",
    )
    assert cookies(over_tls)["mesa_session"]["secure"]
    assert over_tls.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.fixture
def proxied(request, sqlite_template, tmp_path):
    """An app told it runs behind one TLS-terminating proxy (MESA_PROXY_HOPS=1), or none."""

    def build(hops: int):
        path = tmp_path / f"proxied-{hops}.sqlite3"
        shutil.copyfile(sqlite_template, path)
        built = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                "SECRET_KEY": "test-secret-key",
                "TESTING": True,
                "MESA_PROXY_HOPS": hops,
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            }
        )
        return built  # its plain test client: no app context of the test's own to isolate from

    return build


def test_behind_a_proxy_its_scheme_is_trusted_only_when_configured(proxied):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": FORWARDED_ADDRESS}
    for hops, secure in ((0, False), (1, True)):
        app = proxied(hops)
        with app.app_context():
            owner = services.create_facilitator(f"owner{hops}@example.org", PASSWORD)
            email = owner.email
            database.session.remove()
        response = app.test_client().post(
            f"{API}/session", json={"email": email, "password": PASSWORD}, headers=forwarded
        )
        assert response.status_code == 200
        assert bool(cookies(response)["mesa_session"]["secure"]) is secure
        assert ("Strict-Transport-Security" in response.headers) is secure
    with pytest.raises(ValueError, match="MESA_PROXY_HOPS"):
        proxied(-1)


def test_page_and_api_votes_share_one_budget_per_participant(app, client, conversation, seeds):
    app.config["MESA_RATE_LIMIT_VOTES"] = "2/minute"
    client.set_cookie("mesa_language", "en")
    cid = conversation.public_id
    joined = join(client, cid)
    page = client.get(f"/c/{cid}").get_data(as_text=True)
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    by_page = client.post(f"/c/{cid}/votes", data={"csrf_token": form_token, "tid": 0, "vote": 1})
    assert by_page.status_code == 302
    by_api = client.post(
        f"{API}/conversations/{cid}/votes",
        json={"tid": 1, "vote": 1},
        headers=bearer(joined["token"]),
    )
    assert by_api.status_code == 200
    limited = client.post(
        f"{API}/conversations/{cid}/votes",
        json={"tid": 2, "vote": 1},
        headers=bearer(joined["token"]),
    )
    body = assert_refused(limited, 429, "rate_limited")
    assert "retry later" in body["error"] and int(limited.headers["Retry-After"]) > 0
    again_by_page = client.post(
        f"/c/{cid}/votes", data={"csrf_token": form_token, "tid": 2, "vote": 1}
    )
    assert again_by_page.status_code == 429
    database.session.rollback()
    assert sorted(v.statement.tid for v in services.own_votes(cid, joined["pid"])) == [0, 1]


def test_the_console_login_form_and_the_api_share_one_budget_per_email(app, client):
    app.config["MESA_RATE_LIMIT_LOGIN"] = "2/minute"
    services.create_facilitator("limited@example.org", PASSWORD)
    wrong = {"email": "limited@example.org", "password": "wrong password!"}
    assert_refused(client.post(f"{API}/session", json=wrong), 403)
    page = client.get("/console/login").get_data(as_text=True)
    form_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = client.post("/console/login", data={**wrong, "csrf_token": form_token})
    assert form.status_code == 200 and "Wrong email or password" in form.get_data(as_text=True)
    right = {"email": "LIMITED@example.org", "password": PASSWORD, "csrf_token": form_token}
    assert client.post("/console/login", data=right).status_code == 429
    api = client.post(f"{API}/session", json={"email": "limited@example.org", "password": PASSWORD})
    assert_refused(api, 429, "rate_limited")
    services.create_facilitator("other-limited@example.org", PASSWORD)
    fine = client.post(
        f"{API}/session", json={"email": "other-limited@example.org", "password": PASSWORD}
    )
    assert fine.status_code == 200


def every_stored_value() -> str:
    """Every cell of every table, as text."""
    database.session.rollback()
    dump = []
    for table in database.metadata.sorted_tables:
        for row in database.session.execute(sa.select(table)):
            dump.append(repr(tuple(row)))
    return "\n".join(dump)


def test_no_address_is_stored_even_behind_a_trusted_proxy(proxied):
    app = proxied(1)
    app.config["MESA_RATE_LIMIT_PER_ADDRESS"] = "600/minute"  # reads the address, keyed
    with app.app_context():
        owner = services.create_facilitator("owner@example.org", PASSWORD)
        token = services.issue_api_token(owner.id).token
        conversation = services.create_conversation(owner.id, "Direcciones")
        cid, email = conversation.public_id, owner.email
        services.add_seed_statement(owner.id, cid, "Más fiscales.")
        database.session.remove()
    client = app.test_client()
    environ = {"REMOTE_ADDR": REMOTE_ADDRESS}
    headers = {"X-Forwarded-For": f"{FORWARDED_ADDRESS}, {REMOTE_ADDRESS}"}
    calls = [
        ("POST", f"{API}/session", {"email": email, "password": PASSWORD}),
        ("POST", f"{API}/conversations/{cid}/participants", {"sector": None}),
        ("POST", f"{API}/conversations/{cid}/votes", {"tid": 0, "vote": 1}),
        ("POST", f"{API}/conversations/{cid}/statements", {"text": "Desde la calle 5."}),
        ("PATCH", f"{API}/conversations/{cid}", {"description": "Cambio auditado"}),
        ("GET", f"/c/{cid}", None),
        ("GET", f"/console/c/{cid}/", None),
    ]
    participant = None
    for method, url, body in calls:
        auth = {}
        if participant and ("/votes" in url or "/statements" in url):
            auth = bearer(participant)
        elif method == "PATCH":
            auth = bearer(token)
        response = client.open(
            url, method=method, json=body, headers={**headers, **auth}, environ_base=environ
        )
        assert response.status_code < 400, (url, response.get_data(as_text=True))
        if url.endswith("/participants"):
            participant = response.get_json()["token"]
    with app.app_context():
        stored = every_stored_value()
        database.session.remove()
    assert "Desde la calle 5." in stored and "Cambio auditado" in stored  # the scan sees rows
    for address in (FORWARDED_ADDRESS, REMOTE_ADDRESS):
        assert address not in stored
    # Nor in the rate limiter's storage, which keys on an HMAC of the address.
    keys = " ".join(map(str, limiter.storage.storage))
    assert "address:" in keys and FORWARDED_ADDRESS not in keys and REMOTE_ADDRESS not in keys
