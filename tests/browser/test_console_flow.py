"""A facilitator's session in Chromium at 1280 × 800: log in, create a conversation, seed 20
statements, moderate from the keyboard, then watch 2,000 votes cast through the JSON API turn
into a live map and consensus lists that update without a reload. Screenshots of the console,
the map and the projector go to tests/artifacts/."""

from __future__ import annotations

import json
import random
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from deliberation.db import db as database
from deliberation.models import Conversation, ModerationState, Statement
from deliberation.recompute import run_once
from tests.browser.conftest import PASSWORD, Recorder, fresh_session, screenshot

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 800}
SEEDS = [
    "Más fiscales e investigadores, no más soldados.",
    "La policía municipal necesita mejores salarios.",
    "Toda detención debe registrarse en un sistema público.",
    "Las víctimas deben tener asesoría legal gratuita.",
    "Hay que publicar cada mes los indicadores de seguridad.",
    "Las fiscalías deben abrir oficinas de noche.",
    "Hace falta más presencia militar en las calles.",
    "Las penas deben ser mucho más duras.",
    "La justicia rápida es mejor que los juicios largos.",
    "Los retenes militares dan seguridad.",
    "Hay que construir más cárceles.",
    "La policía debe poder detener sin orden judicial.",
    "El gobierno federal debe rendir cuentas cada trimestre.",
    "Los comercios extorsionados necesitan una línea de denuncia anónima.",
    "La guardia nacional debe salir de las colonias.",
    "Los derechos humanos protegen también a las víctimas.",
    "Las cámaras de vigilancia reducen los robos.",
    "Se necesita un registro público de personas desaparecidas.",
    "Los jóvenes necesitan empleo antes que castigo.",
    "La mesa debe evaluar cada compromiso del gobierno.",
]
# Agree probability per camp for each seed: camp 0 "more punishment", camp 1 "rights first";
# seeds 0, 1, 3, 12, 17, 19 are common ground; 8 is one many are unsure of.
COMMON = {0, 1, 3, 12, 17, 19}
PUNISHMENT = {6, 7, 9, 10, 11, 16}
UNSURE = {8}
PARTICIPANTS = 100  # x 20 statements = 2,000 votes


