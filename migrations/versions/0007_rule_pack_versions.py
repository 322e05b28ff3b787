"""Rule packs as dated versions: each case and decision records the version it was made under

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Every case and decision so far was made under the first version of each regime's rules.
FIRST_VERSION = '2026.1'


def upgrade():
    for table in ('cases', 'screenings', 'approvals', 'caution_documents'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('pack_version', sa.String(length=16), nullable=True))
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pack_id', sa.String(length=32), nullable=True))
    for table in ('cases', 'screenings', 'approvals', 'caution_documents'):
        op.execute(sa.table(table, sa.column('pack_version')).update().values(pack_version=FIRST_VERSION))
    op.execute('UPDATE screenings SET pack_id = (SELECT regime FROM cases WHERE cases.id = screenings.case_id)')
    for table in ('cases', 'screenings', 'approvals', 'caution_documents'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('pack_version', existing_type=sa.String(length=16), nullable=False)
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.alter_column('pack_id', existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.drop_column('pack_id')
    for table in ('caution_documents', 'approvals', 'screenings', 'cases'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('pack_version')
