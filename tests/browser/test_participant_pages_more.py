"""The participant pages the journey does not pass through, scanned with axe-core: invite code
and sector, closed conversation, errors, the end state; and the embed inside another site's
iframe, with its partitioned cookies over HTTPS and without them."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.serving import make_server

from deliberation import services
from deliberation.db import db as database
from deliberation.models import AccessMode, Participant
from deliberation.recompute import run_once
from tests.browser.conftest import (
    Recorder,
    assert_accessible,
    fresh_session,
    open_context,
    screenshot,
)
from tests.browser.test_participant_journey import SEEDS, seed_conversation, seed_two_camps
from tests.deliberation.conftest import signed_xid
from web.credentials import participant_cookie_name

pytestmark = pytest.mark.e2e


@contextmanager
def host_page(body: str) -> Iterator[str]:
    """Another site's page that frames ours: served on localhost, which the browser treats as
    a different site from 127.0.0.1 (so our cookies are third-party there) on the same machine.
    """

    def serve(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [f"<!doctype html><title>Host</title>{body}".encode()]

    server = make_server("127.0.0.1", 0, serve)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}/article"
    finally:
        server.shutdown()
        thread.join(10)


def test_invite_code_sector_and_end_state_pages_are_accessible(phone, live_server, owner):
    conversation = seed_conversation(owner, access_mode=AccessMode.INVITE)
    code = services.create_invite_code(owner.id, conversation.public_id).code
    phone.goto(live_server.conversation_url(conversation.public_id))
    assert_accessible(phone, "invite landing")
    phone.get_by_label("Invite code").fill("wrong-code")
    phone.get_by_role("button", name="Start voting").click()
    expect(phone.get_by_role("alert")).to_have_text(
        "That invite code is not valid for this conversation."
    )
    assert_accessible(phone, "invite refused")
    screenshot(phone, "10-invite-refused")
    phone.get_by_label("Invite code").fill(code)
    phone.get_by_role("button", name="Start voting").click()

    expect(phone.locator("h1")).to_have_text("Your sector")
    assert_accessible(phone, "sector")
    screenshot(phone, "11-sector")
    phone.get_by_label("Which sector are you part of? (optional)").select_option("gobierno")
    phone.get_by_role("button", name="Save").click()
    phone.wait_for_selector("#vote-form")
    fresh_session()
    assert services.participant_state(conversation.public_id, 0).sector == "gobierno"

    phone.get_by_role("link", name="Your group").click()
    expect(phone.locator(".card p").first).to_contain_text("Vote on 7 more statements")
    assert_accessible(phone, "group before the threshold")

    phone.get_by_role("link", name="Vote", exact=True).click()
    for count in range(1, len(SEEDS) + 1):
        phone.get_by_role("button", name="Pass / Unsure").click()
        if count < len(SEEDS):
            expect(phone.locator("#n-voted")).to_have_text(str(count))
    expect(phone.locator("h2#done")).to_have_text("You have voted on everything")
    fresh_session()
    assert len(services.participant_state(conversation.public_id, 0).votes) == len(SEEDS)
    assert_accessible(phone, "end state")
    screenshot(phone, "12-all-voted")

    phone.get_by_role("link", name="Add a statement").click()
    phone.get_by_label("Your statement").fill(SEEDS[0][0])
    phone.get_by_role("button", name="Send").click()
    expect(phone.get_by_role("alert")).to_have_text(
        "That statement is already in the conversation."
    )
    assert_accessible(phone, "statement refused")


def test_a_closed_conversation_and_an_error_page_are_accessible(phone, live_server, owner):
    conversation = seed_conversation(owner, languages=["es", "en"])
    seed_two_camps(conversation)
    run_once("fast")
    services.update_conversation(owner.id, conversation.public_id, {"is_open": False})
    phone.goto(live_server.conversation_url(conversation.public_id, "?lang=es"))
    expect(phone.locator(".note").first).to_have_text(
        "Esta conversación está cerrada. Esto es lo que encontró."
    )
    assert phone.locator("svg .group").count() == 2
    assert phone.get_by_role("button").count() == 0
    assert_accessible(phone, "closed summary")
    screenshot(phone, "13-closed-summary")

    phone.goto(f"{live_server.url}/c/0000000000?lang=en")
    expect(phone.get_by_role("alert")).to_have_text("There is no conversation at this address.")
    assert_accessible(phone, "error page")


@pytest.fixture
def tls_server(live_server, tmp_path) -> Iterator[str]:
    """The live server's app, also over HTTPS (a self-signed certificate for 127.0.0.1), as a
    deployment serves it: only there may the embed's cookies be SameSite=None; Partitioned."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )
    server = make_server(
        "127.0.0.1", 0, live_server.app, threaded=True, ssl_context=(str(cert), str(key))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


def embed_src(base_url: str, conversation_id: str, xid: str) -> str:
    """What the embedding site's server writes into its page: the xid, signed."""
    return f"{base_url}/embed/{conversation_id}?{urlencode(signed_xid(conversation_id, xid))}"


def test_the_embed_works_in_another_sites_iframe(browser, tls_server, owner):
    """Over HTTPS the frame keeps its partitioned cookies: it joins the signed xid, votes by
    fetch with the cookie and CSRF header, and no request carries the participant token."""
    conversation = seed_conversation(owner)
    cid = conversation.public_id
    recorder = Recorder()
    context = open_context(browser, recorder, ignore_https_errors=True)
    page = context.new_page()
    src = embed_src(tls_server, cid, "reader-42")
    with host_page(f'<iframe title="Mesa" width="380" height="760" src="{src}"></iframe>') as host:
        page.goto(host)
        frame = page.frame_locator("iframe")
        frame.get_by_role("button", name="Start voting").click()
        tid = int(frame.locator("#vote-form input[name=tid]").input_value())
        frame.get_by_role("button", name="Agree", exact=True).click()
        expect(frame.locator("#n-voted")).to_have_text("1")
        frame.get_by_role("link", name="Your votes").click()
        expect(frame.locator(f"#s{tid} .current strong")).to_have_text("Agree")
        screenshot(page, "14-embedded")
        cookies = {c["name"]: c for c in context.cookies(tls_server)}

    fresh_session()
    state = services.participant_state(cid, 0)
    assert [(vote.tid, vote.vote) for vote in state.votes] == [(tid, 1)]
    assert database.session.scalar(sa.select(Participant.xid)) == "reader-42"
    token = cookies[participant_cookie_name(cid)]
    assert token["sameSite"] == "None" and token["secure"] and token["httpOnly"]
    assert token.get("partitionKey"), token  # in a jar of the embedding site's own
    hosts = recorder.hosts()
    context.close()
    assert hosts <= {urlsplit(tls_server).netloc, urlsplit(host).netloc}, hosts
    assert any("/api/v1/" in url for url in recorder.requests)  # voted by fetch
    assert not any(token["value"] in url or "p=p." in url for url in recorder.requests)
    assert recorder.dialogs == [] and recorder.page_errors == []


def test_an_embed_whose_cookies_are_blocked_continues_in_its_own_tab(browser, live_server, owner):
    """Over plain HTTP a third-party frame gets no cookie back (they cannot be SameSite=None
    there), as in a browser that blocks even partitioned cookies: the frame says so, and the
    conversation opens in a tab of its own, where the same signed xid joins."""
    conversation = seed_conversation(owner)
    cid = conversation.public_id
    recorder = Recorder()
    context = open_context(browser, recorder)
    page = context.new_page()
    src = embed_src(live_server.url, cid, "reader-43")
    with host_page(f'<iframe title="Mesa" width="380" height="760" src="{src}"></iframe>') as host:
        page.goto(host)
        frame = page.frame_locator("iframe")
        frame.get_by_role("button", name="Start voting").click()
        expect(frame.get_by_role("alert")).to_contain_text("in its own tab")
        screenshot(page, "14b-embedded-cookies-blocked")
        fresh_session()
        assert database.session.scalar(sa.select(sa.func.count(Participant.id))) == 0
        with context.expect_page() as opened:
            frame.get_by_role("link", name="Open in its own tab").click()
        tab = opened.value
        tab.get_by_role("button", name="Start voting").click()
        tab.get_by_role("button", name="Agree", exact=True).click()
        expect(tab.locator("#n-voted")).to_have_text("1")
    fresh_session()
    assert database.session.scalar(sa.select(Participant.xid)) == "reader-43"
    context.close()
    assert recorder.page_errors == []


def test_the_home_page_takes_a_typed_code_to_its_conversation(phone, live_server, owner):
    """Someone handed only a code in the room types it, with a space and capitals, on a phone."""
    conversation = seed_conversation(owner, languages=["es", "en"])
    phone.goto(f"{live_server.url}/?lang=en")
    assert_accessible(phone, "home page")
    phone.locator("#code").fill("x1")
    phone.locator("main form button").click()
    expect(phone.get_by_role("alert")).to_contain_text("3phdex2kjf")  # the example of a code
    assert_accessible(phone, "home page with a wrong code")
    screenshot(phone, "15-home-wrong-code")
    code = conversation.public_id.upper()
    phone.locator("#code").fill(code[:5] + " " + code[5:])
    phone.locator("main form button").click()
    expect(phone).to_have_url(live_server.conversation_url(conversation.public_id))
    expect(phone.get_by_role("heading", level=1)).to_have_text(conversation.topic)
