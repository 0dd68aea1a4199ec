"""Topics and subcommittees (issue 17): a conversation's subcommittees, statements assigned to
them by a facilitator, and stored topic results (kept apart from the math results).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 21:42:26

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    op.create_table('subcommittees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_subcommittees_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subcommittees')),
    sa.UniqueConstraint('conversation_id', 'name', name=op.f('uq_subcommittees_conversation_id_name'))
    )
    with op.batch_alter_table('subcommittees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subcommittees_conversation_id'), ['conversation_id'], unique=False)

    op.create_table('topic_results',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('statements_updated_ms', sa.BigInteger(), nullable=False),
    sa.Column('statement_count', sa.Integer(), nullable=False),
    sa.Column('document', JSON_DOCUMENT, nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_topic_results_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_results')),
    sa.UniqueConstraint('conversation_id', 'version', name=op.f('uq_topic_results_conversation_id_version'))
    )
    op.create_table('statement_subcommittees',
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('subcommittee_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by', sa.Integer(), nullable=True),
    sa.Column('assigned_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by'], ['facilitators.id'], name=op.f('fk_statement_subcommittees_assigned_by_facilitators'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_subcommittees_statement_id_statements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subcommittee_id'], ['subcommittees.id'], name=op.f('fk_statement_subcommittees_subcommittee_id_subcommittees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('statement_id', name=op.f('pk_statement_subcommittees'))
    )
    with op.batch_alter_table('statement_subcommittees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_subcommittees_subcommittee_id'), ['subcommittee_id'], unique=False)



def downgrade():
    with op.batch_alter_table('statement_subcommittees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_subcommittees_subcommittee_id'))

    op.drop_table('statement_subcommittees')
    op.drop_table('topic_results')
    with op.batch_alter_table('subcommittees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subcommittees_conversation_id'))

    op.drop_table('subcommittees')
