"""grading on Celery workers: leases, outbox times and delivery counts on submissions; assignment bundles (issue 18)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 04:00:00

A submission handed to Celery is claimed by a worker with a compare-and-set on its row (lease_owner, lease_until);
published_at is the outbox's mark (the service re-publishes what waits too long), deliveries counts every task
delivery a worker saw (duplicates included), graded_by names the claim that wrote the grade and synced_at when the
service ran its callbacks for it. grading_bundles holds each assignment's source + hidden tests by sha256.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=96), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deliveries', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('graded_by', sa.String(length=96), nullable=True))
        batch_op.add_column(sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'grading_bundles',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('sha256'),
    )


def downgrade() -> None:
    op.drop_table('grading_bundles')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        for name in ('synced_at', 'graded_by', 'deliveries', 'lease_until', 'lease_owner', 'published_at'):
            batch_op.drop_column(name)
