"""Invitations for the person cautioned and victims; people linked to a sign-in identity, not users to a person

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 19:55:57

"""
import sqlalchemy as sa
from alembic import op

import app.db

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('public_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('party', sa.Enum('officer', 'supervisor', 'coordinator', 'provider_manager', 'caseworker', 'scrutiny', 'offender', 'victim', name='invitation_party', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('sent_by', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('wrong_answers', sa.Integer(), nullable=False),
    sa.Column('locked_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('contact_code_hash', sa.String(length=64), nullable=True),
    sa.Column('contact_code_expires_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('public_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_public_invitations_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_public_invitations_created_by_id_users')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_public_invitations_person_id_people')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_public_invitations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_invitations')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_public_invitations_code_hash')),
    sa.UniqueConstraint('public_id', name=op.f('uq_public_invitations_public_id'))
    )
    with op.batch_alter_table('public_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_invitations_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_invitations_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_people_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_people_user_id_users'), 'users', ['user_id'], ['id'])
    # The link moves from the user to the person record.
    op.execute("UPDATE people SET user_id = (SELECT users.id FROM users WHERE users.person_id = people.id "
               "ORDER BY users.id LIMIT 1)")

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_person_id'))
        batch_op.drop_constraint(batch_op.f('fk_users_person_id_people'), type_='foreignkey')
        batch_op.drop_constraint('public_role', type_='check')
        batch_op.drop_column('public_role')
        batch_op.drop_column('person_id')



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column('public_role', sa.Enum(
            'officer', 'supervisor', 'coordinator', 'provider_manager', 'caseworker', 'scrutiny', 'offender', 'victim',
            name='public_role', native_enum=False, create_constraint=True, length=32), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_person_id_people'), 'people', ['person_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_users_person_id'), ['person_id'], unique=False)
    # Back to one person per user (the first linked), in the role that person holds in a case.
    op.execute("UPDATE users SET person_id = (SELECT MIN(people.id) FROM people WHERE people.user_id = users.id)")
    op.execute("UPDATE users SET public_role = CASE WHEN EXISTS (SELECT 1 FROM cases WHERE cases.offender_id = "
               "users.person_id) THEN 'offender' ELSE 'victim' END WHERE person_id IS NOT NULL")

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_people_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_people_user_id'))
        batch_op.drop_column('user_id')

    with op.batch_alter_table('public_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_invitations_person_id'))
        batch_op.drop_index(batch_op.f('ix_public_invitations_case_id'))

    op.drop_table('public_invitations')
