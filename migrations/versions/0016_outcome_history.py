"""Attendance: the history of outcomes, past sessions entered late, timeline corrections

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 14:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'appointment_outcomes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('appointment_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=32), nullable=False),
        sa.Column('note', sa.String(length=2000), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('timeline_event_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'],
                                name=op.f('fk_appointment_outcomes_appointment_id_appointments')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_appointment_outcomes_recorded_by_id_users')),
        sa.ForeignKeyConstraint(['timeline_event_id'], ['timeline_events.id'],
                                name=op.f('fk_appointment_outcomes_timeline_event_id_timeline_events')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_outcomes')),
    )
    with op.batch_alter_table('appointment_outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_outcomes_appointment_id'), ['appointment_id'], unique=False)
    # Outcomes recorded before the history existed become its first record.
    op.execute("INSERT INTO appointment_outcomes (appointment_id, outcome, note, recorded_by_id, recorded_at) "
               "SELECT id, outcome, outcome_note, outcome_by_id, outcome_at FROM appointments "
               "WHERE outcome IS NOT NULL AND outcome_by_id IS NOT NULL AND outcome_at IS NOT NULL")
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entered_late', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('timeline_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corrects_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_timeline_events_corrects_id_timeline_events'), 'timeline_events',
                                    ['corrects_id'], ['id'])


def downgrade():
    with op.batch_alter_table('timeline_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_timeline_events_corrects_id_timeline_events'), type_='foreignkey')
        batch_op.drop_column('corrects_id')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_column('entered_late')
    with op.batch_alter_table('appointment_outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointment_outcomes_appointment_id'))
    op.drop_table('appointment_outcomes')
