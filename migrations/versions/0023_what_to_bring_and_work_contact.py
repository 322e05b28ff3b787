"""What to bring to an appointment (and to a group session, for every place in it); staff's work phone and hours

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 23:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("what_to_bring", sa.String(length=200), nullable=True))
    with op.batch_alter_table("group_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("what_to_bring", sa.String(length=200), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("work_phone", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("work_hours", sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("work_hours")
        batch_op.drop_column("work_phone")
    with op.batch_alter_table("group_sessions", schema=None) as batch_op:
        batch_op.drop_column("what_to_bring")
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_column("what_to_bring")
