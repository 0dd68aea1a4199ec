"""The console in a Spanish browser (issue 14, point 1): every page, with what its scripts
write, has no English interface text (compared with the compiled catalogue, as
tests/i18n_check.py does); the ES / EN switch turns it English and the choice stays. Screenshots
go to tests/artifacts/console-es-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from deliberation import services
from deliberation.recompute import run_once
from tests.browser.conftest import PASSWORD, screenshot
from tests.i18n_check import report, untranslated

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1366, "height": 800}
SEEDS = [
    "Más fiscales e investigadores, no más soldados.",
    "La policía municipal necesita mejores salarios.",
    "Toda detención debe registrarse en un sistema público.",
    "Hace falta más presencia militar en las calles.",
]


@pytest.fixture
def evening(owner):
    conversation = services.create_conversation(
        owner.id,
        "Mesa de seguridad: ¿qué pedimos?",
        description="Sesión de marzo.",
        languages=["es", "en"],
        stakeholder_sectors=["comercio", "gobierno estatal"],
    )
    cid = conversation.public_id
    services.translate_conversation(
        owner.id,
        cid,
        "en",
        topic="Security round-table: what do we ask?",
        description="March session.",
        sector_names={"comercio": "business", "gobierno estatal": "state government"},
    )
    tids = [services.add_seed_statement(owner.id, cid, text).tid for text in SEEDS]
    for index in range(16):
        sector = ("comercio", "gobierno estatal")[index % 2]
        pid = services.join_conversation(cid, sector=sector).pid
        for tid in tids:
            camp = index % 2 if tid == 3 else 1
            services.cast_vote(cid, pid, tid, 1 if (index + tid) % 4 and camp else -1)
    services.submit_statement(cid, pid, "Que la policía rinda cuentas cada mes.")
    services.create_invite_code(owner.id, cid, sector="gobierno estatal")
    run_once("fast")
    return cid


def assert_spanish(page, name: str) -> None:
    found = untranslated(page.content())
    screenshot(page, f"console-es-{name}")
    assert not found, f"{name}:\n{report(found)}"


def test_a_spanish_facilitator_reads_the_whole_console_in_spanish(
    browser, live_server, owner, evening
):
    # As conftest.open_context records, with a Spanish browser's locale (Accept-Language).
    errors: list[str] = []
    context = browser.new_context(viewport=DESKTOP, locale="es-MX")
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    console = f"{live_server.url}/console"

    page.goto(f"{console}/login")
    assert page.locator("html").get_attribute("lang") == "es"
    assert_spanish(page, "login")
    page.get_by_label("Correo electrónico").fill(owner.email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("heading", name="Tus conversaciones")).to_be_visible()
    assert_spanish(page, "conversations")

    base = f"{console}/c/{evening}"
    for name, path in (
        ("overview", "/"),
        ("statements", "/statements"),
        ("share", "/share"),
        ("access", "/invites"),
        ("team", "/team"),
        ("settings", "/settings"),
        ("audit", "/audit"),
        ("archive", "/archive"),
        ("consensus", "/consensus"),
        ("agenda", "/agenda"),
        ("follow-up", "/follow-up"),
        ("topics", "/topics"),
        ("coordination", "/coordination"),
    ):
        page.goto(base + path)
        assert_spanish(page, name)

    page.goto(f"{base}/map")
    status = page.locator("#map-status")
    expect(status).to_contain_text("puntos")  # written by map.js once the map is drawn
    expect(page.locator("#group-legend button").first).to_contain_text("Grupo")
    assert_spanish(page, "map")

    page.goto(f"{base}/moderation")
    page.locator(".queue-item").first.click()
    page.keyboard.press("a")
    expect(page.locator("#moderation-status")).to_contain_text("Afirmaciones cambiadas: 1")
    assert_spanish(page, "moderation")

    page.goto(f"{base}/projector")
    expect(page.locator(".spotlight .legend")).to_contain_text("de acuerdo")
    assert_spanish(page, "projector")

    page.goto(f"{base}/invites/sheet")
    expect(page.locator(".invite-card .sector")).to_have_text("gobierno estatal")
    assert_spanish(page, "invite-sheet")

    # The switch: English, kept on the next pages and by the account.
    page.get_by_role("link", name="EN", exact=True).click()
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator(".invite-card .sector")).to_have_text("state government")
    page.goto(f"{base}/map")
    expect(page.locator("#map-status")).to_contain_text("points")
    screenshot(page, "console-en-map")
    context.close()
    assert errors == []
