"""Time: a time zone per conversation (issue 10).

The console, the report and its exports show times in the conversation's own zone, named
(e.g. America/Ciudad_Juarez), rather than in UTC. Existing conversations keep UTC.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 21:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.add_column(
            sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="UTC")
        )


def downgrade():
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.drop_column("time_zone")
