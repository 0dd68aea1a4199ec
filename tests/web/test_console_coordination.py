"""The console's coordinated-voting page, the report's count line and /methods (issue 13,
point 6), through the Flask test client on both databases."""

from __future__ import annotations

import sqlalchemy as sa

from deliberation import services
from deliberation.db import db as database
from deliberation.models import AuditEntry, Participant
from deliberation.recompute import run_once
from tests.deliberation.test_coordination import SCRIPTED, stuffed
from tests.web.conftest import make_facilitator
from tests.web.test_console import CONSOLE, log_in, post

__all__ = ["stuffed"]  # the fixture: a crowd and a script of SCRIPTED accounts


def excluded_pids(conversation) -> list[int]:
    database.session.rollback()
    return sorted(
        database.session.scalars(
            sa.select(Participant.pid).where(
                Participant.conversation_id == conversation.id,
                Participant.excluded_ms.is_not(None),
            )
        )
    )


def test_the_owner_sees_the_set_on_the_map_and_excludes_it_reversibly(
    client, owner, conversation, stuffed
):
    crowd, scripted = stuffed
    run_once("fast")
    log_in(client, owner.email)
    client.set_cookie("mesa_language", "en")
    path = f"{CONSOLE}/c/{conversation.public_id}/coordination"
    page = client.get(path).get_data(as_text=True)
    assert f"Flagged: {SCRIPTED} participants in 1 sets." in page
    assert "Excluded from the math: 0 participants." in page
    assert 'data-set="1"' in page and f'value="{",".join(map(str, scripted))}"' in page
    # Every participant on the map, the flagged ones drawn again in their set's colour.
    assert page.count('fill="#c8c8c8"') == len(crowd) + SCRIPTED
    assert page.count('class="set-1"') == SCRIPTED
    assert "Exclude from the math" in page

    pids = ",".join(map(str, scripted))
    response = post(client, path, {"action": "exclude", "pids": pids, "reason": "un guion"})
    assert response.status_code == 302
    assert excluded_pids(conversation) == scripted
    page = client.get(path).get_data(as_text=True)
    assert f"{SCRIPTED} participants excluded from the math." in page
    assert f"Excluded from the math: {SCRIPTED} participants." in page
    assert "Include again" in page

    report = client.get(f"{CONSOLE}/c/{conversation.public_id}/report?lang=es")
    assert (
        f"<strong>{SCRIPTED}</strong> señalados por votación coordinada, {SCRIPTED} de ellos "
        "excluidos del cálculo" in report.get_data(as_text=True)
    )
    markdown = client.get(f"{CONSOLE}/c/{conversation.public_id}/report.md?lang=en")
    assert (
        f"- flagged for coordinated voting, {SCRIPTED} of them excluded from the math: {SCRIPTED}"
        in markdown.get_data(as_text=True)
    )

    assert post(client, path, {"action": "include", "pids": pids}).status_code == 302
    assert excluded_pids(conversation) == []
    actions = database.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.action.like("participants.%"))
    ).all()
    assert actions == ["participants.exclude_from_math", "participants.include_in_math"]


def test_bad_forms_change_nothing(client, owner, conversation, stuffed):
    crowd, scripted = stuffed
    log_in(client, owner.email)
    client.set_cookie("mesa_language", "en")
    path = f"{CONSOLE}/c/{conversation.public_id}/coordination"
    for form in (
        {"action": "exclude", "pids": str(crowd[0])},  # not flagged
        {"action": "exclude", "pids": "1,x"},
        {"action": "exclude", "pids": ""},
        {"action": "exclude", "pids": "99999999999999999999"},
        {"action": "vanish", "pids": str(scripted[0])},
    ):
        response = post(client, path, form)
        assert response.status_code == 302, form
        assert "Not changed" in client.get(path).get_data(as_text=True), form
    assert excluded_pids(conversation) == []
    assert (
        database.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action.like("participants.%"))
        )
        == 0
    )


def test_a_moderator_sees_the_sets_but_cannot_exclude(client, owner, conversation, stuffed):
    _, scripted = stuffed
    moderator = make_facilitator("moderadora@example.org")
    services.grant_role(owner.id, conversation.public_id, moderator.email, "moderator")
    log_in(client, moderator.email)
    client.set_cookie("mesa_language", "es")
    path = f"{CONSOLE}/c/{conversation.public_id}/coordination"
    page = client.get(path).get_data(as_text=True)
    assert f"Señalados: {SCRIPTED} participantes en 1 conjuntos." in page
    assert "Excluir del cálculo" not in page
    refused = post(client, path, {"action": "exclude", "pids": ",".join(map(str, scripted))})
    assert refused.status_code == 403
    assert excluded_pids(conversation) == []


def test_methods_explain_the_rule_in_both_languages(client):
    english = client.get("/methods?lang=en").get_data(as_text=True)
    assert 'id="coordination"' in english
    assert "Cohen's kappa" in english or "Cohen&#39;s kappa" in english
    assert "Detection cannot see a script that joins slowly" in english
    spanish = client.get("/methods?lang=es").get_data(as_text=True)
    assert "Votación coordinada" in spanish and "kappa de Cohen" in spanish
    assert "al menos el 97 % de 200 cuentas programadas" in spanish
