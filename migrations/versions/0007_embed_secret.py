"""Signed xids: a per-conversation embedding secret (issue 13, point 1).

An embedding site proves an xid with an HMAC-SHA256 under this secret; an unsigned xid is
refused. Every existing conversation gets its own random secret, which its owner finds in the
console (Share) and gives to the site's developer.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 21:30:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.add_column(sa.Column("embed_secret", sa.String(64), nullable=True))
    conversations = sa.table("conversations", sa.column("id"), sa.column("embed_secret"))
    connection = op.get_bind()
    for (conversation_id,) in connection.execute(sa.select(conversations.c.id)).all():
        connection.execute(
            conversations.update()
            .where(conversations.c.id == conversation_id)
            .values(embed_secret=secrets.token_urlsafe(32))  # as identifiers.new_embedding_secret
        )
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.alter_column("embed_secret", existing_type=sa.String(64), nullable=False)


def downgrade():
    with op.batch_alter_table("conversations") as batch_op:
        batch_op.drop_column("embed_secret")
