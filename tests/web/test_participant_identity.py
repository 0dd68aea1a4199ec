"""Nobody becomes someone else (issue 13, points 1, 2 and 4), over HTTP.

1. An xid is taken only with the embedding site's signature, on every way in: the join API,
   the /c join form's xid field and the embed; a refusal tells nothing about the xid.
2. The embed's join is bound to the browser that was shown the form (no login CSRF).
4. No page, link or redirect carries a participant token in its URL.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.models import Participant
from tests.deliberation.conftest import signed_xid
from tests.web.conftest import (
    API,
    assert_refused,
    bearer,
    join,
    make_facilitator,
    stored_counts,
)
from tests.web.test_console import log_in, post
from tests.web.test_participant_pages import form_token, standing_votes
from web.credentials import participant_cookie_name
from web.participant.join_binding import join_cookie_name

HTTPS = "https://mesa.example.org"


@pytest.fixture(autouse=True)
def in_english(client):
    client.set_cookie("mesa_language", "en")


def fresh_client(app):
    client = app.test_client()
    client.set_cookie("mesa_language", "en")
    return client


def participants_url(conversation_id: str) -> str:
    return f"{API}/conversations/{conversation_id}/participants"


def test_the_join_api_refuses_a_bare_xid_and_leaves_its_owner_alone(client, conversation, seeds):
    cid = conversation.public_id
    maria = join(client, cid, **signed_xid(cid, "maria.lopez@example.org"))
    votes_url = f"{API}/conversations/{cid}/votes"
    ballot = {"tid": seeds[0], "vote": 1, "client_vote_id": "maria-1"}
    assert client.post(votes_url, json=ballot, headers=bearer(maria["token"])).status_code < 300
    before = stored_counts()

    attacker = fresh_client(client.application)
    taken = attacker.post(participants_url(cid), json={"xid": "maria.lopez@example.org"})
    body = assert_refused(taken, 403, "xid_unsigned")
    assert "token" not in body and "pid" not in body
    assert "Set-Cookie" not in taken.headers
    assert stored_counts() == before
    mine = attacker.get(
        f"{API}/conversations/{cid}/participants/me", headers=bearer(maria["token"])
    )
    assert mine.status_code == 200 and [v["tid"] for v in mine.get_json()["votes"]] == [seeds[0]]


def test_join_api_refusals_are_the_same_for_every_xid(client, owner, conversation):
    """Joins cannot enumerate xids: known, allow-listed and unknown xids are refused alike."""
    cid = conversation.public_id
    services.update_conversation(owner.id, cid, {"access_mode": "xid"})
    services.allow_xids(owner.id, cid, ["ana", "beto"])
    join(client, cid, **signed_xid(cid, "ana"))
    before = stored_counts()
    forged = {"xid_expires": signed_xid(cid, "x")["xid_expires"], "xid_signature": "a" * 64}
    for attempt in ({}, forged):
        answers = set()
        for xid in ("ana", "beto", "nadie"):
            response = fresh_client(client.application).post(
                participants_url(cid), json={"xid": xid, **attempt}
            )
            answers.add((response.status_code, response.get_data(as_text=True)))
        assert len(answers) == 1, answers
        [(status, _)] = answers
        assert status == 403
    assert stored_counts() == before


def test_the_join_forms_xid_field_needs_the_signature_too(client, conversation):
    cid = conversation.public_id
    join(fresh_client(client.application), cid, **signed_xid(cid, "maria"))
    before = stored_counts()
    landing = client.get(f"/c/{cid}")
    refused = client.post(
        f"/c/{cid}/join", data={"csrf_token": form_token(landing), "xid": "maria"}
    )
    assert refused.status_code == 403
    assert "The link that brought you here is not valid." in refused.get_data(as_text=True)
    assert participant_cookie_name(cid) not in str(refused.headers.getlist("Set-Cookie"))
    assert stored_counts() == before

    expired = signed_xid(cid, "maria", expires_in=-10)
    landing = client.get(f"/c/{cid}?{urlencode(expired)}")
    again = client.post(f"/c/{cid}/join", data={"csrf_token": form_token(landing), **expired})
    assert again.status_code == 403 and "has expired" in again.get_data(as_text=True)
    assert stored_counts() == before

    proven = signed_xid(cid, "maria")
    landing = client.get(f"/c/{cid}?{urlencode(proven)}")
    assert 'name="xid_signature"' in landing.get_data(as_text=True)
    joined = client.post(f"/c/{cid}/join", data={"csrf_token": form_token(landing), **proven})
    assert joined.status_code == 302
    assert database.session.scalar(sa.select(sa.func.count(Participant.id))) == 1  # maria again


def test_the_embed_join_is_bound_to_the_browser_that_was_shown_the_form(client, conversation):
    """Login CSRF: another site fetches the embed's join form on its server, with an xid it had
    signed for itself, and makes a visitor's browser post it. The visitor must not end up in
    the attacker's participation (whose votes the attacker could read)."""
    cid = conversation.public_id
    embed = f"/embed/{cid}"
    mallory = signed_xid(cid, "mallory")
    server_side = fresh_client(client.application)
    fetched = server_side.get(f"{embed}?{urlencode(mallory)}", base_url=HTTPS)
    forged_form = {"csrf_token": form_token(fetched), **mallory}

    visitor = fresh_client(client.application)
    for has_visited in (False, True):  # with no cookie of ours, and with her own join cookie
        if has_visited:
            visitor.get(embed, base_url=HTTPS)
            nonce = visitor.get_cookie(join_cookie_name(cid), domain="mesa.example.org", path=embed)
            assert nonce is not None
        posted = visitor.post(
            f"{embed}/join?{urlencode({'xid': 'mallory'})}", data=forged_form, base_url=HTTPS
        )
        assert posted.status_code == 400, posted.get_data(as_text=True)
        assert not posted.headers.getlist("Set-Cookie")
        assert visitor.get_cookie(participant_cookie_name(cid), domain="mesa.example.org") is None
    assert stored_counts()["participants"] == 0

    # The browser that was shown the form joins with it.
    joined = server_side.post(f"{embed}/join", data=forged_form, base_url=HTTPS)
    assert joined.status_code == 302
    assert database.session.scalar(sa.select(Participant.xid)) == "mallory"


