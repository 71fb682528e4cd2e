"""nomination rounds, entries, reviews and objections (issue 7)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 06:31:15.440960
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('nomination_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('award', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('spec_yaml', sa.Text(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('selection_problem', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('drafted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finalized_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    op.create_table('nomination_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('candidate_key', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('unit', sa.String(length=128), nullable=False),
    sa.Column('region', sa.String(length=64), nullable=False),
    sa.Column('gender', sa.String(length=8), nullable=False),
    sa.Column('merit', sa.Float(), nullable=False),
    sa.Column('achievement', sa.Text(), nullable=False),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('included', sa.Boolean(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['nomination_rounds.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'candidate_key')
    )
    with op.batch_alter_table('nomination_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nomination_entries_round_id'), ['round_id'], unique=False)

    op.create_table('nomination_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('member', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by', sa.String(length=32), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['nomination_entries.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['nomination_rounds.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'number')
    )
    with op.batch_alter_table('nomination_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nomination_objections_round_id'), ['round_id'], unique=False)

    op.create_table('nomination_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('reviewer', sa.String(length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('vote', sa.Boolean(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['nomination_entries.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['nomination_rounds.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('nomination_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nomination_reviews_round_id'), ['round_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('nomination_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nomination_reviews_round_id'))

    op.drop_table('nomination_reviews')
    with op.batch_alter_table('nomination_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nomination_objections_round_id'))

    op.drop_table('nomination_objections')
    with op.batch_alter_table('nomination_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nomination_entries_round_id'))

    op.drop_table('nomination_entries')
    op.drop_table('nomination_rounds')