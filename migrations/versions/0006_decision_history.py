"""Decision history: a case keeps every screening and needs assessment

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:00:00

"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('screenings', 'needs_assessments'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'uq_{table}_case_id', type_='unique')
            batch_op.create_index(f'ix_{table}_case_id', ['case_id'], unique=False)


def downgrade():
    # Keeps only each case's latest row, since the earlier schema holds one per case.
    for table in ('screenings', 'needs_assessments'):
        op.execute(f'DELETE FROM {table} WHERE id NOT IN (SELECT MAX(id) FROM {table} GROUP BY case_id)')  # noqa: S608 (table names are the constants above)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_case_id')
            batch_op.create_unique_constraint(f'uq_{table}_case_id', ['case_id'])
