"""The development identity provider's codes and new identities, shared by every web process

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 19:57:21

"""
import sqlalchemy as sa
from alembic import op

import app.db

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dev_idp_codes',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('redirect_uri', sa.String(length=500), nullable=False),
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=255), nullable=True),
    sa.Column('code_challenge', sa.String(length=128), nullable=True),
    sa.Column('code_challenge_method', sa.String(length=10), nullable=True),
    sa.Column('vot', sa.String(length=32), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_dev_idp_codes'))
    )
    with op.batch_alter_table('dev_idp_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dev_idp_codes_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dev_idp_codes_nonce'), ['nonce'], unique=False)

    op.create_table('dev_idp_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dev_idp_identities')),
    sa.UniqueConstraint('email', name=op.f('uq_dev_idp_identities_email')),
    sa.UniqueConstraint('subject', name=op.f('uq_dev_idp_identities_subject'))
    )


def downgrade():
    op.drop_table('dev_idp_identities')
    with op.batch_alter_table('dev_idp_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dev_idp_codes_nonce'))
        batch_op.drop_index(batch_op.f('ix_dev_idp_codes_expires_at'))

    op.drop_table('dev_idp_codes')
