"""Common agenda: agenda items, follow-up rounds, snapshots (issue 6).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 14:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('follow_up_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('tids', JSON_DOCUMENT, nullable=False),
    sa.Column('opened_ms', sa.BigInteger(), nullable=False),
    sa.Column('closed_ms', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_follow_up_rounds_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_rounds'))
    )
    op.create_index(op.f('ix_follow_up_rounds_conversation_id'), 'follow_up_rounds', ['conversation_id'], unique=False)
    op.create_table('snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('format_version', sa.String(length=32), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('last_vote_id', sa.BigInteger(), nullable=False),
    sa.Column('vote_count', sa.BigInteger(), nullable=False),
    sa.Column('parameters', JSON_DOCUMENT, nullable=False),
    sa.Column('result', JSON_DOCUMENT, nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_snapshots_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshots'))
    )
    op.create_index(op.f('ix_snapshots_conversation_id'), 'snapshots', ['conversation_id'], unique=False)
    op.create_table('agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('tid', sa.Integer(), nullable=False),
    sa.Column('subcommittee', sa.String(length=200), nullable=False),
    sa.Column('responsible_body', sa.String(length=300), nullable=False),
    sa.Column('government_level', sa.Enum('municipal', 'state', 'federal', 'other', name='government_level', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('proposed', 'agreed', 'in_progress', 'done', 'evaluated', name='agenda_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.Column('updated_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id', 'tid'], ['statements.conversation_id', 'statements.tid'], name=op.f('fk_agenda_items_conversation_id_tid_statements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_agenda_items_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_items')),
    sa.UniqueConstraint('conversation_id', 'tid', name=op.f('uq_agenda_items_conversation_id_tid'))
    )
    op.create_table('follow_up_answers',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('tid', sa.Integer(), nullable=False),
    sa.Column('vote', sa.SmallInteger(), nullable=False),
    sa.Column('carried_out', sa.Enum('yes', 'partly', 'no', 'dont_know', name='carried_out', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('vote IN (-1, 0, 1)', name=op.f('ck_follow_up_answers_follow_up_vote_value')),
    sa.ForeignKeyConstraint(['conversation_id', 'pid'], ['participants.conversation_id', 'participants.pid'], name=op.f('fk_follow_up_answers_conversation_id_pid_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id', 'tid'], ['statements.conversation_id', 'statements.tid'], name=op.f('fk_follow_up_answers_conversation_id_tid_statements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['follow_up_rounds.id'], name=op.f('fk_follow_up_answers_round_id_follow_up_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_answers')),
    sa.UniqueConstraint('round_id', 'pid', 'tid', name=op.f('uq_follow_up_answers_round_id_pid_tid'))
    )
    op.create_table('agenda_notes',
    sa.Column('id', BIG_ID, nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('facilitator_id', sa.Integer(), nullable=True),
    sa.Column('noted_on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_ms', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], name=op.f('fk_agenda_notes_agenda_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['facilitator_id'], ['facilitators.id'], name=op.f('fk_agenda_notes_facilitator_id_facilitators'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_notes'))
    )
    op.create_index(op.f('ix_agenda_notes_agenda_item_id'), 'agenda_notes', ['agenda_item_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_agenda_notes_agenda_item_id'), table_name='agenda_notes')
    op.drop_table('agenda_notes')
    op.drop_table('follow_up_answers')
    op.drop_table('agenda_items')
    op.drop_index(op.f('ix_snapshots_conversation_id'), table_name='snapshots')
    op.drop_table('snapshots')
    op.drop_index(op.f('ix_follow_up_rounds_conversation_id'), table_name='follow_up_rounds')
    op.drop_table('follow_up_rounds')
