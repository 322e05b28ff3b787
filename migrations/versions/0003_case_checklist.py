"""case checklist, no-victims flag, case offence ids

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 17:03:43.341508

"""
import uuid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # Opaque ids for offences already on cases: add the column, fill it, then require it.
    with op.batch_alter_table('case_offences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_id', sa.Uuid(), nullable=True))
    conn = op.get_bind()
    table = sa.table('case_offences', sa.column('id', sa.Integer()), sa.column('public_id', sa.Uuid()))
    for (row_id,) in conn.execute(sa.select(table.c.id)).all():
        conn.execute(table.update().where(table.c.id == row_id).values(public_id=uuid.uuid4()))
    with op.batch_alter_table('case_offences', schema=None) as batch_op:
        batch_op.alter_column('public_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_case_offences_public_id'), ['public_id'])

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_victims', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('pre_issue', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('pre_issue')
        batch_op.drop_column('no_victims')

    with op.batch_alter_table('case_offences', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_case_offences_public_id'), type_='unique')
        batch_op.drop_column('public_id')