def test_the_join_cookie_is_private_to_the_frame(client, conversation):
    landing = client.get(f"/embed/{conversation.public_id}", base_url=HTTPS)
    [cookie] = [c for c in landing.headers.getlist("Set-Cookie") if c.startswith("mesa_join_")]
    for attribute in ("HttpOnly", "Secure", "SameSite=None", "Partitioned"):
        assert attribute in cookie, cookie
    assert f"Path=/embed/{conversation.public_id}" in cookie


def test_a_frame_whose_cookies_are_blocked_is_offered_its_own_tab(client, owner, conversation):
    """Where a browser withholds even partitioned cookies, the join says so instead of joining
    a participant the frame could never show again."""
    cid = conversation.public_id
    member = signed_xid(cid, "member-9")
    landing = client.get(f"/embed/{cid}?{urlencode(member)}")
    client.delete_cookie(join_cookie_name(cid), path=f"/embed/{cid}")
    blocked = client.post(f"/embed/{cid}/join", data={"csrf_token": form_token(landing), **member})
    assert blocked.status_code == 400
    html = blocked.get_data(as_text=True)
    assert "Open the conversation in its own tab" in html
    own_tab = re.search(r'<a class="button" href="([^"]+)" target="_blank"', html).group(1)
    assert own_tab.startswith(f"/embed/{cid}?") and "xid_signature=" in own_tab
    assert stored_counts()["participants"] == 0

    # In its own tab the page is first-party: it sets its cookie and the join goes through.
    tab = fresh_client(client.application)
    landing = tab.get(own_tab.replace("&amp;", "&"))
    joined = tab.post(f"/embed/{cid}/join", data={"csrf_token": form_token(landing), **member})
    assert joined.status_code == 302


