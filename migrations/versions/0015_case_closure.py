"""Cases: closing a case before issue, with a reason and a note

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-01 14:24:03

"""
import sqlalchemy as sa
from alembic import op

import app.db

revision = '0015'
down_revision = '0011'
branch_labels = None
depends_on = None

REASONS = ('not_eligible', 'no_further_action', 'sent_for_charge', 'youth_process')


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closure_reason', sa.Enum(*REASONS, name='closure_reason', native_enum=False,
                                                                create_constraint=True, length=32), nullable=True))
        batch_op.add_column(sa.Column('closure_note', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('closed_at', app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_cases_closed_by_id_users'), 'users', ['closed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cases_closed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('closed_by_id')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('closure_note')
        batch_op.drop_constraint(batch_op.f('ck_cases_closure_reason'), type_='check')
        batch_op.drop_column('closure_reason')
