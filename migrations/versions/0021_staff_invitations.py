"""Staff invitations: single-use, expiring links to work at an organisation in a role

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 20:10:00

"""
import sqlalchemy as sa
from alembic import op

import app.db

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

ROLES = ("officer", "supervisor", "coordinator", "provider_manager", "caseworker", "scrutiny", "offender", "victim")


def upgrade():
    op.create_table(
        "staff_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.Enum(*ROLES, name="invitation_role", native_enum=False, create_constraint=True,
                                  length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_staff_invitations_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_staff_invitations_team_id_teams")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_staff_invitations_created_by_id_users")),
        sa.ForeignKeyConstraint(["used_by_id"], ["users.id"], name=op.f("fk_staff_invitations_used_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_invitations_token_hash")),
        sa.UniqueConstraint("public_id", name=op.f("uq_staff_invitations_public_id")),
    )
    with op.batch_alter_table("staff_invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_invitations_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_invitations_email"), ["email"], unique=False)


def downgrade():
    with op.batch_alter_table("staff_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_invitations_email"))
        batch_op.drop_index(batch_op.f("ix_staff_invitations_organisation_id"))
    op.drop_table("staff_invitations")
