"""Sector invite codes in Chromium (issue 14 point 2): a facilitator makes one code per sector
in the console; phones in Spanish join in the default (link) access mode through a code typed
on the home page and through an invite link (the QR code's target); the console's participation
panel then counts each of them in their sector.

Console elements are found by URL, name and CSS rather than by their English wording, which
issue 14 point 1 translates."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from deliberation import services
from deliberation.db import db as database
from deliberation.models import AccessMode, InviteCode, Participant
from tests.browser.conftest import PASSWORD, PHONE, fresh_session
from tests.browser.conftest import screenshot as keep_screenshot

SECTORS = ["comercio", "derechos humanos", "gobierno"]


@pytest.fixture
def spanish_phones(browser, live_server):
    """Phone-sized pages with a Mexican Spanish browser, each its own device (cookie jar)."""
    page_errors, contexts = [], []

    def new_phone():
        context = browser.new_context(viewport=PHONE, locale="es-MX")
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        return page

    yield new_phone
    for context in contexts:
        context.close()
    assert page_errors == []


def screenshot(page, name: str) -> None:
    keep_screenshot(page, f"invites-{name}")


def test_sector_codes_typed_on_the_home_page_and_by_link_count_in_their_sector(
    browser, live_server, owner, spanish_phones
):
    live_server.app.config["MESA_MIN_SECTOR_CELL"] = 1  # show the one-person sector cells
    conversation = services.create_conversation(
        owner.id, "¿Qué pedimos al gobierno federal?", stakeholder_sectors=SECTORS
    )
    cid = conversation.public_id
    assert conversation.access_mode is AccessMode.LINK  # the default mode, where it failed
    services.add_seed_statement(owner.id, cid, "Más fiscales e investigadores, no más soldados.")

    # The facilitator makes one code per sector in the console.
    console = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    console.goto(f"{live_server.url}/console/login")
    console.locator("input[name=email]").fill(owner.email)
    console.locator("input[name=password]").fill(PASSWORD)
    console.locator("form button[type=submit]").click()
    console.goto(f"{live_server.url}/console/c/{cid}/invites")
    console.locator("form:has(input[name=action][value=per-sector]) button").click()
    expect(console.locator("table.list tbody tr")).to_have_count(len(SECTORS))
    fresh_session()
    codes = dict(database.session.execute(sa.select(InviteCode.sector, InviteCode.code)).all())

    # A shop owner types the comercio code from the printed sheet on the home page.
    typed = spanish_phones()
    typed.goto(f"{live_server.url}/")
    code = codes["comercio"]
    typed.locator("#code").fill(f"{code[:6].upper()} {code[6:].upper()}")
    typed.locator("#code").press("Enter")
    expect(typed).to_have_url(f"{live_server.url}/c/{cid}?invite={code}")
    expect(typed.locator("#invite_code")).to_have_value(code)
    expect(typed.get_by_text("Código de invitación (opcional)")).to_be_visible()
    expect(typed.locator("#code-sector")).to_have_text(
        "Tu código de invitación te cuenta en el sector: comercio."
    )
    screenshot(typed, "typed-code-landing")
    typed.get_by_role("button", name="Empezar a votar").click()
    expect(typed.get_by_text("Más fiscales e investigadores, no más soldados.")).to_be_visible()

    # An official opens the gobierno invite link (what its QR code holds).
    linked = spanish_phones()
    linked.goto(f"{live_server.url}/c/{cid}?invite={codes['gobierno']}")
    linked.get_by_role("button", name="Empezar a votar").click()
    expect(linked.get_by_text("Más fiscales e investigadores, no más soldados.")).to_be_visible()

    # A mistyped code on the home page: a Spanish message, and nobody joins.
    wrong = spanish_phones()
    wrong.goto(f"{live_server.url}/")
    wrong.locator("#code").fill("noesuncodigo")
    wrong.locator("#code").press("Enter")
    expect(wrong.get_by_role("alert")).to_contain_text(
        "Ese no es un código de conversación ni de invitación."
    )
    screenshot(wrong, "wrong-code")

    fresh_session()
    assert sorted(database.session.scalars(sa.select(Participant.sector))) == [
        "comercio",
        "gobierno",
    ]
    used = dict(database.session.execute(sa.select(InviteCode.sector, InviteCode.used_count)).all())
    assert used == {"comercio": 1, "derechos humanos": 0, "gobierno": 1}

    # The console's participation panel counts each in their sector.
    console.goto(f"{live_server.url}/console/c/{cid}/")
    panel = console.locator("table.sectors")
    for sector, joined in (("comercio", "1"), ("derechos humanos", "0"), ("gobierno", "1")):
        row = panel.locator("tr", has=console.locator("th", has_text=sector))
        expect(row.locator("td.number")).to_have_text(joined)
    screenshot(console, "console-participation")
    console.context.close()
