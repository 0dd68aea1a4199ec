"""The common agenda: promoting statements, editing items, moving their status, dated notes."""

import datetime as dt

import pytest

from deliberation import services
from deliberation.errors import Conflict, Forbidden, Invalid, NotFound
from deliberation.models import AgendaStatus, GovernmentLevel
from deliberation.services.agenda import (
    ALLOWED_TRANSITIONS,
    add_agenda_note,
    change_agenda_status,
    list_agenda_items,
    promote_statement,
    update_agenda_item,
)
from tests.deliberation.conftest import join, make_facilitator


def test_a_promoted_statement_carries_its_commitment_and_is_audited(owner, conversation, seeds):
    cid = conversation.public_id
    services.translate_statement(owner.id, cid, 0, "en", "More prosecutors, not more soldiers.")
    justice = services.create_subcommittee(owner.id, cid, "acceso a la justicia")
    item = promote_statement(
        owner.id,
        cid,
        0,
        subcommittee_id=justice.id,
        responsible_body="Fiscalía General",
        government_level="federal",
        due_date="2027-03-31",
    )
    assert item.status is AgendaStatus.PROPOSED

    [view] = list_agenda_items(owner.id, cid)
    assert (view.tid, view.subcommittee, view.responsible_body) == (
        0,
        "acceso a la justicia",
        "Fiscalía General",
    )
    assert view.government_level is GovernmentLevel.FEDERAL
    assert view.due_date == dt.date(2027, 3, 31)
    assert view.text_in("en") == "More prosecutors, not more soldiers."
    assert view.text_in("es") == "Más fiscales e investigadores, no más soldados."
    assert view.next_statuses == [AgendaStatus.AGREED]

    entry = services.audit_trail(owner.id, cid)[-1]
    assert entry.action == "agenda.promote"
    assert entry.detail["tid"] == 0 and entry.detail["due_date"] == "2027-03-31"

    with pytest.raises(Conflict):
        promote_statement(owner.id, cid, 0)
    with pytest.raises(NotFound):
        promote_statement(owner.id, cid, 99)
    assert len(list_agenda_items(owner.id, cid)) == 1


def test_bad_fields_are_refused_and_change_nothing(owner, conversation, seeds):
    cid = conversation.public_id
    for bad in (
        {"government_level": "galactic"},
        {"due_date": "next spring"},
        {"subcommittee_id": "justicia"},
        {"subcommittee_id": 2**40},
    ):
        with pytest.raises(Invalid):
            promote_statement(owner.id, cid, 1, **bad)
    assert list_agenda_items(owner.id, cid) == []

    with pytest.raises(NotFound):  # no such subcommittee in this conversation
        promote_statement(owner.id, cid, 1, subcommittee_id=12345)
    assert list_agenda_items(owner.id, cid) == []
    salaries = services.create_subcommittee(owner.id, cid, "salarios")
    item = promote_statement(owner.id, cid, 1, subcommittee_id=salaries.id)
    with pytest.raises(Invalid):
        update_agenda_item(owner.id, cid, item.tid, status="done")  # status has its own door
    with pytest.raises(Invalid):
        update_agenda_item(owner.id, cid, item.tid, due_date="31/03/2027")
    [view] = list_agenda_items(owner.id, cid)
    assert (view.subcommittee, view.due_date, view.status) == ("salarios", None, "proposed")

    update_agenda_item(owner.id, cid, item.tid, responsible_body="Cabildo", due_date="2027-01-15")
    entry = services.audit_trail(owner.id, cid)[-1]
    assert entry.action == "agenda.edit"
    assert entry.detail["before"] == {"responsible_body": "", "due_date": None}
    assert entry.detail["after"] == {"responsible_body": "Cabildo", "due_date": "2027-01-15"}


def test_status_moves_one_step_forward_or_back(owner, conversation, seeds):
    cid = conversation.public_id
    item = promote_statement(owner.id, cid, 2)
    with pytest.raises(Conflict):
        change_agenda_status(owner.id, cid, item.tid, "done")  # no jumping ahead
    with pytest.raises(Invalid):
        change_agenda_status(owner.id, cid, item.tid, "finished")

    path = ["agreed", "in_progress", "agreed", "in_progress", "done", "evaluated"]
    for status in path:
        change_agenda_status(owner.id, cid, item.tid, status, reason="plenaria")
    assert list_agenda_items(owner.id, cid)[0].status is AgendaStatus.EVALUATED
    with pytest.raises(Conflict):
        change_agenda_status(owner.id, cid, item.tid, "proposed")

    moves = [e for e in services.audit_trail(owner.id, cid) if e.action == "agenda.status"]
    assert [(e.detail["before"], e.detail["after"]) for e in moves] == list(
        zip(["proposed", *path[:-1]], path, strict=True)
    )
    assert all(e.reason == "plenaria" for e in moves)
    # Every status can move, and only to its neighbours.
    assert all(len(targets) in (1, 2) for targets in ALLOWED_TRANSITIONS.values())


def test_notes_are_dated_and_kept_in_order(owner, conversation, seeds):
    cid = conversation.public_id
    item = promote_statement(owner.id, cid, 0)
    add_agenda_note(owner.id, cid, item.tid, "Reunión con la Fiscalía.", noted_on="2027-02-01")
    add_agenda_note(owner.id, cid, item.tid, "Primeros 12 fiscales.", noted_on="2027-01-10")
    with pytest.raises(Invalid):
        add_agenda_note(owner.id, cid, item.tid, "   ")
    notes = list_agenda_items(owner.id, cid)[0].notes
    assert [(n.noted_on.isoformat(), n.text) for n in notes] == [
        ("2027-01-10", "Primeros 12 fiscales."),
        ("2027-02-01", "Reunión con la Fiscalía."),
    ]
    assert {n.author_id for n in notes} == {owner.id}


def test_only_the_conversations_owners_and_moderators_touch_its_agenda(owner, conversation, seeds):
    cid = conversation.public_id
    moderator = make_facilitator("mod@example.org")
    services.grant_role(owner.id, cid, moderator.email, "moderator")
    item = promote_statement(moderator.id, cid, 0)
    change_agenda_status(moderator.id, cid, item.tid, "agreed")

    stranger = make_facilitator("stranger@example.org")
    for attempt in (
        lambda: promote_statement(stranger.id, cid, 1),
        lambda: change_agenda_status(stranger.id, cid, item.tid, "in_progress"),
        lambda: update_agenda_item(stranger.id, cid, item.tid, subcommittee_id=None),
        lambda: add_agenda_note(stranger.id, cid, item.tid, "intrusa"),
    ):
        with pytest.raises(Forbidden):
            attempt()
    [view] = list_agenda_items(owner.id, cid)
    assert (view.status, view.subcommittee, view.notes) == ("agreed", "", ())

    # A statement not on the agenda has no status to change.
    with pytest.raises(NotFound):
        change_agenda_status(owner.id, cid, 1, "agreed")


def test_a_rejected_statement_cannot_be_promoted(owner, conversation, seeds):
    cid = conversation.public_id
    author = join(conversation)
    statement = services.submit_statement(cid, author.pid, "Mano dura ya.")
    services.moderate_statement(owner.id, cid, statement.tid, "rejected")
    with pytest.raises(Invalid):
        promote_statement(owner.id, cid, statement.tid)
