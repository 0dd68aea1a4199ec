"""Joins per address in link mode (issue 13, point 5): a venue's crowd behind one Wi-Fi gets in,
a script's burst does not all get in, and a refused join creates no participant.

The limiter's clock is moved by hand (`limits` reads `time.time` in its memory storage), so ten
simulated minutes take no real time.
"""

from __future__ import annotations

import re

import limits.storage.memory
import pytest

from deliberation import services
from deliberation.models import AccessMode
from tests.web.conftest import API, stored_counts
from web.extensions import limiter
from web.rate_limits import DEFAULT_JOIN_LIMIT

FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class LimiterClock:
    """Stands in for the `time` module inside limits' memory storage."""

    def __init__(self, start: float):
        self.now = start

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(app, monkeypatch):
    # The clock below is the memory storage's (the tests' default, whatever the environment).
    assert isinstance(limiter.storage, limits.storage.MemoryStorage), limiter.storage
    # Start on a minute boundary, where a fixed window would let a second full window through.
    fake = LimiterClock(start=1_800_000_000.0)
    monkeypatch.setattr(limits.storage.memory, "time", fake)
    return fake


def api_join(client, conversation_id: str):
    # A fresh client per join: a new phone with no cookie, behind the same address.
    phone = client.application.test_client()
    return phone.post(f"{API}/conversations/{conversation_id}/participants", json={})


def test_the_join_limit_is_on_by_default_and_read_from_the_environment(monkeypatch, tmp_path):
    from web import create_app

    base = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}", "TESTING": True}
    assert DEFAULT_JOIN_LIMIT == "90/minute;400/hour"
    assert create_app(base).config["MESA_RATE_LIMIT_JOINS"] == DEFAULT_JOIN_LIMIT
    monkeypatch.setenv("MESA_RATE_LIMIT_JOINS", "off")
    assert create_app(base).config["MESA_RATE_LIMIT_JOINS"] is False
    monkeypatch.setenv("MESA_RATE_LIMIT_JOINS", "300/minute;3000/hour")
    assert create_app(base).config["MESA_RATE_LIMIT_JOINS"] == "300/minute;3000/hour"


def test_a_venue_of_300_behind_one_address_joins_within_ten_minutes(client, conversation, clock):
    # 60 in the minute the QR code goes up, then the other 240 over nine minutes.
    arrivals = [i * 1.0 for i in range(60)] + [60 + i * 2.25 for i in range(240)]
    assert len(arrivals) == 300 and arrivals[-1] < 600
    start = clock.now
    statuses = []
    for offset in arrivals:
        clock.now = start + offset
        statuses.append(api_join(client, conversation.public_id).status_code)
    assert statuses == [201] * 300
    assert stored_counts()["participants"] == 300


def test_a_burst_of_150_joins_is_cut_off_with_429_and_creates_nobody(client, conversation, clock):
    start = clock.now
    answers = []
    for i in range(150):
        clock.now = start + i * 0.01  # 150 joins in a second and a half
        answers.append(api_join(client, conversation.public_id))
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(201) == 90
    assert statuses[90:] == [429] * 60
    refused = answers[-1].get_json()
    assert refused["code"] == "rate_limited" and "90 per 1 minute" in refused["error"]
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert stored_counts()["participants"] == 90

    # A minute on, the sliding window still counts most of the burst: only a few get in.
    clock.now = start + 61
    later = [api_join(client, conversation.public_id).status_code for _ in range(30)]
    assert 0 < later.count(201) < 30
    # The hour's budget ends a script's slow drip.
    admitted = stored_counts()["participants"]
    for minute in range(2, 60):
        clock.now = start + 60 * minute
        for _ in range(10):
            api_join(client, conversation.public_id)
    assert stored_counts()["participants"] == 400 > admitted


def test_the_page_and_the_api_share_one_budget_and_the_page_explains(
    app, client, conversation, clock
):
    app.config["MESA_RATE_LIMIT_JOINS"] = "2/minute"
    assert api_join(client, conversation.public_id).status_code == 201
    phone = app.test_client()
    phone.set_cookie("mesa_language", "es")
    landing = phone.get(f"/c/{conversation.public_id}")
    form = {"csrf_token": FORM_TOKEN.search(landing.get_data(as_text=True)).group(1)}
    assert phone.post(f"/c/{conversation.public_id}/join", data=form).status_code == 302
    other = app.test_client()
    other.set_cookie("mesa_language", "es")
    landing = other.get(f"/c/{conversation.public_id}")
    form = {"csrf_token": FORM_TOKEN.search(landing.get_data(as_text=True)).group(1)}
    refused = other.post(f"/c/{conversation.public_id}/join", data=form)
    assert refused.status_code == 429
    assert "Muchas personas se están uniendo desde esta red" in refused.get_data(as_text=True)
    assert stored_counts()["participants"] == 2


def test_each_conversation_has_its_own_budget(app, client, owner, conversation, clock):
    app.config["MESA_RATE_LIMIT_JOINS"] = "1/minute"
    other = services.create_conversation(owner.id, "Otra mesa")
    assert api_join(client, conversation.public_id).status_code == 201
    assert api_join(client, conversation.public_id).status_code == 429
    assert api_join(client, other.public_id).status_code == 201


def test_invite_mode_and_a_larger_venue_setting(app, client, owner, conversation, clock):
    app.config["MESA_RATE_LIMIT_JOINS"] = "1/minute"
    services.update_conversation(
        owner.id, conversation.public_id, {"access_mode": AccessMode.INVITE}
    )
    url = f"{API}/conversations/{conversation.public_id}/participants"
    for _ in range(3):  # invite codes bound who may join: no per-address limit
        code = services.create_invite_code(owner.id, conversation.public_id).code
        phone = app.test_client()
        assert phone.post(url, json={"invite_code": code}).status_code == 201

    services.update_conversation(owner.id, conversation.public_id, {"access_mode": AccessMode.LINK})
    app.config["MESA_RATE_LIMIT_JOINS"] = False
    assert all(api_join(client, conversation.public_id).status_code == 201 for _ in range(5))


def test_a_bad_join_limit_refuses_to_start(tmp_path):
    from web import create_app

    with pytest.raises(ValueError, match="MESA_RATE_LIMIT_JOINS"):
        create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                "SECRET_KEY": "test-secret-key",
                "TESTING": True,
                "MESA_RATE_LIMIT_JOINS": "lots",
            }
        )
