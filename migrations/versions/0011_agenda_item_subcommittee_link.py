"""Agenda items belong to a subcommittee (issue 17): `agenda_items.subcommittee`, free text, becomes
`subcommittee_id`, a foreign key to the conversation's `subcommittees`.

Each item's text is matched by name to a subcommittee of the same conversation (spaces and case
ignored, as `create_subcommittee` compares names). A text that matches none is not lost: the item
keeps it in `former_subcommittee` (NULL otherwise), the agenda page shows it beside the item so a
facilitator can add that subcommittee or choose another, and the item's subcommittee is NULL.
Downgrading writes the subcommittee's name back, or the former text.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 00:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

FK_NAME = "fk_agenda_items_subcommittee_id_subcommittees"


def _key(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def upgrade():
    with op.batch_alter_table("agenda_items") as batch_op:
        batch_op.add_column(sa.Column("subcommittee_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("former_subcommittee", sa.String(200), nullable=True))
        batch_op.create_index("ix_agenda_items_subcommittee_id", ["subcommittee_id"])
        batch_op.create_foreign_key(
            FK_NAME, "subcommittees", ["subcommittee_id"], ["id"], ondelete="SET NULL"
        )
    connection = op.get_bind()
    names: dict[tuple[int, str], int] = {}
    for id_, conversation_id, name in connection.execute(
        sa.text("SELECT id, conversation_id, name FROM subcommittees ORDER BY position, id")
    ):
        names.setdefault((conversation_id, _key(name)), id_)
    rows = connection.execute(
        sa.text("SELECT id, conversation_id, subcommittee FROM agenda_items")
    ).all()
    for id_, conversation_id, text in rows:
        if not _key(text):
            continue
        match = names.get((conversation_id, _key(text)))
        connection.execute(
            sa.text(
                "UPDATE agenda_items SET subcommittee_id = :sub, former_subcommittee = :former"
                " WHERE id = :id"
            ),
            {"sub": match, "former": None if match else text, "id": id_},
        )
    with op.batch_alter_table("agenda_items") as batch_op:
        batch_op.drop_column("subcommittee")


def downgrade():
    with op.batch_alter_table("agenda_items") as batch_op:
        batch_op.add_column(
            sa.Column("subcommittee", sa.String(200), nullable=False, server_default="")
        )
    op.execute(
        "UPDATE agenda_items SET subcommittee = COALESCE("
        "(SELECT name FROM subcommittees WHERE subcommittees.id = agenda_items.subcommittee_id),"
        " former_subcommittee, '')"
    )
    with op.batch_alter_table("agenda_items") as batch_op:
        batch_op.alter_column("subcommittee", server_default=None)
        batch_op.drop_constraint(FK_NAME, type_="foreignkey")
        batch_op.drop_index("ix_agenda_items_subcommittee_id")
        batch_op.drop_column("former_subcommittee")
        batch_op.drop_column("subcommittee_id")
