"""Legal corrections: offence flags, the victim a remedy condition answers, when a condition was decided, who gave
the caution

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 14:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')


def upgrade():
    with op.batch_alter_table('offences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flags', JSON_DOCUMENT, nullable=True))
    op.execute(sa.table('offences', sa.column('flags', JSON_DOCUMENT)).update().values(flags=[]))
    with op.batch_alter_table('offences', schema=None) as batch_op:
        batch_op.alter_column('flags', existing_type=JSON_DOCUMENT, nullable=False)

    with op.batch_alter_table('conditions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remedy_for_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_conditions_remedy_for_id_case_victims'), 'case_victims',
                                    ['remedy_for_id'], ['id'])
    op.execute('UPDATE conditions SET decided_at = updated_at')
    # A condition marked as "the victim's requested remedy" answers the case's first victim who asked for one.
    op.execute('UPDATE conditions SET remedy_for_id = (SELECT MIN(cv.id) FROM case_victims cv JOIN victim_views vv '
               "ON vv.case_victim_id = cv.id WHERE cv.case_id = conditions.case_id AND vv.remedy_requested <> '') "
               'WHERE remedy_from_victim')
    with op.batch_alter_table('conditions', schema=None) as batch_op:
        batch_op.alter_column('decided_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.drop_column('remedy_from_victim')

    with op.batch_alter_table('caution_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('administered_by', sa.String(length=24), nullable=True))
    op.execute("UPDATE caution_documents SET administered_by = 'not_recorded'")
    with op.batch_alter_table('caution_documents', schema=None) as batch_op:
        batch_op.alter_column('administered_by', existing_type=sa.String(length=24), nullable=False)


def downgrade():
    with op.batch_alter_table('caution_documents', schema=None) as batch_op:
        batch_op.drop_column('administered_by')
    with op.batch_alter_table('conditions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remedy_from_victim', sa.Boolean(), nullable=True))
    op.execute('UPDATE conditions SET remedy_from_victim = (remedy_for_id IS NOT NULL)')
    with op.batch_alter_table('conditions', schema=None) as batch_op:
        batch_op.alter_column('remedy_from_victim', existing_type=sa.Boolean(), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_conditions_remedy_for_id_case_victims'), type_='foreignkey')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('remedy_for_id')
    with op.batch_alter_table('offences', schema=None) as batch_op:
        batch_op.drop_column('flags')
