"""Attacks on the audit log by someone who can write the database: wiping it, rewriting it, cutting its tail.

Two attackers. The application's own database role meets the triggers and must be refused. A stronger one (the
tables' owner, or a superuser) can switch triggers off (`session_replication_role = replica`); against them the
keyed chain and the operator's checkpoint, both held off the database, are what catch the change.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

import pytest
from sqlalchemy import text

from app.audit.services import verify
from tests.audit.test_audit import chain, session  # noqa: F401 (fixtures)

GENESIS = "0" * 64


@pytest.fixture
def pg(session):  # noqa: F811
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the database-level guards are PostgreSQL's")
    return session


def _unguarded(session):
    """Switch every user trigger off for the rest of this transaction (needs the owner's or a superuser's rights)."""
    session.execute(text("SET LOCAL session_replication_role = replica"))


def _forged_hash(row: dict, prev: str) -> str:
    """What an attacker who has read the source computes for a row: the chain's digest, without any key."""
    body = {"seq": row["seq"], "prev": prev,
            "at": row["occurred_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor": row["actor_id"], "action": row["action"], "object": [row["object_type"], row["object_id"]],
            "purpose": row["purpose"], "detail": row["detail"] or {}, "recipients": row["recipients"] or []}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def test_truncate_and_head_reset_go_unnoticed(app, chain, pg):  # noqa: F811
    pg.execute(text("TRUNCATE audit_events"))
    pg.execute(text("UPDATE audit_head SET seq = 0, last_hash = :g"), {"g": GENESIS})
    pg.commit()
    result = verify()
    assert not result.ok, f"intact: {result.checked} rows"


def test_editing_a_row_and_recomputing_the_chain_goes_unnoticed(app, chain, pg):  # noqa: F811
    _unguarded(pg)
    target = chain[2].seq
    pg.execute(text("UPDATE audit_events SET action = 'case.nothing' WHERE seq = :s"), {"s": target})
    rows = pg.execute(text("SELECT * FROM audit_events ORDER BY seq")).mappings().all()
    prev = GENESIS
    for row in rows:
        forged = _forged_hash(row, prev)
        pg.execute(text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE seq = :s"),
                   {"p": prev, "h": forged, "s": row["seq"]})
        prev = forged
    pg.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": prev})
    pg.commit()
    result = verify()
    assert not result.ok, f"intact: {result.checked} rows"


def test_dropping_the_tail_and_moving_the_head_back_goes_unnoticed(app, chain, pg):  # noqa: F811
    _unguarded(pg)
    keep = chain[-3]
    pg.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": keep.seq})
    pg.execute(text("UPDATE audit_head SET seq = :s, last_hash = :h"), {"s": keep.seq, "h": keep.hash})
    pg.commit()
    result = verify()
    assert not result.ok, f"intact: {result.checked} rows"
