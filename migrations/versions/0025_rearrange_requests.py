"""Rearrange requests: the person cautioned asks to change an appointment; the provider decides

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 23:15:00

"""
import sqlalchemy as sa
from alembic import op

import app.db

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rearrange_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("open_for_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.Enum("open", "rearranged", "declined", name="rearrange_status", native_enum=False,
                                    create_constraint=True, length=32), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("suits", sa.String(length=500), nullable=True),
        sa.Column("asked_by_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.String(length=2000), nullable=True),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointments.id"],
                                name=op.f("fk_rearrange_requests_appointment_id_appointments")),
        sa.ForeignKeyConstraint(["asked_by_id"], ["users.id"], name=op.f("fk_rearrange_requests_asked_by_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_rearrange_requests_decided_by_id_users")),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"],
                                name=op.f("fk_rearrange_requests_referral_id_referrals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rearrange_requests")),
        sa.UniqueConstraint("open_for_id", name=op.f("uq_rearrange_requests_open_for_id")),
        sa.UniqueConstraint("public_id", name=op.f("uq_rearrange_requests_public_id")),
    )
    with op.batch_alter_table("rearrange_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rearrange_requests_appointment_id"), ["appointment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rearrange_requests_referral_id"), ["referral_id"], unique=False)


def downgrade():
    with op.batch_alter_table("rearrange_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rearrange_requests_referral_id"))
        batch_op.drop_index(batch_op.f("ix_rearrange_requests_appointment_id"))
    op.drop_table("rearrange_requests")