TOKEN_SHAPED = re.compile(r"p\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
URL_ATTRIBUTE = re.compile(r'\b(?:href|src|action|formaction|data-[a-z-]+)="([^"]*)"')


class Watcher:
    """Every response of a client: a token must be in no URL, and in no page at all."""

    def __init__(self, client):
        self.client, self.seen = client, 0
        self.tokens: set[str] = set()

    def request(self, method: str, url: str, **kwargs):
        response = getattr(self.client, method)(url, **kwargs)
        self.check(response)
        return response

    def check(self, response) -> None:
        self.seen += 1
        for cookie in response.headers.getlist("Set-Cookie"):
            if cookie.startswith("mesa_participant_"):
                self.tokens.add(cookie.split(";")[0].split("=", 1)[1])
        location = response.headers.get("Location", "")
        urls = [location]
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            urls += URL_ATTRIBUTE.findall(html)
            for token in self.tokens:
                assert token not in html, "a participant token in a page"
        for url in urls:
            assert not TOKEN_SHAPED.search(url), url
            for token in self.tokens:
                assert token not in url and token.split(".")[1] not in url, url


@pytest.mark.parametrize("prefix", ["/c", "/embed"])
def test_no_page_or_redirect_puts_a_token_in_a_url(client, owner, conversation, seeds, prefix):
    cid = conversation.public_id
    base = f"{prefix}/{cid}"
    member = signed_xid(cid, "member-1")
    watch = Watcher(client)
    landing = watch.request("get", f"{base}?{urlencode(member)}")
    joined = watch.request(
        "post", f"{base}/join", data={"csrf_token": form_token(landing), **member}
    )
    assert joined.status_code == 302 and watch.tokens
    page = watch.request("get", joined.headers["Location"])
    voted = watch.request(
        "post",
        f"{base}/votes",
        data={"csrf_token": form_token(page), "tid": seeds[0], "vote": "1"},
    )
    watch.request("get", voted.headers["Location"])
    for path in ("/votes", "/statements", "/group", "/privacy", "?lang=es", "/votes?lang=en"):
        assert watch.request("get", f"{base}{path}").status_code == 200, path
    added = watch.request(
        "post",
        f"{base}/statements",
        data={"csrf_token": form_token(page), "text": "Que cada caso tenga un fiscal."},
    )
    watch.request("get", added.headers["Location"])
    voted_back = watch.request(
        "post",
        f"{base}/votes",
        data={"csrf_token": form_token(page), "tid": seeds[1], "vote": "0", "back": "votes"},
    )
    assert voted_back.status_code == 302
    standing = standing_votes(conversation)
    assert (standing[(0, seeds[0])], standing[(0, seeds[1])]) == (1, 0)
    assert watch.seen >= 12


def test_a_token_in_the_url_is_not_taken(client, conversation):
    """Old `?p=` links: the page does not recognise their holder, so such URLs stop spreading."""
    cid = conversation.public_id
    joined = join(fresh_client(client.application), cid)
    html = client.get(f"/embed/{cid}?p={joined['token']}").get_data(as_text=True)
    assert "Start voting" in html and 'id="vote-form"' not in html


def test_an_owner_sees_and_rotates_the_embedding_secret_in_the_console(client, owner, conversation):
    cid = conversation.public_id
    log_in(client, owner.email)
    share = client.get(f"/console/c/{cid}/share").get_data(as_text=True)
    secret = services.embedding_secret(owner.id, cid)
    assert secret in share and "xid_signature" in share
    rotated = post(client, f"/console/c/{cid}/share/embedding-secret")
    assert rotated.status_code == 302
    database.session.rollback()
    new_secret = services.embedding_secret(owner.id, cid)
    assert new_secret != secret
    assert new_secret in client.get(f"/console/c/{cid}/share").get_data(as_text=True)
    # Cross-site: without the console's CSRF token, nothing rotates.
    assert client.post(f"/console/c/{cid}/share/embedding-secret").status_code == 400
    database.session.rollback()
    assert services.embedding_secret(owner.id, cid) == new_secret


def test_a_moderator_neither_sees_nor_rotates_the_embedding_secret(client, owner, conversation):
    cid = conversation.public_id
    moderator = make_facilitator("moderadora@example.org")
    services.grant_role(owner.id, cid, moderator.email, "moderator")
    secret = services.embedding_secret(owner.id, cid)
    log_in(client, moderator.email)
    share = client.get(f"/console/c/{cid}/share")
    assert share.status_code == 200 and secret not in share.get_data(as_text=True)
    assert post(client, f"/console/c/{cid}/share/embedding-secret").status_code == 403
    database.session.rollback()
    assert services.embedding_secret(owner.id, cid) == secret


def test_a_second_device_takes_over_and_the_first_is_told(client, conversation, seeds):
    """One device at a time per proven person, and not silently: the first device's page says
    that it was signed out, and its API calls are refused."""
    cid = conversation.public_id
    phone, laptop = fresh_client(client.application), fresh_client(client.application)
    for device in (phone, laptop):
        member = signed_xid(cid, "member-5")
        landing = device.get(f"/embed/{cid}?{urlencode(member)}")
        joined = device.post(
            f"/embed/{cid}/join", data={"csrf_token": form_token(landing), **member}
        )
        assert joined.status_code == 302
    assert stored_counts()["participants"] == 1

    on_laptop = laptop.get(f"/embed/{cid}").get_data(as_text=True)
    assert 'id="vote-form"' in on_laptop and "signed out" not in on_laptop
    on_phone = phone.get(f"/embed/{cid}").get_data(as_text=True)
    assert "This device was signed out" in on_phone and 'id="vote-form"' not in on_phone
    refused = phone.get(f"{API}/conversations/{cid}/participants/me")
    assert_refused(refused, 403, "participant_token_unknown")


def test_leaving_the_embed_removes_its_partitioned_cookies(client, conversation):
    """A partitioned cookie is removed only by a deletion with the same attributes."""
    cid = conversation.public_id
    landing = client.get(f"/embed/{cid}", base_url=HTTPS)
    joined = client.post(
        f"/embed/{cid}/join", data={"csrf_token": form_token(landing)}, base_url=HTTPS
    )
    assert joined.status_code == 302
    privacy = client.get(f"/embed/{cid}/privacy", base_url=HTTPS)
    left = client.post(
        f"/embed/{cid}/leave",
        data={"csrf_token": form_token(privacy), "confirm": "yes"},
        base_url=HTTPS,
    )
    assert left.status_code == 200
    removals = [c for c in left.headers.getlist("Set-Cookie") if "Max-Age=0" in c]
    assert len(removals) == 2
    assert all("Partitioned" in c and "Secure" in c for c in removals), removals
    assert client.get_cookie(participant_cookie_name(cid), domain="mesa.example.org") is None
