"""The agenda workflow in Chromium: a facilitator promotes a statement, moves its status and
notes progress, opens a follow-up round; a participant from the session re-votes it on their
phone and answers "was it carried out well?"; the facilitator sees the before/after."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from deliberation import services
from deliberation.db import db as database
from deliberation.models import AgendaItem, AgendaStatus, FollowUpAnswer, LatestVote
from deliberation.recompute import run_once
from deliberation.services.snapshots import latest_snapshot
from tests.browser.conftest import PASSWORD, fresh_session, open_context, screenshot

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
SEEDS = [
    "Más fiscales e investigadores, no más soldados.",
    "Hace falta más presencia militar en las calles.",
    "Hay que publicar cada mes los indicadores de seguridad.",
]
SECTORS = ["comercio", "derechos humanos"]


def planted_session(owner):
    """Two camps of eight, one per sector, who agree on statements 0 and 2 and part on 1."""
    conversation = services.create_conversation(
        owner.id, "¿Qué pedimos al gobierno federal?", stakeholder_sectors=SECTORS
    )
    cid = conversation.public_id
    services.create_subcommittee(owner.id, cid, "Acceso a la justicia")
    for text in SEEDS:
        services.add_seed_statement(owner.id, cid, text)
    for person in range(16):
        camp = person % 2
        pid = services.join_conversation(cid, sector=SECTORS[camp]).pid
        # Every group must have 5+ votes on a statement for it to be a candidate (issue 14
        # point 3): a few dissenters on statement 2 would form a group of four and hold all back.
        for tid, vote in enumerate((1, 1 if camp == 0 else -1, 1)):
            services.cast_vote(cid, pid, tid, vote)
    return conversation


def test_promote_move_open_a_round_revote_and_see_before_after(
    browser, live_server, owner, recorder
):
    conversation = planted_session(owner)
    cid = conversation.public_id

    # A participant of the session, on their phone: joins and votes on everything.
    phone_context = open_context(browser, recorder)
    phone = phone_context.new_page()
    phone.goto(live_server.conversation_url(cid))
    phone.get_by_label("Which sector are you part of? (optional)").select_option("comercio")
    phone.get_by_role("button", name="Start voting").click()
    for _ in SEEDS:
        phone.wait_for_selector("#vote-form")
        phone.get_by_role("button", name="Agree", exact=True).click()
    expect(phone.get_by_role("heading", name="You have voted on everything")).to_be_visible()
    assert [o.status for o in run_once("fast")] == ["computed"]

    # The facilitator logs in and opens the agenda page.
    desk_context = browser.new_context(viewport=DESKTOP, locale="en-US")
    desk = desk_context.new_page()
    # Promoting, withdrawing and closing a round ask for confirmation (issue 14 point 3).
    confirmations: list[str] = []

    def confirm(dialog):
        confirmations.append(dialog.message)
        dialog.accept()

    desk.on("dialog", confirm)
    base = f"{live_server.url}/console"
    desk.goto(f"{base}/login")
    desk.get_by_label("Email").fill(owner.email)
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Log in").click()
    desk.goto(f"{base}/c/{cid}/agenda")
    candidates = desk.locator("table.candidates tbody tr")
    expect(candidates).to_have_count(len(SEEDS))
    # Statement 0, which every camp agrees with, ranks above statement 1, which divides them.
    order = [int(t) for t in candidates.evaluate_all("rows => rows.map(r => r.dataset.tid)")]
    assert order.index(0) < order.index(1)

    # Promote statement 0 to the agenda of a subcommittee.
    row = desk.locator('table.candidates tr[data-tid="0"]')
    row.get_by_label("Subcommittee").select_option(label="Acceso a la justicia")
    row.get_by_role("button", name="Promote to agenda").click()
    expect(desk.get_by_text("Statement 0 is on the agenda.")).to_be_visible()
    assert confirmations == ["Put statement 0 on the agenda as a commitment of the table?"]
    item = desk.locator("#item-0")
    expect(item.locator("[data-status]")).to_have_text("Proposed")
    expect(desk.locator("h3.subcommittee")).to_have_text("Acceso a la justicia")

    # Agree on it, then record the responsible body and a dated note.
    item.get_by_role("button", name="Move to: Agreed").click()
    expect(desk.locator("#item-0 [data-status]")).to_have_text("Agreed")
    item = desk.locator("#item-0")
    item.get_by_text("Edit commitment").click()
    item.get_by_label("Responsible body").fill("Fiscalía General de la República")
    item.get_by_label("Government level").select_option("federal")
    item.get_by_role("button", name="Save").click()
    expect(desk.get_by_text("Agenda item saved.")).to_be_visible()
    item = desk.locator("#item-0")
    item.get_by_label("Note", exact=True).fill("Primeros 12 fiscales asignados.")
    item.get_by_label("Note date").fill("2027-02-01")
    item.get_by_role("button", name="Add note").click()
    expect(desk.locator("#item-0 .notes li")).to_have_text(
        "2027-02-01 — Primeros 12 fiscales asignados."
    )
    desk.locator("#snapshots").get_by_label("Label").fill("Plenaria de marzo")
    desk.get_by_role("button", name="Take a snapshot").click()
    expect(desk.get_by_text("Snapshot taken.")).to_be_visible()
    expect(desk.locator(".snapshot-list tbody tr")).to_have_count(1)
    sha = desk.locator(".snapshot-list code.sha").inner_text()
    fresh_session()
    assert len(sha) == 64 and latest_snapshot(owner.id, cid).sha256 == sha
    screenshot(desk, "console-agenda")
    fresh_session()
    stored = database.session.scalar(sa.select(AgendaItem).where(AgendaItem.tid == 0))
    assert stored.status is AgendaStatus.AGREED
    assert stored.responsible_body == "Fiscalía General de la República"

    # Open a follow-up round.
    desk.get_by_role("link", name="Follow-up", exact=True).click()
    desk.get_by_label("Name of the round").fill("Seis meses después")
    desk.get_by_role("button", name="Open a follow-up round").click()
    expect(desk.get_by_text("Follow-up round opened")).to_be_visible()

    # The participant's page offers the round; they now disagree, and it was not done well.
    phone.goto(live_server.conversation_url(cid))
    phone.get_by_role("link", name="Answer the follow-up").click()
    question = phone.locator('fieldset[data-tid="0"]')
    expect(question.locator("legend")).to_have_text(SEEDS[0])
    expect(question).to_contain_text("You voted: Agree")
    question.get_by_label("Disagree").check()
    question.get_by_label("No", exact=True).check()
    phone.get_by_role("button", name="Save my answers").click()
    expect(phone.locator("#follow-up-saved")).to_be_visible()
    screenshot(phone, "follow-up-participant")
    fresh_session()
    answers = database.session.execute(sa.select(FollowUpAnswer.tid, FollowUpAnswer.vote)).all()
    assert answers == [(0, -1)]
    # The original vote stands, untouched.
    assert (
        database.session.scalar(
            sa.select(LatestVote.vote).where(LatestVote.pid == 16, LatestVote.tid == 0)
        )
        == 1
    )

    # The facilitator sees the before/after.
    desk.reload()
    everyone = desk.locator('article[data-tid="0"] tr.all')
    expect(everyone.locator("td").nth(0)).to_contain_text("n=17")
    expect(everyone.locator("td").nth(0)).to_contain_text("100%")
    expect(everyone.locator("td").nth(1)).to_contain_text("n=1")
    expect(everyone.locator("td.change")).to_have_text("-100")
    expect(desk.locator('article[data-tid="0"] .carried-out')).to_contain_text("no 1")
    # One answer from business: a cell too small to show.
    business = desk.locator('article[data-tid="0"] tr.sector', has_text="comercio")
    expect(business.locator("td").nth(1)).to_have_text("hidden: too few people")
    screenshot(desk, "console-follow-up")

    # Close the round; the participant's page no longer offers it.
    desk.get_by_role("button", name="Close the round").click()
    expect(desk.get_by_text("Follow-up round closed.")).to_be_visible()
    phone.goto(live_server.conversation_url(cid))
    expect(phone.get_by_role("heading", name="You have voted on everything")).to_be_visible()
    expect(phone.get_by_role("link", name="Answer the follow-up")).to_have_count(0)
    assert confirmations[-1] == "Close the round? Participants can no longer answer it."

    # Withdraw the item, with a reason: it leaves the agenda; the audit log keeps why.
    desk.goto(f"{base}/c/{cid}/agenda")
    item = desk.locator("#item-0")
    item.get_by_text("Withdraw from the agenda").click()
    item.get_by_label("Why it is withdrawn (kept in the audit log)").fill(
        "Lo retomará la plenaria."
    )
    item.get_by_role("button", name="Withdraw", exact=True).click()
    expect(desk.get_by_text("Statement 0 is off the agenda.")).to_be_visible()
    expect(desk.locator("#item-0")).to_have_count(0)
    assert confirmations[-1].startswith("Take statement 0 off the agenda?")
    fresh_session()
    assert database.session.scalar(sa.select(sa.func.count()).select_from(AgendaItem)) == 0

    desk_context.close()
    phone_context.close()
    assert recorder.page_errors == []
