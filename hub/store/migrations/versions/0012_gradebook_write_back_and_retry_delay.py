"""Celery grading: the worker's autograded hand-in for the course's gradebook; a retry's next publish time (issue 18)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 21:00:00

autograded_hand_ins holds what a worker's private scratch course made of a hand-in (its autograded folder as a
tar.gz), written with the grade under the worker's claim; the platform service, the single writer of each course's
nbgrader gradebook, writes it into the course's folder and gradebook and marks written_at. submissions.retry_at is
when a submission the platform failed to grade may be published again (a delay that grows with each attempt).
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'autograded_hand_ins',
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('parts', sa.JSON(), nullable=False),
        sa.Column('files', sa.LargeBinary(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
        sa.PrimaryKeyConstraint('submission_id'),
    )


def downgrade() -> None:
    op.drop_table('autograded_hand_ins')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('retry_at')
