"""Agenda items belong to a subcommittee, and topics keep the names facilitators give them
(issue 17).

`agenda_items.subcommittee`, free text, becomes `subcommittee_id`, a foreign key to the
conversation's `subcommittees`.

Each item's text is matched by name to a subcommittee of the same conversation (spaces and case
ignored, as `create_subcommittee` compares names). A text that matches none is not lost: the item
keeps it in `former_subcommittee` (NULL otherwise), the agenda page shows it beside the item so a
facilitator can add that subcommittee or choose another, and the item's subcommittee is NULL.
Downgrading writes the subcommittee's name back, or the former text.

`topic_names`: a facilitator's name for a topic, with the statements the topic had then.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 00:30:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

FK_NAME = "fk_agenda_items_subcommittee_id_subcommittees"
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _key(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def upgrade():
    op.create_table(
        "topic_names",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tids", JSON_DOCUMENT, nullable=False),
        sa.Column("topics_version", sa.Integer(), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_topic_names_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["facilitators.id"],
            name=op.f("fk_topic_names_facilitator_id_facilitators"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_names")),
    )
    with op.batch_alter_table("topic_names") as batch_op:
        batch_op.create_index(batch_op.f("ix_topic_names_conversation_id"), ["conversation_id"])
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
    with op.batch_alter_table("topic_names") as batch_op:
        batch_op.drop_index(batch_op.f("ix_topic_names_conversation_id"))
    op.drop_table("topic_names")
