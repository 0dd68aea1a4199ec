"""Console sessions (issue 13, points 7, 8, 9): where a login may send the browser, how long a
session lives and when it ends, and who a failed-login limit can keep out."""

from __future__ import annotations

import time

import limits.storage.memory
import pytest

from tests.web.conftest import PASSWORD, IsolatedClient
from tests.web.test_console import CONSOLE, csrf_token, log_in, post
from web import create_app
from web.facilitator_sessions import DEFAULT_IDLE_SECONDS

# Each of these, given as `next`, would send a logged-in browser to another site (browsers drop
# tabs and newlines from URLs and read a backslash as a slash), or is not a URL at all.
FOREIGN_NEXT = [
    "//evil.example/x",
    "///evil.example/x",
    "////evil.example/x",
    "/\t/evil.example/x",
    "/\n/evil.example/x",
    "/\r\n/evil.example/x",
    "\t//evil.example/x",
    " //evil.example/x",
    "/\\evil.example/x",
    "/\\/evil.example/x",
    "\\\\evil.example/x",
    "/%2F/evil.example/x",
    "/%2f%2fevil.example/x",
    "/%5Cevil.example/x",
    "/%09/evil.example/x",
    "https://evil.example/x",
    "http:/evil.example/x",
    "javascript:alert(1)",
    "data:text/html,hi",
    "//user:pw@evil.example/x",
    "evil.example/x",
    "/\u3000/evil.example",
    "/ /evil.example",
]
DEFAULT_LANDING = f"{CONSOLE}/"


