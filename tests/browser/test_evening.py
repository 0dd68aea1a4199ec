"""The evening at the Mesa, in Spanish, from the invitation to the plenary (issue 14).

A facilitator whose browser speaks Mexican Spanish creates a conversation with sectors, seeds it
and prints one invite per sector. Twenty phones join through invite links, QR targets and codes
typed on the home page and on the landing page; a quarter of them have JavaScript off. They vote
in two camps and add statements. The facilitator moderates, watches the map change, is refused
when promoting a statement still in the queue, promotes what both camps agree on, moves and
withdraws items, opens a follow-up round that participants answer, closes it and prints the
report to PDF.

Real pages for every facilitator step and for the invite, typed-code and no-JavaScript phones;
the other phones speak HTTP to the same server (their journey is the one the browser phones
prove), which keeps the evening under a few minutes.

Along the way it checks: no English on any Spanish page (the visible text against the compiled
catalogue, through the i18n branch's checker), the sectors counted as the invites assigned them,
no 4xx/5xx response and no console error, the console map page's weight on the wire, and no
serious axe violation. Every step leaves a screenshot in tests/artifacts/evening/.

Console elements are found by URL, name and CSS, not by their wording, which is translated."""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from playwright.sync_api import expect

from deliberation.db import db as database
from deliberation.models import (
    AgendaItem,
    AgendaStatus,
    FollowUpAnswer,
    InviteCode,
    ModerationState,
    Participant,
    Statement,
)
from deliberation.recompute import run_once
from tests.browser.conftest import ARTIFACTS, PASSWORD, PHONE, assert_accessible, fresh_session
from tests.i18n_check import report, untranslated
from web.console.pages import participant_link

pytestmark = pytest.mark.e2e

SHOTS = ARTIFACTS / "evening"
DESKTOP = {"width": 1366, "height": 900}
SPANISH = {"locale": "es-MX", "extra_http_headers": {"Accept-Language": "es-MX,es;q=0.9"}}
MAP_PAGE_LIMIT = 1_500_000  # bytes on the wire (issue 14 point 8)

TOPIC = "Mesa de Seguridad de Ciudad Juárez: ¿qué pedimos para nuestras colonias?"
SECTORS = ["comercio", "organización de la sociedad civil", "gobierno municipal"]
SUBCOMMITTEES = ["Acceso a la justicia", "Transparencia"]
SEEDS = [
    "Más fiscales e investigadores, no más soldados.",
    "Hace falta más presencia militar en las calles.",
    "Hay que publicar cada mes los indicadores de seguridad de cada colonia.",
    "Cada colonia necesita cámaras de vigilancia conectadas a la policía.",
    "La policía de proximidad debe hacer rondas a pie en cada colonia.",
    "Debe haber toque de queda para menores de edad entre semana.",
    "Los parques necesitan alumbrado público que funcione toda la noche.",
    "Toda detención debe registrarse en un sistema público en línea.",
]
BOTH_CAMPS_AGREE = {0, 2, 4, 6}
FIRST_CAMP_AGREES = {1, 3, 5}  # and the second disagrees; statement 7 the other way round
PROPOSALS = {  # participants' statements: what the moderator will do with each
    "accept": "Que la policía municipal rinda cuentas cada mes ante la mesa vecinal.",
    "reject": "Que corran a todos los policías de una vez, son unos corruptos.",
    "queue": "Transporte público seguro después de las diez de la noche para quienes trabajan.",
}
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
NEXT_TID = re.compile(r'<input type="hidden" name="tid" value="(\d+)">')

# Twenty phones: how each joins, and whether it is a browser (with or without JavaScript).
# (way, kind): way is "link" (the printed link), "qr" (the QR code's target), "home" (the code
# typed on /) or "landing" (typed on the conversation's page); kind is "js", "nojs" or "http".
PHONES = [
    ("link", "nojs"),
    ("qr", "nojs"),
    ("home", "nojs"),
    ("landing", "nojs"),
    ("home", "nojs"),
    ("link", "js"),
    ("qr", "js"),
    ("home", "js"),
    ("landing", "js"),
    ("qr", "js"),
    *[(way, "http") for way in ("link", "qr", "home", "landing") * 2 + ("link", "home")],
]


