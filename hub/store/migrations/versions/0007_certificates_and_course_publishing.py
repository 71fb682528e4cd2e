"""certificates and course publishing (issue 5)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Courses, enrolments and assignments came with 0002; publishing a course needs no new column.
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('course_title', sa.String(length=128), nullable=False),
    sa.Column('issuer', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('member_id', 'course_id')
    )


def downgrade() -> None:
    op.drop_table('certificates')