class Api:
    """The JSON API as a participant's phone calls it."""

    def __init__(self, base: str, conversation_id: str):
        self.base = f"{base}/api/v1/conversations/{conversation_id}"

    def call(self, path: str, body: dict, token: str | None = None) -> dict:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(
            self.base + path, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def join(self) -> str:
        return self.call("/participants", {})["token"]


def vote_like_a_camp(api: Api, person: int) -> int:
    token = api.join()
    camp = person % 2
    rng = random.Random(person)
    for tid in range(len(SEEDS)):
        if tid in UNSURE and rng.random() < 0.6:
            vote = 0
        else:
            if tid in COMMON:
                agree = 0.9
            elif tid in PUNISHMENT:
                agree = 0.85 if camp == 0 else 0.1
            else:
                agree = 0.15 if camp == 0 else 0.85
            vote = 1 if rng.random() < agree else -1
        api.call("/votes", {"tid": tid, "vote": vote}, token)
    return len(SEEDS)


def cast_votes(api: Api, people: range) -> int:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return sum(pool.map(lambda person: vote_like_a_camp(api, person), people))


@pytest.fixture
def desktop(browser, live_server):
    """A laptop-sized page; afterwards nothing went beyond 127.0.0.1, no script failed, and the
    CSP refused nothing (plotly.js's strict build needs no eval)."""
    recorder = Recorder()
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    context.on("request", lambda request: recorder.requests.append(request.url))

    def on_page(page):
        page.on(
            "console",
            lambda m: (
                m.type == "error" and recorder.console_errors.append(f"{m.text} ({page.url})")
            ),
        )
        page.on("pageerror", lambda error: recorder.page_errors.append(str(error)))

    context.on("page", on_page)
    page = context.new_page()
    yield page, recorder
    context.close()
    assert recorder.hosts() <= {urlsplit(live_server.url).netloc}, recorder.hosts()
    assert recorder.page_errors == []
    assert [e for e in recorder.console_errors if "Content Security Policy" in e] == []


def test_facilitator_runs_a_session(desktop, live_server, owner):
    page, recorder = desktop
    base = f"{live_server.url}/console"

    # Log in.
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/login?next=/console/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your conversations")).to_be_visible()

    # Create a conversation.
    page.get_by_role("link", name="New conversation").click()
    page.get_by_label("Topic").fill("¿Qué pedimos al gobierno federal?")
    page.get_by_label("Description").fill("Mesa de seguridad, sesión de marzo.")
    page.get_by_label("Stakeholder sectors").fill("comercio\nderechos humanos\ngobierno")
    page.get_by_label("Subcommittee").fill("Acceso a la justicia")
    page.get_by_role("button", name="Create conversation").click()
    expect(page.get_by_text("Conversation created")).to_be_visible()
    fresh_session()
    conversation = database.session.scalar(sa.select(Conversation))
    cid = conversation.public_id
    assert conversation.stakeholder_sectors == ["comercio", "derechos humanos", "gobierno"]

    # Seed 20 statements by pasting them.
    page.get_by_label("Seed statements, one per line").fill("\n".join(SEEDS))
    page.get_by_role("button", name="Add statements").click()
    expect(page.get_by_text("Added 20 seed statements.")).to_be_visible()
    expect(page.locator("table.statements tbody tr")).to_have_count(20)
    screenshot(page, "console-statements")

    # Participants add three statements; moderate them from the keyboard.
    api = Api(live_server.url, cid)
    for text in (
        "Que la fiscalía publique sus tiempos de respuesta.",
        "COMPRA YA",
        "Esto es confuso.",
    ):
        api.call("/statements", {"text": text}, api.join())
    page.get_by_role("link", name="Moderation").click()
    queue = page.locator("#queue .queue-item")
    expect(queue).to_have_count(3)
    screenshot(page, "console-moderation")
    page.keyboard.press("a")  # accept the first
    expect(page.locator('[data-tab-count="todo"]')).to_have_text("2")
    page.keyboard.press("r")  # reject the second, with a reason
    page.keyboard.type("publicidad")
    page.keyboard.press("Enter")
    expect(page.locator('[data-tab-count="rejected"]')).to_have_text("1")
    page.keyboard.press("m")  # the third is about the conversation itself
    expect(page.locator(".queue-item.current .meta-badge")).to_be_visible()
    page.keyboard.press("a")
    expect(page.locator('[data-tab-count="todo"]')).to_have_text("0")
    expect(page.locator("#queue-empty")).to_be_visible()
    fresh_session()
    states = {
        s.text: (s.moderation, s.moderation_reason, s.is_meta)
        for s in database.session.scalars(sa.select(Statement).where(Statement.tid >= 20))
    }
    assert states == {
        "Que la fiscalía publique sus tiempos de respuesta.": (
            ModerationState.ACCEPTED,
            None,
            False,
        ),
        "COMPRA YA": (ModerationState.REJECTED, "publicidad", False),
        "Esto es confuso.": (ModerationState.ACCEPTED, None, True),
    }

    # The console list, now with a conversation in it.
    page.goto(f"{base}/")
    screenshot(page, "console-conversations")

    # The map and the consensus page are open before any vote...
    page.goto(f"{base}/c/{cid}/map")
    expect(page.locator("#map-status")).to_contain_text("No opinion groups yet")
    consensus = page.context.new_page()
    consensus.goto(f"{base}/c/{cid}/consensus")
    expect(consensus.get_by_text("No opinion groups yet")).to_be_visible()
    for each in (page, consensus):
        each.evaluate("window.mesaNotReloaded = true")

    # ... then 2,000 votes arrive through the API, and the math runs.
    assert cast_votes(api, range(PARTICIPANTS)) == 2000
    assert [o.status for o in run_once("fast")] == ["computed"]

    # Both pages change without a reload.
    plot = page.locator("#map")
    expect(plot).to_have_attribute("data-version", "1", timeout=5_000)
    placed = int(plot.get_attribute("data-points"))
    assert placed >= PARTICIPANTS
    expect(page.locator("#map .scatterlayer, #map canvas").first).to_be_attached()
    expect(page.locator("#group-legend button")).to_have_count(2)
    expect(page.locator('#counts [data-count="votes"]')).to_have_text(
        str(2000 + 3), timeout=5_000
    )  # and the authors' own agree votes
    expect(
        consensus.locator('[data-list="consensus-statements"] .statement-item').first
    ).to_be_visible(timeout=5_000)
    top = consensus.locator(
        '[data-list="consensus-statements"] .statement-item .statement-text'
    ).first
    assert any(SEEDS[tid] in top.inner_text() for tid in COMMON)
    expect(consensus.locator('[data-list="divisive"] .statement-item').first).to_be_visible()
    expect(consensus.locator('[data-list="uncertain"]')).to_contain_text(SEEDS[8])
    assert page.evaluate("window.mesaNotReloaded") and consensus.evaluate("window.mesaNotReloaded")
    screenshot(consensus, "console-consensus")

    # Click a group: its representative statements, with every group's bars.
    page.locator("#group-legend button").first.click()
    expect(page.locator("#group-panel .group-detail")).to_contain_text("Group A")
    expect(page.locator("#group-panel .group-detail svg.bar").first).to_be_visible()
    # Click a statement: where those who agreed and disagreed sit.
    page.locator("#findings-compact [data-show-tid]").first.click()
    expect(plot).to_have_attribute("data-mode", "statement")
    expect(page.locator("#overlay-legend")).to_be_visible()
    page.evaluate("document.querySelector('.side-panel').scrollTop = 0")
    screenshot(page, "console-map")
    page.get_by_role("button", name="Back to groups").click()
    expect(plot).to_have_attribute("data-mode", "groups")
    # UMAP comes with the slow stage, which has not run.
    page.get_by_label("UMAP").check()
    expect(page.locator("#map-status")).to_contain_text("UMAP")
    page.get_by_label("PCA").check()
    expect(plot).to_have_attribute("data-version", "1")

    # More people join; the map follows the next result, still without a reload.
    cast_votes(api, range(PARTICIPANTS, PARTICIPANTS + 20))
    assert [o.status for o in run_once("fast")] == ["computed"]
    expect(plot).to_have_attribute("data-version", "2", timeout=5_000)
    assert int(plot.get_attribute("data-points")) == placed + 20
    assert page.evaluate("window.mesaNotReloaded")

    # The slow stage adds the UMAP map (about 30 s, most of it numba compiling umap-learn).
    assert [o.status for o in run_once("slow")] == ["computed"]
    page.get_by_label("UMAP").check()
    expect(plot).to_have_attribute("data-projection", "umap", timeout=5_000)
    assert int(plot.get_attribute("data-points")) >= PARTICIPANTS
    expect(page.locator("#map-status")).to_contain_text("ARI")
    screenshot(page, "console-map-umap")
    page.get_by_label("PCA").check()
    expect(plot).to_have_attribute("data-projection", "pca")

    # The projector: QR code, live counts, one statement spotlighted from the console.
    consensus.locator('[data-list="divisive"] [data-spotlight]').first.click()
    chosen = consensus.locator('[data-list="divisive"] .statement-item').first.get_attribute(
        "data-tid"
    )
    projector = page.context.new_page()
    projector.goto(f"{base}/c/{cid}/projector")
    expect(projector.locator("#spotlight .spotlight")).to_have_attribute("data-tid", chosen)
    expect(projector.locator("img.projector-qr")).to_be_visible()
    expect(projector.locator('[data-count="participants"]')).to_have_text(str(PARTICIPANTS + 23))
    assert projector.evaluate("document.querySelector('img.projector-qr').naturalWidth") > 0
    screenshot(projector, "console-projector")
    projector.keyboard.press("ArrowRight")
    expect(projector.locator("#spotlight .spotlight")).not_to_have_attribute("data-tid", chosen)

    # Share page and printable invite sheet render too.
    page.goto(f"{base}/c/{cid}/invites")
    page.get_by_role("button", name="One new code per sector (3)").click()
    expect(page.locator("table.list tbody tr")).to_have_count(3)
    page.goto(f"{base}/c/{cid}/share")
    expect(page.locator("img.qr")).to_have_count(4)
    screenshot(page, "console-share")
