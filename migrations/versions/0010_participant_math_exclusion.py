"""Coordinated voting: a participant an owner excluded from the math (issue 13, point 6).

`excluded_ms` is when the owner left the participant out of the clustering input; NULL (every
participant before this migration) counts them in. Their votes stay stored either way, so
including them again restores the math exactly.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 21:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participants") as batch_op:
        batch_op.add_column(sa.Column("excluded_ms", sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table("participants") as batch_op:
        batch_op.drop_column("excluded_ms")
