"""members' sex is asked at sign-up; NULL means 未填写 (not answered) (issue 16)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 01:00:00

Until now sign-up never asked, and every member was stored as "female" by default: reports said 100 % women and
the 五一劳动奖章 women's share counted people nobody had asked. The column becomes nullable and every existing value
becomes NULL (未填写): no path before this revision (web sign-up, ``jinguo user add``, the demo) let anyone give an
answer, so a stored "female" is the default, not a fact. Reports divide women by members with a known sex; an
organizer corrects it on the member page (audited). ``nomination_entries.gender`` (a candidate's snapshot) may be
NULL too, for a candidate whose sex is not recorded: such a candidate is never counted as a woman.

Downgrading writes the old default "female" back into NULLs, as 0009's code expects a value.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite rebuilds the table, PostgreSQL alters it in place
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.alter_column('gender', existing_type=sa.String(length=8), nullable=True)
    op.execute("UPDATE members SET gender = NULL")
    with op.batch_alter_table('nomination_entries', schema=None) as batch_op:
        batch_op.alter_column('gender', existing_type=sa.String(length=8), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE nomination_entries SET gender = 'female' WHERE gender IS NULL")
    with op.batch_alter_table('nomination_entries', schema=None) as batch_op:
        batch_op.alter_column('gender', existing_type=sa.String(length=8), nullable=False)
    op.execute("UPDATE members SET gender = 'female' WHERE gender IS NULL")
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.alter_column('gender', existing_type=sa.String(length=8), nullable=False)
