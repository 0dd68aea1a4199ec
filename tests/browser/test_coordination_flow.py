"""The owner answers a script in Chromium (issue 13, point 6): the Coordination tab shows the
flagged set and where it sits on the map; one click, with a reason, leaves it out of the math;
another takes it back. A screenshot goes to tests/artifacts/."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from deliberation import services
from deliberation.db import db as database
from deliberation.models import AuditEntry
from deliberation.recompute import run_once
from tests.browser.conftest import (
    PASSWORD,
    Recorder,
    assert_accessible,
    fresh_session,
    screenshot,
)
from tests.deliberation.test_coordination import SCRIPTED, stuff

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 800}


def test_the_owner_excludes_a_flagged_set_and_takes_it_back(browser, live_server, owner):
    conversation = services.create_conversation(owner.id, "¿Qué pedimos al gobierno federal?")
    crowd, scripted = stuff(owner, conversation)
    run_once("fast")
    recorder = Recorder()
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    context.on("request", lambda request: recorder.requests.append(request.url))
    page = context.new_page()
    page.on("pageerror", lambda error: recorder.page_errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and recorder.console_errors.append(m.text))

    base = f"{live_server.url}/console"
    page.goto(f"{base}/login?lang=en")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{base}/c/{conversation.public_id}/")
    page.get_by_role("link", name="Coordination").click()

    expect(page.get_by_text(f"Flagged: {SCRIPTED} participants in 1 sets.")).to_be_visible()
    expect(page.locator("#coordinated-sets tbody tr")).to_have_count(1)
    flagged_dots = page.locator("svg.coordination-map circle.set-1")
    expect(flagged_dots).to_have_count(SCRIPTED)
    assert page.locator("svg.coordination-map circle").count() == len(crowd) + 2 * SCRIPTED
    screenshot(page, "console-coordination")
    assert_accessible(page, "coordination")

    page.get_by_placeholder("Reason (for the audit log)").fill("un mismo guion")
    page.get_by_role("button", name="Exclude from the math").click()
    expect(page.get_by_text(f"{SCRIPTED} participants excluded from the math.")).to_be_visible()
    expect(page.get_by_text(f"Excluded from the math: {SCRIPTED} participants.")).to_be_visible()
    page.get_by_role("button", name="Include again").click()
    expect(page.get_by_text(f"{SCRIPTED} participants counted in the math again.")).to_be_visible()
    expect(page.get_by_text("Excluded from the math: 0 participants.")).to_be_visible()

    fresh_session()
    trail = database.session.execute(
        sa.select(AuditEntry.action, AuditEntry.reason)
        .where(AuditEntry.action.like("participants.%"))
        .order_by(AuditEntry.id)
    ).all()
    assert [tuple(row) for row in trail] == [
        ("participants.exclude_from_math", "un mismo guion"),
        ("participants.include_in_math", None),
    ]
    context.close()
    assert recorder.hosts() <= {urlsplit(live_server.url).netloc}
    assert recorder.page_errors == []
    assert [e for e in recorder.console_errors if "Content Security Policy" in e] == []
