"""Languages (issue 14, point 1): a facilitator's console language, and the translations of what
a conversation's owner types (topic, description, sector names).

`facilitators.language` is the console language a facilitator last chose (NULL: none chosen,
the browser's language applies). `conversation_translations` holds one row per conversation
and language, as `statement_translations` does for statements: the conversation's own columns
stay the text in its first language, and a sector keeps its stored name (participants'
`sector` refers to it) with a translated name per language in `sector_names`.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 00:20:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("facilitators") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), nullable=True))
    op.create_table(
        "conversation_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "sector_names",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "language"),
    )


def downgrade():
    op.drop_table("conversation_translations")
    with op.batch_alter_table("facilitators") as batch_op:
        batch_op.drop_column("language")
