"""Victim updates (one per key decision per opted-in victim, with its Victims' Code date), restorative justice interest

The flag kinds gain victim_update_late.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 23:30:00

"""
import sqlalchemy as sa
from alembic import op

import app.db

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

KINDS = ('missed_appointment', 'outcome_not_recorded', 'referral_not_accepted', 'condition_overdue',
         'deadline_passed', 'not_reaching')
NEW_KINDS = (*KINDS, 'victim_update_late')


def _flag_kinds(kinds) -> None:
    # The kind is a VARCHAR with a CHECK (no enum type): the check is replaced with one listing the kinds.
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_flags_flag_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_flags_flag_kind'), sa.column('kind').in_(kinds))


def upgrade():
    op.create_table(
        'victim_updates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('case_victim_id', sa.Integer(), nullable=False),
        sa.Column('decision', sa.String(length=32), nullable=False),
        sa.Column('decided_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('message_key', sa.String(length=200), nullable=True),
        sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('given_at', app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('given_how', sa.String(length=16), nullable=True),
        sa.Column('given_by_id', sa.Integer(), nullable=True),
        sa.Column('public_id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_victim_updates_case_id_cases')),
        sa.ForeignKeyConstraint(['case_victim_id'], ['case_victims.id'],
                                name=op.f('fk_victim_updates_case_victim_id_case_victims')),
        sa.ForeignKeyConstraint(['given_by_id'], ['users.id'], name=op.f('fk_victim_updates_given_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_victim_updates')),
        sa.UniqueConstraint('key', name=op.f('uq_victim_updates_key')),
        sa.UniqueConstraint('public_id', name=op.f('uq_victim_updates_public_id')),
    )
    with op.batch_alter_table('victim_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_victim_updates_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_victim_updates_case_victim_id'), ['case_victim_id'], unique=False)
        batch_op.create_index('ix_victim_updates_given_due', ['given_at', 'due_on'], unique=False)
    op.create_table(
        'restorative_interests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_victim_id', sa.Integer(), nullable=False),
        sa.Column('said_at', app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_victim_id'], ['case_victims.id'],
                                name=op.f('fk_restorative_interests_case_victim_id_case_victims')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_restorative_interests')),
        sa.UniqueConstraint('case_victim_id', name=op.f('uq_restorative_interests_case_victim_id')),
    )
    _flag_kinds(NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM flags WHERE kind = 'victim_update_late'")
    _flag_kinds(KINDS)
    op.drop_table('restorative_interests')
    with op.batch_alter_table('victim_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_victim_updates_given_due')
        batch_op.drop_index(batch_op.f('ix_victim_updates_case_victim_id'))
        batch_op.drop_index(batch_op.f('ix_victim_updates_case_id'))
    op.drop_table('victim_updates')