def plan(camp: int, tid: int, person: int) -> int:
    """Two camps that agree on the even seeds and part on the odd ones; a few passes."""
    if tid in BOTH_CAMPS_AGREE:
        return 0 if (person + tid) % 9 == 0 else 1
    if tid in FIRST_CAMP_AGREES:
        return 1 if camp == 0 else -1
    if tid == 7:
        return -1 if camp == 0 else 1
    return 0  # participants' statements: not sure


@dataclass
class Traffic:
    """Every response and console message of every page and HTTP phone of the evening."""

    failures: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    spanish_pages: dict[str, str] = field(default_factory=dict)  # name -> HTML
    shots: list[Path] = field(default_factory=list)
    without_javascript: list = field(default_factory=list)  # browser contexts with JS off

    def watch(self, context) -> None:
        def on_response(response):
            if response.status >= 400:
                self.failures.append(f"{response.status} {response.request.method} {response.url}")

        def on_page(page):
            page.on(
                "console",
                lambda m: m.type == "error" and self.console_errors.append(f"{page.url}: {m.text}"),
            )
            page.on("pageerror", lambda e: self.console_errors.append(f"{page.url}: {e}"))

        context.on("response", on_response)
        context.on("requestfailed", lambda r: self.failures.append(f"failed {r.url}"))
        context.on("page", on_page)
        context.set_default_timeout(10_000)

    def step(self, page, name: str, *, spanish: bool = True, axe: bool = False) -> None:
        """A screenshot of the step; its HTML for the language check; axe if asked."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{len(self.shots) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        if spanish:
            self.spanish_pages[name] = page.content()
        if axe and page.context in self.without_javascript:
            axe_as_served(page, name)
        elif axe:
            assert_accessible(page, name)


def axe_as_served(page, name: str) -> None:
    """axe on a page of a phone without JavaScript. axe-core itself is a script that waits on
    timers a page without JavaScript never fires, so the same URL is opened, with the phone's
    cookies, in a context that runs axe but loads none of the page's own scripts: the page as
    the phone has it."""
    context = page.context.browser.new_context(
        viewport=PHONE, storage_state=page.context.storage_state(), **SPANISH
    )
    context.route(re.compile(r"\.js(\?|$)"), lambda route: route.abort())
    twin = context.new_page()
    twin.goto(page.url)
    assert_accessible(twin, f"{name} (without JavaScript)")
    context.close()


class HttpPhone:
    """A phone that speaks plain HTTP with Spanish headers and its own cookie jar."""

    def __init__(self, base: str, traffic: Traffic):
        self.base, self.traffic = base, traffic
        self.http = requests.Session()
        self.http.headers["Accept-Language"] = "es-MX,es;q=0.9"

    def _check(self, response: requests.Response) -> requests.Response:
        for each in (*response.history, response):
            if each.status_code >= 400:
                self.traffic.failures.append(f"{each.status_code} {each.request.method} {each.url}")
        return response

    def get(self, path: str, **params) -> requests.Response:
        return self._check(self.http.get(self.base + path, params=params, timeout=30))

    def post(self, path: str, data: dict) -> requests.Response:
        return self._check(self.http.post(self.base + path, data=data, timeout=30))

    def join(self, cid: str, way: str, code: str, qr_target: str) -> None:
        if way == "link":
            landing = self.get(f"/c/{cid}", invite=code)
        elif way == "qr":
            landing = self._check(self.http.get(qr_target, timeout=30))
        elif way == "home":
            landing = self.get("/", code=code.upper())
            assert landing.url.endswith(f"/c/{cid}?invite={code}"), landing.url
        else:
            landing = self.get(f"/c/{cid}")
        token = FORM_TOKEN.search(landing.text).group(1)
        joined = self.post(f"/c/{cid}/join", {"csrf_token": token, "invite_code": code})
        assert 'id="vote-form"' in joined.text
        self.traffic.spanish_pages.setdefault(f"http-landing-{way}", landing.text)
        self.traffic.spanish_pages.setdefault("http-voting-card", joined.text)

    def vote_all(self, cid: str, camp: int, person: int) -> int:
        cast = 0
        while (page := self.get(f"/c/{cid}").text) and (found := NEXT_TID.search(page)):
            assert cast < 3 * len(SEEDS), "still voting"
            tid = int(found.group(1))
            vote = plan(camp, tid, person)
            self.post(
                f"/c/{cid}/votes",
                {"csrf_token": FORM_TOKEN.search(page).group(1), "tid": tid, "vote": vote},
            )
            cast += 1
        return cast

    def add_statement(self, cid: str, text: str) -> None:
        page = self.get(f"/c/{cid}/statements").text
        token = FORM_TOKEN.search(page).group(1)
        self.post(f"/c/{cid}/statements", {"csrf_token": token, "text": text})

    def answer_follow_up(self, cid: str, answers: dict[int, tuple[int, str]]) -> None:
        page = self.get(f"/c/{cid}/follow-up").text
        self.traffic.spanish_pages.setdefault("http-follow-up", page)
        data = {"csrf_token": FORM_TOKEN.search(page).group(1)}
        for tid, (vote, carried) in answers.items():
            data[f"vote-{tid}"], data[f"carried-{tid}"] = str(vote), carried
        self.post(f"/c/{cid}/follow-up", data)


def join_in_browser(page, base: str, cid: str, way: str, code: str, qr_target: str) -> None:
    if way == "link":
        page.goto(f"{base}/c/{cid}?invite={code}")
    elif way == "qr":
        page.goto(qr_target)
    elif way == "home":
        page.goto(f"{base}/")
        page.locator("#code").fill(code.upper())
        page.locator("#code").press("Enter")
        expect(page).to_have_url(f"{base}/c/{cid}?invite={code}")
    else:
        page.goto(f"{base}/c/{cid}")
        page.locator("#invite_code").fill(code)
    expect(page.locator("#invite_code")).to_have_value(code)
    page.locator("form.join button[type=submit]").click()
    expect(page.locator("#vote-form")).to_be_visible()


def vote_in_browser(page, camp: int, person: int) -> int:
    """Vote on every card as the plan says. With JavaScript the next card replaces the last
    in place, so each vote waits for the next statement (or the end), never for a gap."""
    cast = 0
    while not page.locator("#done").count():
        assert cast < 3 * len(SEEDS), f"still voting at {page.url}"
        tid = int(page.locator("#vote-form input[name=tid]").input_value())
        page.locator(f'#vote-form button[name=vote][value="{plan(camp, tid, person)}"]').click()
        following = page.locator(f'#vote-form input[name=tid]:not([value="{tid}"])')
        expect(following.or_(page.locator("#done")).first).to_be_attached()
        cast += 1
    expect(page.locator("#done")).to_be_visible()
    return cast


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/console/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(f"{base}/console/")


def flash(page, category: str):
    return page.locator(f"ul.flashes li.flash.{category}")


def map_page_weight(browser, base: str, email: str, cid: str, traffic: Traffic) -> int:
    """Bytes the console map page and everything it loads take on the wire, cold cache:
    the sum of Chromium's encodedDataLength (headers and compressed bodies) over its requests."""
    context = browser.new_context(viewport=DESKTOP, **SPANISH)
    traffic.watch(context)
    page = context.new_page()
    log_in(page, base, email)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    received: dict[str, int] = {}
    cdp.on(
        "Network.loadingFinished",
        lambda event: received.__setitem__(event["requestId"], event["encodedDataLength"]),
    )
    page.goto(f"{base}/console/c/{cid}/map", wait_until="networkidle")
    expect(page.locator("#map")).to_have_attribute("data-version", re.compile(r"\d+"))
    weight = sum(received.values())
    traffic.step(page, "console-map-cold", axe=True)
    context.close()
    return weight