def _location_path(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    location = response.headers["Location"]
    return location.removeprefix("http://localhost")


@pytest.mark.parametrize("target", FOREIGN_NEXT)
def test_a_logged_in_get_never_redirects_off_site(client, owner, target):
    log_in(client, owner.email)
    response = client.get(f"{CONSOLE}/login", query_string={"next": target})
    assert _location_path(response) == DEFAULT_LANDING


@pytest.mark.parametrize("target", FOREIGN_NEXT)
def test_a_login_post_never_redirects_off_site(client, owner, target):
    response = client.post(
        f"{CONSOLE}/login",
        data={
            "csrf_token": csrf_token(client),
            "email": owner.email,
            "password": PASSWORD,
            "next": target,
        },
    )
    assert _location_path(response) == DEFAULT_LANDING


def test_a_path_on_this_site_is_followed(client, owner, conversation):
    target = f"{CONSOLE}/c/{conversation.public_id}/moderation?tab=pending"
    log_in(client, owner.email)
    response = client.get(f"{CONSOLE}/login", query_string={"next": target})
    assert _location_path(response) == target


def test_the_raw_tab_bypass_from_the_report(client, owner):
    log_in(client, owner.email)
    response = client.get(f"{CONSOLE}/login?next=/%09/evil.example/x")
    assert _location_path(response) == DEFAULT_LANDING


# --------------------------------------------------------------------------------------------
# Point 8: logout and a password change end every session of that person; idle sessions end.

SESSION_COOKIE = "mesa_session"


def _session_cookie(client) -> str:
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    return cookie.value


def _console_with(app, cookie: str) -> int:
    """Status of the console's start page for a browser holding only this session cookie."""
    other = app.test_client()
    other.set_cookie(SESSION_COOKIE, cookie)
    return other.get(f"{CONSOLE}/").status_code


def test_a_copied_session_cookie_dies_with_the_logout(app, client, owner):
    log_in(client, owner.email)
    copied = _session_cookie(client)
    assert _console_with(app, copied) == 200
    assert post(client, f"{CONSOLE}/logout").status_code == 302
    assert _console_with(app, copied) == 302


def test_logout_ends_the_sessions_on_other_laptops_too(app, client, owner):
    laptop, projector = client, app.test_client()
    log_in(laptop, owner.email)
    log_in(projector, owner.email)
    assert projector.get(f"{CONSOLE}/").status_code == 200
    post(laptop, f"{CONSOLE}/logout")
    assert projector.get(f"{CONSOLE}/").status_code == 302


def test_a_password_change_ends_every_other_session(app, client, owner):
    log_in(client, owner.email)
    copied = _session_cookie(client)
    new_password = "another long password"
    response = post(
        client,
        f"{CONSOLE}/password",
        {"current": PASSWORD, "new": new_password, "confirm": new_password},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert _console_with(app, copied) == 302
    # The browser that changed it stays logged in, on a fresh session.
    assert client.get(f"{CONSOLE}/").status_code == 200
    assert _session_cookie(client) != copied


def test_an_api_logout_ends_console_sessions(app, client, owner):
    log_in(client, owner.email)
    copied = _session_cookie(client)
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": token}).status_code == 204
    assert _console_with(app, copied) == 302


@pytest.fixture
def short_idle_client(app):
    """A client of an app on the same database whose console sessions end after 2 idle
    seconds (MESA_CONSOLE_IDLE_SECONDS)."""
    short = create_app({**app.config, "MESA_CONSOLE_IDLE_SECONDS": 2})
    short.test_client_class = IsolatedClient
    return short.test_client()


def test_an_idle_session_ends(short_idle_client, owner):
    client = short_idle_client
    log_in(client, owner.email)
    assert client.get(f"{CONSOLE}/").status_code == 200
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie.expires is not None  # the browser forgets it too, not only the server
    for _ in range(3):  # activity keeps it alive past its idle lifetime
        time.sleep(1.1)
        assert client.get(f"{CONSOLE}/").status_code == 200
    time.sleep(3.1)
    assert client.get(f"{CONSOLE}/").status_code == 302


def test_the_default_idle_lifetime_suits_a_shared_laptop(app):
    assert app.permanent_session_lifetime.total_seconds() == DEFAULT_IDLE_SECONDS == 30 * 60


# --------------------------------------------------------------------------------------------
# Point 9: a stranger's wrong passwords do not lock the owner out; guessing still stops.

STRANGER = {"REMOTE_ADDR": "203.0.113.7"}
OWNERS_LAPTOP = {"REMOTE_ADDR": "198.51.100.20"}


def _login(client, email: str, password: str, address: dict):
    token = csrf_token(client)
    return client.post(
        f"{CONSOLE}/login",
        data={"csrf_token": token, "email": email, "password": password},
        environ_base=address,
    )


def test_a_strangers_wrong_passwords_do_not_lock_the_owner_out(app, client, owner):
    statuses = [
        _login(client, owner.email, "wrong password!", STRANGER).status_code for _ in range(12)
    ]
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]
    owners = app.test_client()
    assert _login(owners, owner.email, PASSWORD, OWNERS_LAPTOP).status_code == 302
    api = owners.post(
        "/api/v1/session",
        json={"email": owner.email, "password": PASSWORD},
        environ_base=OWNERS_LAPTOP,
    )
    assert api.status_code == 200


class _FrozenClock:
    """`time` for the limiter's memory storage, stopped: 31 hashed logins take seconds, more on
    a loaded machine, and a sliding window that a minute boundary splits weighs the earlier
    half down, letting the 31st through."""

    def __init__(self):
        self.now = time.time()

    def time(self) -> float:
        return self.now


def test_one_address_cannot_try_password_after_password_across_accounts(
    app, client, owner, monkeypatch
):
    monkeypatch.setattr(limits.storage.memory, "time", _FrozenClock())
    # Per (email, address) alone, a guesser would just cycle through emails.
    statuses = [
        _login(client, f"someone{i}@example.org", "wrong password!", STRANGER).status_code
        for i in range(31)
    ]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
    api = client.post(
        "/api/v1/session",
        json={"email": owner.email, "password": PASSWORD},
        environ_base=STRANGER,
    )
    assert api.status_code == 429
    other = app.test_client()
    assert _login(other, owner.email, PASSWORD, OWNERS_LAPTOP).status_code == 302


def test_successful_logins_do_not_spend_the_addresss_budget(app, client, owner):
    # A venue's facilitators behind one Wi-Fi address all log in.
    for _ in range(35):
        response = client.post(
            "/api/v1/session",
            json={"email": owner.email, "password": PASSWORD},
            environ_base=STRANGER,
        )
        assert response.status_code == 200
