"""Notifications, flags and job runs

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 16:40:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.db

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=64), nullable=False),
    sa.Column('started_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rows', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_job_started', ['job', 'started_at'], unique=False)

    op.create_table('flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('missed_appointment', 'outcome_not_recorded', 'referral_not_accepted', 'condition_overdue', 'deadline_passed', 'not_reaching', name='flag_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('condition_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('open', 'cleared', name='flag_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('raised_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cleared_because', sa.String(length=300), nullable=True),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_flags_appointment_id_appointments')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_flags_case_id_cases')),
    sa.ForeignKeyConstraint(['condition_id'], ['conditions.id'], name=op.f('fk_flags_condition_id_conditions')),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_flags_referral_id_referrals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flags')),
    sa.UniqueConstraint('key', name=op.f('uq_flags_key')),
    sa.UniqueConstraint('public_id', name=op.f('uq_flags_public_id'))
    )
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index('ix_flags_case_status', ['case_id', 'status'], unique=False)
        batch_op.create_index('ix_flags_status_kind', ['status', 'kind'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('audience', sa.Enum('offender', 'victim', 'staff', name='notification_audience', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('medium', sa.String(length=8), nullable=False),
    sa.Column('template', sa.String(length=64), nullable=False),
    sa.Column('personalisation', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'delivered', 'failed', 'cancelled', name='notification_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claim', sa.String(length=32), nullable=True),
    sa.Column('claimed_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('read_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_notifications_appointment_id_appointments')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_notifications_case_id_cases')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_notifications_person_id_people')),
    sa.ForeignKeyConstraint(['provider_id'], ['organisations.id'], name=op.f('fk_notifications_provider_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('key', name=op.f('uq_notifications_key')),
    sa.UniqueConstraint('public_id', name=op.f('uq_notifications_public_id'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_appointment_id'), ['appointment_id'], unique=False)
        batch_op.create_index('ix_notifications_case_created', ['case_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_claim'), ['claim'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_reference'), ['reference'], unique=False)
        batch_op.create_index('ix_notifications_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders_opt_out', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('email_failed_at', app.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('phone_failed_at', app.db.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('phone_failed_at')
        batch_op.drop_column('email_failed_at')
        batch_op.drop_column('reminders_opt_out')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))
        batch_op.drop_index('ix_notifications_status_next')
        batch_op.drop_index(batch_op.f('ix_notifications_reference'))
        batch_op.drop_index(batch_op.f('ix_notifications_provider_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_person_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_claim'))
        batch_op.drop_index('ix_notifications_case_created')
        batch_op.drop_index(batch_op.f('ix_notifications_appointment_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index('ix_flags_status_kind')
        batch_op.drop_index('ix_flags_case_status')

    op.drop_table('flags')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_job_started')

    op.drop_table('job_runs')