def test_the_evening(browser, live_server, owner, caplog):
    base, traffic = live_server.url, Traffic()
    live_server.app.config["MESA_MIN_SECTOR_CELL"] = 1
    for old in SHOTS.glob("*.png"):
        old.unlink()

    # The facilitator, on a laptop whose browser speaks Mexican Spanish. Promoting, withdrawing
    # and closing a round ask for confirmation: the facilitator says yes.
    desk_context = browser.new_context(viewport=DESKTOP, **SPANISH)
    traffic.watch(desk_context)
    desk = desk_context.new_page()
    confirmations: list[str] = []
    desk.on("dialog", lambda d: (confirmations.append(d.message), d.accept()))
    log_in(desk, base, owner.email)
    traffic.step(desk, "console-conversations", axe=True)

    # 1. A conversation with three sectors, seeded with eight statements.
    desk.goto(f"{base}/console/new")
    desk.locator("input[name=topic]").fill(TOPIC)
    desk.locator("textarea[name=stakeholder_sectors]").fill("\n".join(SECTORS))
    desk.locator("select[name=time_zone]").select_option("America/Ciudad_Juarez")
    traffic.step(desk, "console-new-conversation", axe=True)
    desk.locator("form.settings button[type=submit]").click()
    expect(desk).to_have_url(re.compile(r"/console/c/[a-z0-9]+/statements$"))
    cid = desk.url.split("/console/c/")[1].split("/")[0]
    seed_form = desk.locator('form[action$="/statements/seed"]')
    seed_form.locator('textarea[name="paste-statements"]').fill("\n".join(SEEDS))
    seed_form.locator("button[type=submit]").click()
    expect(desk.locator("table.statements tbody tr")).to_have_count(len(SEEDS))
    traffic.step(desk, "console-seeds", axe=True)
    # The table's subcommittees, on the topics page, for the agenda items to belong to.
    desk.goto(f"{base}/console/c/{cid}/topics")
    for name in SUBCOMMITTEES:
        subcommittee_form = desk.locator('form[action$="/subcommittees"]')
        subcommittee_form.locator("input[name=name]").fill(name)
        subcommittee_form.locator("button[type=submit]").click()
        expect(desk.locator("li strong", has_text=name)).to_be_visible()
    traffic.step(desk, "console-subcommittees", axe=True)

    # 2. One invite code per sector, and the sheet to print.
    desk.goto(f"{base}/console/c/{cid}/invites")
    desk.locator("form:has(input[name=action][value=per-sector]) button").click()
    expect(desk.locator("table.list tbody tr")).to_have_count(len(SECTORS))
    fresh_session()
    codes = dict(database.session.execute(sa.select(InviteCode.sector, InviteCode.code)).all())
    assert set(codes) == set(SECTORS)
    traffic.step(desk, "console-invites", axe=True)
    desk.goto(f"{base}/console/c/{cid}/invites/sheet")
    cards = desk.locator("article.invite-card")
    expect(cards).to_have_count(len(SECTORS))
    for sector, code in codes.items():
        card = cards.filter(has=desk.locator("strong.code", has_text=code))
        expect(card.locator("p.sector")).to_have_text(sector)
        expect(card.locator("img.qr")).to_have_js_property("complete", True)
        assert card.locator("img.qr").evaluate("img => img.naturalWidth") > 0
    traffic.step(desk, "console-invite-sheet", axe=True)
    sheet_pdf = desk.pdf(format="Letter")
    assert sheet_pdf.startswith(b"%PDF")
    with live_server.app.test_request_context(base_url=base):
        qr_targets = {s: participant_link(cid, code) for s, code in codes.items()}

    # The console map is open before anyone votes: it will change without a reload.
    watcher = desk_context.new_page()
    watcher.goto(f"{base}/console/c/{cid}/map")
    watcher.evaluate("window.notReloaded = true")

    # 3. Twenty phones join, each with the code of its sector, and vote in two camps.
    assigned: Counter[str] = Counter()
    http_phones: list[tuple[HttpPhone, int, int]] = []
    browser_phones = []
    votes_cast = 0
    for person, (way, kind) in enumerate(PHONES):
        sector = SECTORS[person % len(SECTORS)]
        camp = person % 2
        assigned[sector] += 1
        code, target = codes[sector], qr_targets[sector]
        if kind == "http":
            phone = HttpPhone(base, traffic)
            phone.join(cid, way, code, target)
            if person == 10:  # the first HTTP phone proposes two statements before voting
                phone.add_statement(cid, PROPOSALS["reject"])
                phone.add_statement(cid, PROPOSALS["queue"])
            votes_cast += phone.vote_all(cid, camp, person)
            http_phones.append((phone, camp, person))
            continue
        context = browser.new_context(
            viewport=PHONE, java_script_enabled=kind == "js", is_mobile=True, **SPANISH
        )
        traffic.watch(context)
        if kind == "nojs":
            traffic.without_javascript.append(context)
        page = context.new_page()
        join_in_browser(page, base, cid, way, code, target)
        first = person in (0, 5)  # the first phone of each kind: every page, axe, screenshots
        if first:
            traffic.step(page, f"phone-{kind}-voting-card", axe=True)
        if person == 5:  # a proposal, from a phone with JavaScript, before voting
            page.goto(f"{base}/c/{cid}/statements")
            page.locator("#text").fill(PROPOSALS["accept"])
            page.locator("form button[type=submit]").first.click()
            expect(page.get_by_text(PROPOSALS["accept"])).to_be_visible()
            traffic.step(page, "phone-js-statement-added", axe=True)
            page.goto(f"{base}/c/{cid}")
        votes_cast += vote_in_browser(page, camp, person)
        if first:
            traffic.step(page, f"phone-{kind}-voted-everything", axe=True)
        browser_phones.append((page, camp, person, kind))

    # Every phone was counted in the sector its invite assigned, and each code used as often.
    fresh_session()
    joined = Counter(database.session.scalars(sa.select(Participant.sector)))
    assert joined == assigned, (joined, assigned)
    used = dict(database.session.execute(sa.select(InviteCode.sector, InviteCode.used_count)).all())
    assert used == dict(assigned)
    assert len(PHONES) >= 20 and sum(kind == "nojs" for _, kind in PHONES) * 4 >= len(PHONES)

    # 4. The facilitator moderates the participants' three statements.
    fresh_session()
    proposed = {
        s.text: s.tid
        for s in database.session.scalars(sa.select(Statement).where(Statement.is_seed.is_(False)))
    }
    assert set(proposed) == set(PROPOSALS.values())
    desk.goto(f"{base}/console/c/{cid}/moderation")
    traffic.step(desk, "console-moderation-queue", axe=True)
    accept, reject = proposed[PROPOSALS["accept"]], proposed[PROPOSALS["reject"]]
    desk.locator(f'button[name=row][value="accept:{accept}"]').click()
    expect(desk.locator(f'button[name=row][value="accept:{accept}"]')).to_have_count(0)
    desk.locator(f'input[name="reason-{reject}"]').fill(
        "Insulta a personas: reformúlala, por favor."
    )
    desk.locator(f'button[name=row][value="reject:{reject}"]').click()
    expect(desk.locator(f'button[name=row][value="reject:{reject}"]')).to_have_count(0)
    traffic.step(desk, "console-moderated")
    fresh_session()
    states = dict(database.session.execute(sa.select(Statement.tid, Statement.moderation)).all())
    assert states[accept] is ModerationState.ACCEPTED
    assert states[reject] is ModerationState.REJECTED
    assert states[proposed[PROPOSALS["queue"]]] is ModerationState.TODO

    # 5. The math runs; the open map page draws the groups without a reload.
    assert [o.status for o in run_once("fast")] == ["computed"]
    expect(watcher.locator("#map")).to_have_attribute("data-version", "1", timeout=10_000)
    expect(watcher.locator("#group-legend button")).to_have_count(2)
    assert watcher.evaluate("window.notReloaded") is True
    traffic.step(watcher, "console-map-updated", axe=True)

    # 6. The agenda: the queued statement is listed apart, and promoting it anyway is refused.
    queued = proposed[PROPOSALS["queue"]]
    desk.goto(f"{base}/console/c/{cid}/agenda")
    candidates = desk.locator("table.candidates tbody tr")
    candidate_tids = {int(t) for t in candidates.evaluate_all("rs => rs.map(r => r.dataset.tid)")}
    assert BOTH_CAMPS_AGREE <= candidate_tids and queued not in candidate_tids
    expect(desk.locator(f'table.held-back tr[data-tid="{queued}"]')).to_have_attribute(
        "data-reason", "awaiting_moderation"
    )
    traffic.step(desk, "console-agenda-candidates", axe=True)
    forged = desk.locator('table.candidates tr[data-tid="0"] form')
    forged.locator("input[name=tid]").evaluate("(input, tid) => { input.value = tid }", queued)
    forged.locator("button[data-promote]").click()
    expect(flash(desk, "error")).to_be_visible()
    traffic.step(desk, "console-agenda-refused")
    fresh_session()
    assert database.session.scalar(sa.select(sa.func.count()).select_from(AgendaItem)) == 0

    # Promote the two statements both camps agree on most.
    for tid, subcommittee in zip((0, 2), SUBCOMMITTEES, strict=True):
        row = desk.locator(f'table.candidates tr[data-tid="{tid}"]')
        row.locator("select[name=subcommittee]").select_option(label=subcommittee)
        row.locator(f'button[data-promote="{tid}"]').click()
        expect(desk.locator(f"#item-{tid}")).to_be_visible()
    assert len(confirmations) == 3  # the refused one asked too
    # Move one on, and take the other off the agenda with a reason.
    desk.locator('#item-0 button[data-move="agreed"]').click()
    expect(desk.locator("#item-0 [data-status]")).to_have_attribute("data-status", "agreed")
    desk.locator("#item-2 details.withdraw summary").click()
    desk.locator("#item-2 details.withdraw textarea[name=reason]").fill(
        "Lo retomará la plenaria de abril."
    )
    desk.locator('#item-2 button[data-withdraw="2"]').click()
    expect(desk.locator("#item-2")).to_have_count(0)
    traffic.step(desk, "console-agenda-items", axe=True)
    fresh_session()
    items = dict(database.session.execute(sa.select(AgendaItem.tid, AgendaItem.status)).all())
    assert items == {0: AgendaStatus.AGREED}

    # 7. A follow-up round: opened, answered by phones (in the browser and over HTTP), closed.
    desk.goto(f"{base}/console/c/{cid}/follow-up")
    desk.locator("#round-control input[name=label]").fill("Seis meses después")
    desk.locator("#round-control button[type=submit]").click()
    expect(desk.locator("#round-control input[name=round_id]")).to_be_attached()
    traffic.step(desk, "console-follow-up-open", axe=True)
    answered = 0
    for page, _camp, person, kind in [p for p in browser_phones if p[2] in (0, 3, 5, 8)]:
        page.goto(f"{base}/c/{cid}/follow-up")
        question = page.locator('fieldset[data-tid="0"]')
        question.locator('input[name="vote-0"][value="1"]').check()
        question.locator('input[name="carried-0"]').first.check()
        page.locator("form button[type=submit]").click()
        expect(page.locator("#follow-up-saved")).to_be_visible()
        if person in (0, 5):
            traffic.step(page, f"phone-{kind}-follow-up-answered", axe=True)
        answered += 1
    for phone, _camp, _person in http_phones[:4]:
        phone.answer_follow_up(cid, {0: (1, "yes")})
        answered += 1
    fresh_session()
    assert database.session.scalar(sa.select(sa.func.count()).select_from(FollowUpAnswer)) == (
        answered
    )
    desk.reload()
    traffic.step(desk, "console-follow-up-answers", axe=True)
    desk.locator("#round-control form button[type=submit]").click()
    expect(desk.locator("#round-control input[name=round_id]")).to_have_count(0)
    assert len(confirmations) == 5  # promote ×3, withdraw, close

    # 8. The results for the plenary: the sector panel, then the report printed to PDF.
    assert [o.status for o in run_once("slow")] == ["computed"]
    desk.goto(f"{base}/console/c/{cid}/")
    panel = desk.locator("table.sectors")
    for sector, count in assigned.items():
        row = panel.locator("tr", has=desk.locator("th", has_text=sector))
        expect(row.locator("td.number")).to_have_text(str(count))
    traffic.step(desk, "console-overview", axe=True)
    desk.goto(f"{base}/console/c/{cid}/report")
    expect(desk.locator("html")).to_have_attribute("lang", "es")
    traffic.step(desk, "console-report", axe=True)
    desk.emulate_media(media="print")
    report_pdf = desk.pdf(format="Letter", print_background=True)
    assert report_pdf.startswith(b"%PDF") and len(report_pdf) > 20_000
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "report.pdf").write_bytes(report_pdf)
    desk.emulate_media(media="screen")

    # 9. The map page's weight on the wire, from a cold cache.
    weight = map_page_weight(browser, base, owner.email, cid, traffic)
    (SHOTS / "map-page-bytes.txt").write_text(f"{weight}\n")
    print(f"console map page: {weight} bytes on the wire")
    assert weight < MAP_PAGE_LIMIT, weight

    for page, *_ in browser_phones:
        page.context.close()
    desk_context.close()

    assert not traffic.failures, "\n".join(traffic.failures)
    assert not traffic.console_errors, "\n".join(traffic.console_errors)
    # Nor did the server log an error (the math and the topics run in the test's thread).
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert votes_cast >= len(PHONES) * len(SEEDS)
    assert len(traffic.shots) >= 20
    assert_spanish(traffic.spanish_pages)


def assert_spanish(pages: dict[str, str]) -> None:
    """No English interface text on any page of the evening: each page's HTML as the browser
    had it (scripts' text included) against the compiled Spanish catalogue, by the console's
    checker (tests/i18n_check.py), which leaves out what people typed (marked by `lang`)."""
    english = {name: report(untranslated(html)) for name, html in pages.items()}
    assert {name: found for name, found in english.items() if found} == {}
