"""Console sessions: a session version per facilitator (issue 13, point 8).

Logging out and changing one's password raise it, which ends every console session of that
person; sessions from before this migration carry no version and end once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 21:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("facilitators") as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("facilitators") as batch_op:
        batch_op.drop_column("session_version")
