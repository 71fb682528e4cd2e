"""competition entries (joining) and disqualifications (issue 6)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 07:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('competition_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('competition_id', 'member_id')
    )
    op.create_index('ix_competition_entries_competition_id', 'competition_entries', ['competition_id'])
    op.create_table('competition_disqualifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=32), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('competition_id', 'member_id')
    )
    op.create_index('ix_competition_disqualifications_competition_id', 'competition_disqualifications',
                    ['competition_id'])


def downgrade() -> None:
    op.drop_index('ix_competition_disqualifications_competition_id', table_name='competition_disqualifications')
    op.drop_table('competition_disqualifications')
    op.drop_index('ix_competition_entries_competition_id', table_name='competition_entries')
    op.drop_table('competition_entries')
