"""Structured columns are JSONB on PostgreSQL

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:20:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Every JSON column at revision 0007. SQLite has one JSON type, so there is nothing to do there.
COLUMNS = (
    ('audit_events', 'detail'), ('audit_events', 'recipients'),
    ('cases', 'pre_issue'),
    ('needs_assessments', 'levels'),
    ('referrals', 'dataset'),
    ('screenings', 'answers'), ('screenings', 'reasons'), ('screenings', 'needs_approval'),
    ('services', 'areas'), ('services', 'delivery_modes'),
    ('timeline_events', 'detail'),
    ('user_sessions', 'data'),
    ('victim_views', 'attempts'),
)


def _convert(old, new, cast):
    if op.get_bind().dialect.name != 'postgresql':
        return
    # ALTER ... TYPE rewrites the table; it fires no row triggers, so audit_events stays append-only throughout.
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=new, existing_type=old, postgresql_using=f'{column}::{cast}')


def upgrade():
    _convert(sa.JSON(), postgresql.JSONB(), 'jsonb')


def downgrade():
    _convert(postgresql.JSONB(), sa.JSON(), 'json')
