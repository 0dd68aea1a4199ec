"""Console sessions (issue 13, points 7, 8, 9): where a login may send the browser, how long a
session lives and when it ends, and who a failed-login limit can keep out."""

from __future__ import annotations

import pytest

from tests.web.conftest import PASSWORD
from tests.web.test_console import CONSOLE, csrf_token, log_in

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
