"""Polis-compatible API: published report ids (issue 8).

`conversations.is_data_open` exists since 0001; this adds the report ids that publish a
conversation's data to Polis tools.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('polis_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_polis_reports_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['facilitators.id'], name=op.f('fk_polis_reports_created_by_facilitators'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polis_reports')),
    sa.UniqueConstraint('report_id', name=op.f('uq_polis_reports_report_id'))
    )
    with op.batch_alter_table('polis_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_polis_reports_conversation_id'), ['conversation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('polis_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_polis_reports_conversation_id'))
    op.drop_table('polis_reports')
