"""Migration 0011: free-text agenda subcommittees become links to the conversation's
subcommittees, matched by name; an unmatched text is kept apart and the link left empty."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from deliberation import services
from deliberation.models import AgendaItem, AgendaNote
from deliberation.services.agenda import list_agenda_items, promote_statement


def test_free_text_subcommittees_are_matched_by_name_within_the_conversation(
    db, owner, conversation, seeds
):
    cid, owner_id = conversation.public_id, owner.id
    justice = services.create_subcommittee(owner.id, cid, "Acceso a la justicia").id
    other = services.create_conversation(owner.id, "Otra mesa")
    services.seed_statements(owner.id, other.public_id, ["Una.", "Dos."])
    elsewhere = services.create_subcommittee(owner.id, other.public_id, "Derechos humanos").id
    services.add_seed_statement(owner.id, cid, "Cámaras en cada patrulla.")
    for tid in (0, 1, 2, 3):
        promote_statement(owner.id, cid, tid, subcommittee_id=None)
    services.add_agenda_note(owner.id, cid, 1, "Nota que no se pierde.")
    db.session.remove()

    downgrade(revision="0010")
    texts = {
        0: "  acceso a LA   justicia ",  # same name, other case and spaces
        1: "Derechos humanos",  # a subcommittee of another conversation only
        2: "Salarios",  # no subcommittee of that name anywhere
        3: "",
    }
    with db.engine.begin() as connection:
        for tid, text in texts.items():
            connection.execute(
                sa.text("UPDATE agenda_items SET subcommittee = :text WHERE tid = :tid"),
                {"text": text, "tid": tid},
            )
    upgrade()

    rows = db.session.execute(
        sa.select(
            AgendaItem.tid, AgendaItem.subcommittee_id, AgendaItem.former_subcommittee
        ).order_by(AgendaItem.tid)
    ).all()
    assert [tuple(row) for row in rows] == [
        (0, justice, None),
        (1, None, "Derechos humanos"),
        (2, None, "Salarios"),
        (3, None, None),
    ]
    assert elsewhere != justice
    views = {view.tid: view for view in list_agenda_items(owner_id, cid)}
    assert views[0].subcommittee == "Acceso a la justicia"
    assert views[2].former_subcommittee == "Salarios"
    # Nothing else of the items is lost on the way: their notes stay.
    assert db.session.scalar(sa.select(AgendaNote.text)) == "Nota que no se pierde."

    # Down again, the names come back as text, linked or not.
    db.session.remove()
    downgrade(revision="0010")
    with db.engine.connect() as connection:
        back = connection.execute(
            sa.text("SELECT tid, subcommittee FROM agenda_items ORDER BY tid")
        ).all()
    assert [tuple(row) for row in back] == [
        (0, "Acceso a la justicia"),
        (1, "Derechos humanos"),
        (2, "Salarios"),
        (3, ""),
    ]
    upgrade()
