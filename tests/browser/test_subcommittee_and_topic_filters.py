"""Issue 17's filters in Chromium, in Spanish and English: the agenda and the follow-up by
subcommittee, the map's statement explorer and the moderation queue by topic, and renaming a
topic from the topics page. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from deliberation import services
from deliberation.recompute import run_once
from deliberation.services.agenda import promote_statement
from deliberation.services.topics import latest_topics, refresh_stale_topics
from tests.browser.conftest import PASSWORD, assert_accessible, screenshot
from tests.browser.test_console_flow import desktop  # noqa: F401 - the laptop-sized page
from tests.deliberation.test_subcommittees_and_topics import JUSTICE, POLICE

pytestmark = pytest.mark.e2e

WORDING = {
    "en": {
        "filter": "Filter",
        "subcommittee": "Subcommittee",
        "none": "No subcommittee",
        "topic": "Topic",
        "all": "All topics",
        "name": "Topic name",
        "rename": "Rename",
    },
    "es": {
        "filter": "Filtrar",
        "subcommittee": "Subcomisión",
        "none": "Sin subcomisión",
        "topic": "Tema",
        "all": "Todos los temas",
        "name": "Nombre del tema",
        "rename": "Renombrar",
    },
}


def _log_in(page, live_server, owner, language: str) -> str:
    page.context.add_cookies([{"name": "mesa_language", "value": language, "url": live_server.url}])
    base = f"{live_server.url}/console"
    page.goto(f"{base}/login")
    page.locator("input[type=email]").fill(owner.email)
    page.locator("input[type=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    return base


def _table(owner, *, votes: bool):
    """POLICE and JUSTICE statements, two subcommittees; two camps of five who agree on the
    justice statements and part on the police ones; the topics computed."""
    conversation = services.create_conversation(owner.id, "¿Qué pedimos a la Federación?")
    cid = conversation.public_id
    police = services.create_subcommittee(owner.id, cid, "Respuesta inmediata", "Policía.").id
    justice = services.create_subcommittee(owner.id, cid, "Acceso a la justicia", "Jueces.").id
    for text in POLICE + JUSTICE:
        services.add_seed_statement(owner.id, cid, text, language="es")
    if votes:
        for camp in (1, -1):
            for _ in range(5):
                pid = services.join_conversation(cid).pid
                for tid in range(8):
                    services.cast_vote(cid, pid, tid, camp if tid < 4 else 1)
        run_once("fast")
    assert refresh_stale_topics() == 1
    return cid, police, justice


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_agenda_and_follow_up_filter_by_subcommittee(desktop, live_server, owner, language):  # noqa: F811
    page, _recorder = desktop
    words = WORDING[language]
    cid, police, justice = _table(owner, votes=False)
    promote_statement(owner.id, cid, 0, subcommittee_id=police)
    promote_statement(owner.id, cid, 4, subcommittee_id=justice)
    promote_statement(owner.id, cid, 5, subcommittee_id=None)
    services.open_follow_up_round(owner.id, cid, "seis meses")
    base = _log_in(page, live_server, owner, language)

    page.goto(f"{base}/c/{cid}/agenda")
    headings = page.locator("h3.subcommittee")
    expect(headings).to_have_count(3)
    expect(headings.nth(0)).to_contain_text("Respuesta inmediata")
    expect(headings.nth(2)).to_contain_text(words["none"])
    # Statement 5's topics suggest a subcommittee it does not have: the page says which.
    expect(page.locator("#item-5 .suggestion")).to_contain_text("Acceso a la justicia")

    form = page.locator("#subcommittee-filter")
    form.get_by_label(words["subcommittee"]).select_option(label="Acceso a la justicia")
    form.get_by_role("button", name=words["filter"]).click()
    expect(page).to_have_url(re.compile(rf"subcommittee={justice}"))
    expect(page.locator("li.agenda-item")).to_have_count(1)
    expect(page.locator("#item-4")).to_be_visible()
    expect(page.locator("#filter-subcommittee")).to_have_value(str(justice))
    screenshot(page, f"console-agenda-by-subcommittee-{language}")
    assert_accessible(page, f"agenda filtered by subcommittee ({language})")

    page.goto(f"{base}/c/{cid}/follow-up")
    expect(page.locator("article.comparison")).to_have_count(3)
    form = page.locator("#subcommittee-filter")
    form.get_by_label(words["subcommittee"]).select_option(label=words["none"])
    form.get_by_role("button", name=words["filter"]).click()
    expect(page.locator("article.comparison")).to_have_count(1)
    expect(page.locator('article.comparison[data-tid="5"]')).to_be_visible()
    expect(page.locator("h3.subcommittee")).to_have_text(words["none"])
    screenshot(page, f"console-follow-up-by-subcommittee-{language}")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_map_explorer_and_the_queue_filter_by_topic(desktop, live_server, owner, language):  # noqa: F811
    page, recorder = desktop
    words = WORDING[language]
    cid, _police, _justice = _table(owner, votes=True)
    topics = latest_topics(cid)
    police = next(t for t in topics.topics if 0 in t.tids)
    base = _log_in(page, live_server, owner, language)

    # Rename the police topic first: the filters show the facilitators' name.
    page.goto(f"{base}/c/{cid}/topics")
    section = page.locator(f"#topic-{police.index}")
    section.get_by_label(words["name"]).fill("Policía en la calle")
    section.get_by_role("button", name=words["rename"]).click()
    expect(page.locator(f"#topic-{police.index} h3")).to_contain_text("Policía en la calle")
    expect(page.locator(f"#topic-{police.index} table.topic-groups tbody tr")).to_have_count(2)
    screenshot(page, f"console-topics-agreement-{language}")

    page.goto(f"{base}/c/{cid}/map")
    expect(page.locator("#findings-compact .statement-item").first).to_be_visible()
    form = page.locator("#topic-filter")
    form.get_by_label(words["topic"]).select_option(label="Policía en la calle")
    form.get_by_role("button", name=words["filter"]).click()
    expect(page).to_have_url(re.compile(rf"topic={police.index}"))
    shown = page.locator("#findings-compact .statement-item")
    expect(shown.first).to_be_visible()
    tids = {int(t) for t in shown.evaluate_all("items => items.map(i => i.dataset.tid)")}
    assert tids and tids <= set(police.tids)
    screenshot(page, f"console-map-topic-filter-{language}")

    page.goto(f"{base}/c/{cid}/moderation?tab=accepted")
    expect(page.locator("li.queue-item")).to_have_count(8)
    form = page.locator("#topic-filter")
    form.get_by_label(words["topic"]).select_option(label="Policía en la calle")
    form.get_by_role("button", name=words["filter"]).click()
    items = page.locator("li.queue-item")
    expect(items).to_have_count(len(set(police.tids)))
    queued = {int(t) for t in items.evaluate_all("items => items.map(i => i.dataset.tid)")}
    assert queued == set(police.tids)
    expect(page.locator("#topic-filter-note")).to_be_visible()
    screenshot(page, f"console-queue-topic-filter-{language}")
    assert_accessible(page, f"moderation queue filtered by topic ({language})")
    form.get_by_label(words["topic"]).select_option(label=words["all"])
    form.get_by_role("button", name=words["filter"]).click()
    expect(page.locator("li.queue-item")).to_have_count(8)
    assert recorder.console_errors == [] or all("favicon" in e for e in recorder.console_errors)
