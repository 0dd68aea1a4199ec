"""A participant's evening on a phone, in Chromium: join, vote, add a statement, change a vote,
switch language, and see their opinion group, with and without JavaScript. Each step checks
the screen and the database."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from deliberation import services
from deliberation.recompute import run_once
from tests.browser.conftest import ARTIFACTS, assert_accessible, fresh_session, screenshot
from web.group_names import group_label

pytestmark = pytest.mark.e2e

# Twelve seeds; the first six are what one camp agrees with and the other rejects.
SEEDS = [
    ("Más fiscales e investigadores, no más soldados.", "More prosecutors and investigators."),
    ("La policía municipal necesita mejores salarios.", "Municipal police need better pay."),
    ("Toda detención debe registrarse en un sistema público.", None),
    ("Las víctimas deben tener asesoría legal gratuita.", None),
    ("Hay que publicar cada mes los indicadores de seguridad.", None),
    ("Las fiscalías deben abrir oficinas de noche.", None),
    ("Hace falta más presencia militar en las calles.", None),
    ("Las penas deben ser mucho más duras.", None),
    ("La justicia rápida es mejor que los juicios largos.", None),
    ("Los retenes militares dan seguridad.", None),
    ("Hay que construir más cárceles.", None),
    ("La policía debe poder detener sin orden judicial.", None),
]
CAMP = 6
OTHERS = 20


def seed_conversation(owner, **settings):
    conversation = services.create_conversation(
        owner.id,
        "¿Qué pedimos al gobierno federal?",
        description="Mesa de seguridad, sesión de marzo.",
        stakeholder_sectors=["comercio", "derechos humanos", "gobierno"],
        **settings,
    )
    for text, english in SEEDS:
        tid = services.add_seed_statement(owner.id, conversation.public_id, text, language="es").tid
        if english:
            services.translate_statement(owner.id, conversation.public_id, tid, "en", english)
    return conversation


def seed_two_camps(conversation) -> None:
    """Twenty earlier participants in two camps, so the math finds two groups."""
    for person in range(OTHERS):
        pid = services.join_conversation(conversation.public_id).pid
        first_camp = person % 2 == 0
        for tid in range(len(SEEDS)):
            agrees = (tid < CAMP) == first_camp
            services.cast_vote(conversation.public_id, pid, tid, 1 if agrees else -1)


def standing_votes(conversation, pid: int) -> dict[int, int]:
    fresh_session()
    rows = services.participant_state(conversation.public_id, pid).votes
    return {vote.tid: vote.vote for vote in rows}


def card_tid(page) -> int:
    return int(page.input_value("#vote-form input[name=tid]"))


def first_camp_vote(tid: int) -> str:
    return "Agree" if tid < CAMP else "Disagree"


def test_a_participant_votes_adds_changes_switches_language_and_sees_their_group(
    phone, live_server, owner, recorder
):
    conversation = seed_conversation(owner)
    seed_two_camps(conversation)
    cid = conversation.public_id

    # Join: the landing page, then one tap.
    phone.goto(live_server.conversation_url(cid))
    assert phone.locator("h1").inner_text() == conversation.topic
    assert phone.get_by_label("Which sector are you part of? (optional)").input_value() == ""
    screenshot(phone, "01-landing")
    assert_accessible(phone, "landing")
    phone.get_by_label("Which sector are you part of? (optional)").select_option("comercio")
    phone.get_by_role("button", name="Start voting").click()
    phone.wait_for_selector("#vote-form")
    fresh_session()
    me = services.participant_state(cid, OTHERS)
    assert me.sector == "comercio" and me.votes == []
    assert phone.locator("#n-voted").inner_text() == "0"
    screenshot(phone, "02-first-card")
    assert_accessible(phone, "voting card")

    # Ten votes, each answered by the API and shown without reloading the page.
    phone.evaluate("window.stillTheSamePage = true")
    expected: dict[int, int] = {}
    for count in range(1, 11):
        tid = card_tid(phone)
        choice = first_camp_vote(tid)
        phone.get_by_role("button", name=choice, exact=True).click()
        expect(phone.locator("#n-voted")).to_have_text(str(count))
        expected[tid] = 1 if choice == "Agree" else -1
        assert standing_votes(conversation, OTHERS) == expected
        assert card_tid(phone) not in expected
        assert phone.locator("#n-remaining").inner_text() == str(len(SEEDS) - count)
    assert phone.evaluate("window.stillTheSamePage") is True
    assert phone.evaluate("document.activeElement.id") == "statement"
    screenshot(phone, "03-after-ten-votes")

    # Add a statement: counter, limit, moderation note; then its state.
    phone.get_by_role("link", name="Add a statement").click()
    text_box = phone.get_by_label("Your statement")
    text_box.fill("Que cada colonia tenga un comité de seguimiento.")
    assert phone.locator("#text-count").inner_text() == "48 of 280 characters"
    assert "Others may see your statement right away" in phone.locator(".note").inner_text()
    assert_accessible(phone, "add a statement")
    phone.get_by_role("button", name="Send").click()
    phone.wait_for_selector(".own")
    assert phone.locator(".success").inner_text() == "Thank you: your statement was received."
    assert (
        phone.locator(".own .state").first.inner_text()
        == "Others can already vote on it; a moderator will still review it."
    )
    fresh_session()
    added = services.own_statements(cid, OTHERS)
    assert [s.text for s in added] == ["Que cada colonia tenga un comité de seguimiento."]
    assert standing_votes(conversation, OTHERS)[added[0].tid] == 1  # the author's agree
    screenshot(phone, "04-statement-added")

    # Change a vote on "your votes".
    changed = next(tid for tid, vote in expected.items() if vote == 1)
    phone.get_by_role("link", name="Your votes").click()
    row = phone.locator(f"#s{changed}")
    assert row.locator(".current strong").inner_text() == "Agree"
    assert_accessible(phone, "your votes")
    row.get_by_role("button", name=re.compile("^Disagree")).click()
    phone.wait_for_load_state()
    row = phone.locator(f"#s{changed}")
    assert row.locator(".current strong").inner_text() == "Disagree"
    assert row.get_by_role("button", name=re.compile("^Disagree")).get_attribute(
        "aria-pressed"
    ) == ("true")
    assert standing_votes(conversation, OTHERS)[changed] == -1
    screenshot(phone, "05-your-votes")

    # Spanish and back; statements follow the facilitators' translations.
    before = standing_votes(conversation, OTHERS)
    phone.get_by_role("link", name="Español").click()
    phone.wait_for_selector("html[lang=es]")
    assert phone.locator("h1").inner_text() == "Tus votos"
    if 0 in before:
        assert phone.locator("#s0 .statement").inner_text() == SEEDS[0][0]
    screenshot(phone, "06-your-votes-spanish")
    assert_accessible(phone, "your votes in Spanish")
    phone.get_by_role("link", name="English").click()
    phone.wait_for_selector("html[lang=en]")
    assert phone.locator("h1").inner_text() == "Your votes"
    if 0 in before:
        assert phone.locator("#s0 .statement").inner_text() == SEEDS[0][1]
    assert standing_votes(conversation, OTHERS) == before

    # The group, once the math has placed them.
    outcomes = run_once("fast")
    assert [o.status for o in outcomes] == ["computed"]
    fresh_session()
    placement = services.participant_state(cid, OTHERS).placement
    assert placement is not None and placement.group is not None
    phone.get_by_role("link", name="Your group").click()
    heading = phone.locator("h1").inner_text()
    assert heading == f"You are in group {group_label(placement.group)}"
    assert phone.locator("svg .you").count() == 1
    assert phone.locator("svg .group").count() == 2
    assert phone.locator(".stances li").count() >= 1
    screenshot(phone, "07-your-group")
    assert_accessible(phone, "your group")

    phone.get_by_role("link", name="Privacy: what is stored and who sees it").click()
    assert "What is never stored" in phone.content()
    assert_accessible(phone, "privacy")
    assert recorder.page_errors == [] and recorder.console_errors == []


def test_the_same_voting_flow_without_javascript(
    phone_without_javascript, live_server, owner, recorder
):
    page = phone_without_javascript
    conversation = seed_conversation(owner)
    cid = conversation.public_id
    page.goto(live_server.conversation_url(cid))
    page.get_by_role("button", name="Start voting").click()
    page.wait_for_selector("#vote-form")
    fresh_session()
    assert services.participant_state(cid, 0).sector is None

    expected: dict[int, int] = {}
    for count in range(1, len(SEEDS) + 1):
        tid = card_tid(page)
        choice = first_camp_vote(tid)
        with page.expect_navigation():
            page.get_by_role("button", name=choice, exact=True).click()
        expected[tid] = 1 if choice == "Agree" else -1
        assert standing_votes(conversation, 0) == expected
        assert page.locator("#progress-label").inner_text().startswith(f"{count} voted")
    assert page.locator("h2").first.inner_text() == "You have voted on everything"
    screenshot(page, "08-no-javascript-all-voted")

    page.get_by_role("link", name="Add a statement").click()
    page.get_by_label("Your statement").fill("Sin JavaScript también se puede.")
    page.get_by_role("button", name="Send").click()
    assert page.locator(".own .statement").first.inner_text() == "Sin JavaScript también se puede."
    fresh_session()
    assert [s.text for s in services.own_statements(cid, 0)] == ["Sin JavaScript también se puede."]

    page.get_by_role("link", name="Your votes").click()
    page.locator("#s0").get_by_role("button", name=re.compile("^Pass")).click()
    assert page.locator("#s0 .current strong").inner_text() == "Pass / Unsure"
    assert standing_votes(conversation, 0)[0] == 0
    # Every request was a page, a stylesheet or a form post: no script ran, none was fetched.
    assert not any(url.endswith(".js") or "/api/" in url for url in recorder.requests)


def test_statement_payloads_are_shown_as_text_and_run_nothing(phone, live_server, owner, recorder):
    payloads = [
        '<script>window.injected = 1; alert("script")</script>',
        "<img src=x onerror=\"window.injected = 2; alert('img')\">",
    ]
    conversation = services.create_conversation(owner.id, "Payloads", is_open=True)
    for text in payloads:
        services.add_seed_statement(owner.id, conversation.public_id, text)
    cid = conversation.public_id

    phone.goto(live_server.conversation_url(cid))
    phone.get_by_role("button", name="Start voting").click()
    shown = [phone.locator("#statement").inner_text()]  # rendered by the server
    phone.get_by_role("button", name="Agree", exact=True).click()
    expect(phone.locator("#n-voted")).to_have_text("1")
    shown.append(phone.locator("#statement").inner_text())  # rendered by mesa.js
    assert sorted(shown) == sorted(payloads)
    phone.get_by_role("button", name="Disagree", exact=True).click()
    phone.wait_for_selector("text=You have voted on everything")

    phone.get_by_role("link", name="Your votes").click()
    assert sorted(phone.locator(".votes .statement").all_inner_texts()) == sorted(payloads)
    assert phone.locator("main img, main script").count() == 0
    phone.get_by_role("link", name="Add a statement").click()
    phone.get_by_label("Your statement").fill(payloads[1] + " (mine)")
    phone.get_by_role("button", name="Send").click()
    assert phone.locator(".own .statement").inner_text() == payloads[1] + " (mine)"
    phone.wait_for_timeout(300)  # give a broken image's onerror time to fire
    assert phone.evaluate("window.injected") is None
    assert recorder.dialogs == []
    fresh_session()
    texts = services.list_statements(owner.id, cid)
    assert sorted(s.text for s in texts) == sorted([*payloads, payloads[1] + " (mine)"])
    screenshot(phone, "09-payloads-as-text")


def test_every_request_goes_to_the_test_server(phone, live_server, owner, recorder):
    conversation = seed_conversation(owner)
    phone.goto(live_server.conversation_url(conversation.public_id))
    phone.get_by_role("button", name="Start voting").click()
    phone.get_by_role("button", name="Agree", exact=True).click()
    expect(phone.locator("#n-voted")).to_have_text("1")
    for link in ("Add a statement", "Your votes", "Your group"):
        phone.get_by_role("link", name=link).click()
    hosts = recorder.hosts()
    assert hosts == {live_server.url.removeprefix("http://")}, hosts
    assert any("/api/v1/" in url for url in recorder.requests)  # the vote went through the API


def test_the_voting_page_weighs_at_most_60_kb(phone, live_server, owner):
    conversation = seed_conversation(owner)
    phone.goto(live_server.conversation_url(conversation.public_id))
    phone.get_by_role("button", name="Start voting").click()
    phone.wait_for_selector("#vote-form")
    bodies: dict[str, int] = {}
    # As on a first visit: nothing from the cache.
    phone.context.new_cdp_session(phone).send("Network.setCacheDisabled", {"cacheDisabled": True})
    phone.on("response", lambda response: bodies.__setitem__(response.url, len(response.body())))
    phone.reload()
    phone.wait_for_load_state("networkidle")
    by_type = {
        kind: sum(size for url, size in bodies.items() if test(url))
        for kind, test in (
            ("html", lambda url: "/static/" not in url),
            ("css", lambda url: url.split("?")[0].endswith(".css")),
            ("js", lambda url: url.split("?")[0].endswith(".js")),
        )
    }
    total = sum(by_type.values())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "page-weight.txt").write_text(
        f"voting page: {total} bytes uncompressed ({by_type})\n"
    )
    assert by_type["html"] and by_type["css"] and by_type["js"]
    assert total <= 60 * 1024, by_type
