"""The audit chain keyed with AUDIT_KEY (HMAC-SHA256); PostgreSQL refuses TRUNCATE of the log and any change to
its head but a move forward onto the last row

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 14:00:00

"""
import hashlib
import hmac
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op
from flask import current_app
from sqlalchemy.dialects import postgresql

from app.db import UTCDateTime

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
EVENTS = sa.table(
    "audit_events", sa.column("seq", sa.Integer), sa.column("occurred_at", UTCDateTime()),
    sa.column("actor_id", sa.Integer), sa.column("action", sa.String), sa.column("object_type", sa.String),
    sa.column("object_id", sa.String), sa.column("purpose", sa.String), sa.column("detail", JSON_DOCUMENT),
    sa.column("recipients", JSON_DOCUMENT), sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
HEAD = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("seq", sa.Integer),
                sa.column("last_hash", sa.String))


def _digest(row, prev: str, key: bytes | None) -> str:
    """The chain's link as of this revision: before it, plain SHA-256 of the row's content with its sequence and
    predecessor in one document; from it, HMAC-SHA256 of "sequence:predecessor:content"."""
    content = {"at": row.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "actor": row.actor_id,
               "action": row.action, "object": [row.object_type, row.object_id], "purpose": row.purpose,
               "detail": row.detail or {}, "recipients": row.recipients or []}
    if key is None:
        return hashlib.sha256(json.dumps(content | {"seq": row.seq, "prev": prev}, sort_keys=True,
                                         separators=(",", ":")).encode()).hexdigest()
    message = f"{row.seq}:{prev}:{json.dumps(content, sort_keys=True, separators=(',', ':'))}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _rows(conn, batch: int = 2000):
    after = 0
    while rows := conn.execute(sa.select(EVENTS).where(EVENTS.c.seq > after).order_by(EVENTS.c.seq)
                               .limit(batch)).all():
        yield from rows
        after = rows[-1].seq


def _rechain(conn, old_key: bytes | None, new_key: bytes | None) -> None:
    """Check the whole chain under the old scheme, then rewrite every link under the new one. A broken chain
    stops the upgrade before anything is rewritten: re-keying it would launder the tampering."""
    prev, last = GENESIS, 0
    for row in _rows(conn):
        if row.seq != last + 1 or row.prev_hash != prev or _digest(row, prev, old_key) != row.hash:
            raise RuntimeError(f"the audit chain is broken at row {last + 1}; it cannot be re-keyed")
        prev, last = row.hash, row.seq
    if tuple(conn.execute(sa.select(HEAD.c.seq, HEAD.c.last_hash).where(HEAD.c.id == 1)).one()) != (last, prev):
        raise RuntimeError(f"the audit head does not record the last row ({last}); the chain cannot be re-keyed")
    prev = GENESIS
    for row in _rows(conn):
        new = _digest(row, prev, new_key)
        conn.execute(EVENTS.update().where(EVENTS.c.seq == row.seq).values(prev_hash=prev, hash=new))
        prev = new
    conn.execute(HEAD.update().where(HEAD.c.id == 1).values(last_hash=prev))


def upgrade():
    conn = op.get_bind()
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    _rechain(conn, None, current_app.config["AUDIT_KEY"].encode())
    if not postgres:
        return  # SQLite (development): the keyed chain and checkpoints only
    op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
    op.execute("""
        CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
    """)
    # The head may only move forward, and only onto the row that is really last (no inserts or deletes either).
    op.execute("""
        CREATE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                IF NEW.id = OLD.id AND (
                    (NEW.seq, NEW.last_hash) = (OLD.seq, OLD.last_hash)  -- the writers' lock-taking no-op
                    OR (NEW.seq > OLD.seq AND NEW.last_hash = (SELECT hash FROM audit_events WHERE seq = NEW.seq)
                        AND NOT EXISTS (SELECT 1 FROM audit_events WHERE seq > NEW.seq))
                ) THEN
                    RETURN NEW;
                END IF;
            END IF;
            RAISE EXCEPTION 'audit_head only moves forward, onto the last audit row';
        END $$;
    """)
    op.execute("""
        CREATE TRIGGER audit_head_forward_only BEFORE INSERT OR UPDATE OR DELETE ON audit_head
        FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only();
    """)
    op.execute("""
        CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
        FOR EACH STATEMENT EXECUTE FUNCTION audit_head_forward_only();
    """)


def downgrade():
    conn = op.get_bind()
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head")
        op.execute("DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_head")
        op.execute("DROP FUNCTION IF EXISTS audit_head_forward_only()")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    _rechain(conn, current_app.config["AUDIT_KEY"].encode(), None)
    if postgres:
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
