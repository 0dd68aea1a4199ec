"""Privacy: a retention period per conversation (issue 7).

Participation older than `retention_days` is deleted by `flask --app web purge-expired`;
NULL keeps it as long as the conversation exists (the behaviour before this migration).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 14:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.add_column(sa.Column("retention_days", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.drop_column("retention_days")
