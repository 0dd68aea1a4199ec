"""Routing: a conversation's statements version (issue 16).

`statements_version` moves whenever a statement or one of its translations is added, changed or
deleted (see deliberation.models.statement). The vote reads it with the rules it checks, and each
web process keeps the conversation's routing state (visible statements, their weights and their
shown form) until it moves, so a vote's draw of the next statement reads only the participant's
own votes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 00:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.add_column(
            sa.Column("statements_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.drop_column("statements_version")
