"""studio corrections: members removed (left_at), achievements withdrawn (issue 7)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 09:00:00

Nothing is deleted by a correction: a removed member keeps her row with ``left_at`` set, a withdrawn achievement
keeps its row with who withdrew it, when and why. Downgrading drops these columns (and with them the record of
removals and withdrawals; the audit log still holds them), so removed members and withdrawn achievements count
again under 0008's code.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite rebuilds the table, PostgreSQL alters it in place
    with op.batch_alter_table('studio_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('removed_by', sa.String(length=32), nullable=True))
    with op.batch_alter_table('studio_achievements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_by', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('studio_achievements', schema=None) as batch_op:
        batch_op.drop_column('withdrawal_reason')
        batch_op.drop_column('withdrawn_by')
        batch_op.drop_column('withdrawn_at')
    with op.batch_alter_table('studio_members', schema=None) as batch_op:
        batch_op.drop_column('removed_by')
        batch_op.drop_column('left_at')
