"""The console's language (issue 14, point 1): it follows the browser, has an ES / EN switch,
honours ?lang= as the participant pages do, and remembers a facilitator's choice on their
account (and in a cookie before they log in). One selector (web.i18n) serves every page."""

from __future__ import annotations

import re

import pytest

from deliberation import services
from deliberation.db import db as database
from deliberation.models import Facilitator
from deliberation.recompute import run_once
from tests.conftest import IsolatedClient
from tests.i18n_check import report, untranslated, visible_text
from tests.web.conftest import CONSOLE, PASSWORD, csrf_token

SPANISH = {"Accept-Language": "es-MX,es;q=0.9"}
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


def new_client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


def log_in_as(client, email: str, headers: dict | None = None):
    response = client.post(
        f"{CONSOLE}/login",
        data={"csrf_token": csrf_token(client), "email": email, "password": PASSWORD},
        headers=headers or {},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def page_language(html: str) -> str:
    return re.search(r'<html lang="([a-z]+)"', html).group(1)


def stored_language(email: str) -> str | None:
    database.session.rollback()
    return database.session.query(Facilitator).filter_by(email=email).one().language


def test_the_console_follows_the_browser_language(app, client, owner, conversation):
    log_in_as(client, owner.email)
    overview = f"{CONSOLE}/c/{conversation.public_id}/"
    spanish = client.get(overview, headers=SPANISH).get_data(as_text=True)
    english = client.get(overview, headers=ENGLISH).get_data(as_text=True)
    assert page_language(spanish) == "es" and page_language(english) == "en"
    assert ">Resumen</a>" in spanish and ">Moderación</a>" in spanish
    assert ">Overview</a>" in english and ">Moderation</a>" in english
    assert "Cerrar sesión" in spanish and "Log out" in english


def test_the_switch_links_this_page_in_each_language(app, client, owner, conversation):
    log_in_as(client, owner.email)
    page = client.get(f"{CONSOLE}/c/{conversation.public_id}/moderation", headers=ENGLISH)
    html = page.get_data(as_text=True)
    switch = re.search(r'<nav class="languages"[^>]*>(.*?)</nav>', html, re.S).group(1)
    links = dict(re.findall(r'href="([^"]+)"[^>]*>([A-Z]{2})</a>', switch))
    assert set(links.values()) == {"ES", "EN"}
    spanish_link = next(url for url, code in links.items() if code == "ES")
    assert spanish_link.startswith(f"{CONSOLE}/c/{conversation.public_id}/moderation?")
    assert "lang=es" in spanish_link
    assert 'aria-current="true">EN</a>' in switch


def test_lang_parameter_wins_and_is_kept_in_a_cookie(app, client, owner, conversation):
    login = client.get(f"{CONSOLE}/login?lang=en", headers=SPANISH)
    assert page_language(login.get_data(as_text=True)) == "en"
    assert "mesa_language=en" in login.headers["Set-Cookie"]
    again = client.get(f"{CONSOLE}/login", headers=SPANISH)
    assert page_language(again.get_data(as_text=True)) == "en"  # the cookie, over the browser
    spanish = client.get(f"{CONSOLE}/login?lang=es", headers=ENGLISH).get_data(as_text=True)
    assert page_language(spanish) == "es" and "Iniciar sesión" in spanish


def test_an_unknown_lang_is_ignored(app, client):
    page = client.get(f"{CONSOLE}/login?lang=fr", headers=ENGLISH)
    assert page.status_code == 200
    assert page_language(page.get_data(as_text=True)) == "en"
    assert "mesa_language" not in page.headers.get("Set-Cookie", "")


def test_a_facilitators_choice_is_remembered_on_every_device(app, owner, conversation):
    laptop = new_client(app)
    log_in_as(laptop, owner.email, SPANISH)
    assert stored_language(owner.email) is None  # nothing chosen yet: the browser's applies
    laptop.get(f"{CONSOLE}/?lang=en", headers=SPANISH)
    assert stored_language(owner.email) == "en"

    phone = new_client(app)  # another device: no cookie, a Spanish browser
    log_in_as(phone, owner.email, SPANISH)
    page = phone.get(f"{CONSOLE}/c/{conversation.public_id}/", headers=SPANISH)
    assert page_language(page.get_data(as_text=True)) == "en"


def test_a_choice_made_before_logging_in_becomes_the_accounts(app, owner):
    services.set_facilitator_language(owner.id, "en")
    client = new_client(app)
    client.get(f"{CONSOLE}/login?lang=es", headers=ENGLISH)
    log_in_as(client, owner.email, ENGLISH)
    assert stored_language(owner.email) == "es"
    page = client.get(f"{CONSOLE}/", headers=ENGLISH)
    assert page_language(page.get_data(as_text=True)) == "es"


def test_participant_pages_and_the_console_share_the_choice(app, client, conversation):
    client.get(f"/c/{conversation.public_id}?lang=en", headers=SPANISH)
    login = client.get(f"{CONSOLE}/login", headers=SPANISH)
    assert page_language(login.get_data(as_text=True)) == "en"


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_the_check_finds_english_left_on_a_spanish_page(app):
    english = '<html lang="es"><body><nav><a href="/">Overview</a></nav><p>Hola</p></body></html>'
    found = untranslated(english)
    assert [entry.msgid for entry in found] == ["Overview"]
    assert "Resumen" in report(found)
    spanish = english.replace(">Overview<", ">Resumen<")
    assert untranslated(spanish) == []
    # What people typed in another language, marked as such, is not interface text.
    quoted = '<html lang="es"><p lang="en">Overview</p><code>Overview</code></html>'
    assert untranslated(quoted) == []
    # A word the Spanish keeps inside a longer translation (a name) is not English left over.
    named = "<p>Tomado de la forma en que Community Notes califica las notas.</p>"
    assert untranslated(named) == []
    assert [e.msgid for e in untranslated('<html lang="es"><b>Notes</b></html>')] == ["Notes"]
    assert visible_text('<img alt="Log out"><input type="submit" value="Share">') == [
        "Log out",
        "Share",
    ]


@pytest.fixture
def lively(app, owner, conversation, seeds):
    """A conversation with what every console page shows: votes, groups, a queued statement,
    a moderator, invite codes, an agenda item, a follow-up round."""
    cid = conversation.public_id
    moderator = services.create_facilitator("moderadora@example.org", PASSWORD)
    services.grant_role(owner.id, cid, moderator.email, "moderator")
    for index in range(12):
        pid = services.join_conversation(cid, sector="comercio" if index % 2 else None).pid
        for tid in seeds:
            services.cast_vote(cid, pid, tid, 1 if (index * (tid + 1)) % 3 else -1)
    services.submit_statement(cid, pid, "Que la policía rinda cuentas cada mes.")
    services.create_invite_code(owner.id, cid, sector="comercio")
    run_once("fast")
    services.promote_statement(owner.id, cid, seeds[0], subcommittee="justicia")
    services.open_follow_up_round(owner.id, cid, "seis meses después")
    return conversation


def console_pages(app, conversation_id: str) -> list[str]:
    """Every console page a facilitator opens (GET, HTML), its arguments filled in."""
    values = {"conversation_id": conversation_id, "tid": "0", "group_id": "0"}
    pages = []
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if not endpoint.startswith("console.") or "GET" not in rule.methods:
            continue
        if endpoint in ("console.static", "console.login") or rule.rule.endswith(".json"):
            continue
        if any(name not in values for name in rule.arguments):
            continue
        pages.append(rule.build({name: values[name] for name in rule.arguments})[1])
    return sorted(set(pages))


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)  # the text does not vary by backend
def test_every_console_page_is_spanish_for_a_spanish_browser(app, owner, lively):
    client = new_client(app)
    log_in_as(client, owner.email, SPANISH)
    checked = 0
    for path in console_pages(app, lively.public_id):
        response = client.get(path, headers=SPANISH)
        assert response.status_code == 200, path
        if not response.content_type.startswith("text/html"):
            continue
        html = response.get_data(as_text=True)
        found = untranslated(html)
        assert not found, f"{path}:\n{report(found)}"
        checked += 1
    assert checked >= 20
    login = new_client(app).get(f"{CONSOLE}/login", headers=SPANISH).get_data(as_text=True)
    assert untranslated(login) == [], report(untranslated(login))


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_the_projector_speaks_the_facilitators_language(app, owner, lively):
    base = f"{CONSOLE}/c/{lively.public_id}"
    for language, words, absent in (
        ("es", ("de acuerdo", "en desacuerdo", "pasa", "Todos", "Participantes"), "agree"),
        ("en", ("agree", "disagree", "pass", "All", "Participants"), "de acuerdo"),
    ):
        client = new_client(app)
        client.set_cookie("mesa_language", language)
        log_in_as(client, owner.email)
        spotlight = client.get(f"{base}/fragments/spotlight?tid=0").get_data(as_text=True)
        counts = client.get(f"{base}/fragments/counts?size=large").get_data(as_text=True)
        shown = " ".join(visible_text(spotlight + counts, language))
        for word in words:
            assert re.search(rf"\b{word}\b", shown), (language, word, shown)
        assert not re.search(rf"\b{absent}\b", shown), (language, shown)
        projector = client.get(f"{base}/projector").get_data(as_text=True)
        assert page_language(projector) == language
        if language == "es":
            assert untranslated(spotlight + counts + projector) == []


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_the_projector_shows_a_statement_in_the_facilitators_language(app, owner, lively):
    cid = lively.public_id
    services.translate_statement(owner.id, cid, 0, "en", "More prosecutors, not more soldiers.")
    for language, text in (
        ("en", "More prosecutors, not more soldiers."),
        ("es", "Más fiscales e investigadores, no más soldados."),
    ):
        client = new_client(app)
        client.set_cookie("mesa_language", language)
        log_in_as(client, owner.email)
        spotlight = client.get(f"{CONSOLE}/c/{cid}/fragments/spotlight?tid=0")
        assert f'<p class="spotlight-text">{text}</p>' in spotlight.get_data(as_text=True)


def test_a_refusal_reads_in_the_facilitators_language(app, owner, conversation):
    stranger = services.create_facilitator("ajena@example.org", PASSWORD)
    page = f"{CONSOLE}/c/{conversation.public_id}/"
    spanish, english = new_client(app), new_client(app)
    log_in_as(spanish, stranger.email, SPANISH)
    log_in_as(english, stranger.email, ENGLISH)
    refused = spanish.get(page, headers=SPANISH)
    assert refused.status_code == 403
    assert "tu rol en esta conversación no lo permite" in refused.get_data(as_text=True)
    assert untranslated(refused.get_data(as_text=True)) == []
    # In English, the service's own message, as before.
    refused = english.get(page, headers=ENGLISH)
    assert refused.status_code == 403
    assert "your role in this conversation" not in refused.get_data(as_text=True)
    assert "Not allowed" in refused.get_data(as_text=True)
