"""Attacks on the audit log by someone who can write the database: wiping it, rewriting it, cutting its tail.

Two attackers. The application's own database role meets the triggers and must be refused. A stronger one (the
tables' owner, or a superuser) can switch triggers off (`session_replication_role = replica`); against them the
keyed chain and the operator's checkpoint, both held off the database, are what catch the change.
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError

from app.audit import services as audit
from app.audit.models import AuditEvent
from app.audit.services import checkpoint, parse_checkpoint, verify
from app.extensions import db
from tests.audit.test_audit import _main_case, chain, session  # noqa: F401 (fixtures)

GENESIS = "0" * 64


@pytest.fixture
def pg(session):  # noqa: F811
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the database-level guards are PostgreSQL's")
    return session


def _unguarded(tx):
    """Switch every user trigger off for the rest of this transaction (needs the owner's or a superuser's rights).
    SQLite has no triggers to switch off."""
    if tx.get_bind().dialect.name == "postgresql":
        tx.execute(text("SET LOCAL session_replication_role = replica"))


def _forged_hash(row: dict, prev: str) -> str:
    """What an attacker who has read the source computes for a row: the chain's digest, without any key."""
    body = {"seq": row["seq"], "prev": prev,
            "at": row["occurred_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor": row["actor_id"], "action": row["action"], "object": [row["object_type"], row["object_id"]],
            "purpose": row["purpose"], "detail": row["detail"] or {}, "recipients": row["recipients"] or []}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _refused(tx, sql: str, match: str, **params) -> None:
    with pytest.raises(DBAPIError, match=match):
        tx.execute(text(sql), params)
    tx.rollback()


# --- the application's own role meets the triggers (PostgreSQL) ------------------------------------------------


def test_the_log_and_its_head_cannot_be_wiped_or_moved_back(app, chain, pg):  # noqa: F811
    last, before = chain[-1], chain[-3]
    _refused(pg, "TRUNCATE audit_events", "append-only")
    _refused(pg, "TRUNCATE audit_head", "only moves forward")
    _refused(pg, "DELETE FROM audit_head", "only moves forward")
    _refused(pg, "INSERT INTO audit_head (id, seq, last_hash) VALUES (2, 0, :g)", "only moves forward", g=GENESIS)
    _refused(pg, "UPDATE audit_head SET seq = 0, last_hash = :g", "only moves forward", g=GENESIS)
    _refused(pg, "UPDATE audit_head SET seq = :s, last_hash = :h", "only moves forward", s=before.seq, h=before.hash)
    _refused(pg, "UPDATE audit_head SET last_hash = :h", "only moves forward", h=before.hash)  # same seq, other MAC
    _refused(pg, "UPDATE audit_head SET seq = seq + 1", "only moves forward")  # past the last row
    assert checkpoint() == f"{last.seq}:{last.hash}"
    assert verify().ok


# --- an attacker who gets past the triggers (or SQLite, which has none) --------------------------------------


def test_a_wiped_log_with_its_head_reset_fails_against_a_checkpoint(app, chain, session):  # noqa: F811
    kept = checkpoint()
    _unguarded(session)
    session.execute(text("DELETE FROM audit_events"))
    session.execute(text("UPDATE audit_head SET seq = 0, last_hash = :g"), {"g": GENESIS})
    session.commit()
    result = verify(since=parse_checkpoint(kept))
    assert not result.ok
    assert result.reason == f"the checkpoint's row {chain[-1].seq} is missing: the log ends at row 0"
    cli = app.test_cli_runner().invoke(args=["audit", "verify", "--since", kept])
    assert cli.exit_code != 0 and "Audit chain intact" not in cli.output
    # Without the checkpoint an empty log is all there is to see; the command says so.
    cli = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert "Audit chain intact: 0 row(s) checked." in cli.output and "No checkpoint given" in cli.output


def test_editing_a_row_and_recomputing_the_chain_without_the_key_fails(app, chain, session):  # noqa: F811
    target = chain[2].seq
    _unguarded(session)
    session.execute(text("UPDATE audit_events SET action = 'case.nothing' WHERE seq = :s"), {"s": target})
    rows = session.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq)).mappings().all()
    prev = GENESIS
    for row in rows:
        forged = _forged_hash(row, prev)
        session.execute(text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE seq = :s"),
                        {"p": prev, "h": forged, "s": row["seq"]})
        prev = forged
    session.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": prev})
    session.commit()
    result = verify()
    assert not result.ok
    assert result.broken_seq == 1  # no recomputed MAC holds, from the first row on
    assert result.reason == "row 1 was changed after it was written"


def test_dropping_the_tail_and_moving_the_head_back_fails_against_a_checkpoint(app, chain, session):  # noqa: F811
    kept, keep = checkpoint(), chain[-3]
    _unguarded(session)
    session.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": keep.seq})
    session.execute(text("UPDATE audit_head SET seq = :s, last_hash = :h"), {"s": keep.seq, "h": keep.hash})
    session.commit()
    assert verify().ok  # a shorter chain is still a valid chain: only the anchor tells
    result = verify(since=parse_checkpoint(kept))
    assert not result.ok and result.checked == keep.seq
    assert result.reason == f"the checkpoint's row {chain[-1].seq} is missing: the log ends at row {keep.seq}"


# --- checkpoints -----------------------------------------------------------------------------------------------


def test_checkpoint_prints_the_head_and_verify_since_accepts_it(app, chain):  # noqa: F811
    runner = app.test_cli_runner()
    printed = runner.invoke(args=["audit", "checkpoint"])
    assert printed.exit_code == 0, printed.output
    assert printed.output.strip() == f"{chain[-1].seq}:{chain[-1].hash}"
    result = runner.invoke(args=["audit", "verify", "--since", printed.output.strip()])
    assert result.exit_code == 0, result.output
    assert f"Audit chain intact: {len(chain)} row(s) checked." in result.output
    assert "No checkpoint given" not in result.output
    # An earlier checkpoint still holds as the log grows.
    earlier = f"{chain[1].seq}:{chain[1].hash}"
    assert runner.invoke(args=["audit", "checkpoint", "--since", earlier]).exit_code == 0


def test_verify_since_refuses_a_checkpoint_that_does_not_match(app, chain):  # noqa: F811
    runner = app.test_cli_runner()
    wrong = runner.invoke(args=["audit", "verify", "--since", f"{chain[1].seq}:{'a' * 64}"])
    assert wrong.exit_code != 0 and f"row {chain[1].seq} does not match the checkpoint" in wrong.output
    for malformed in ("12", "x:" + "a" * 64, "3:abc"):
        result = runner.invoke(args=["audit", "verify", "--since", malformed])
        assert result.exit_code == 2 and "a checkpoint is the sequence number" in result.output


# --- the head lock ---------------------------------------------------------------------------------------------


def test_a_job_mid_run_does_not_block_a_web_requests_audit_write(app, login_as):
    """The job has written thousands of audit rows and not yet committed; a case view must still write its own
    row. The request's connection gives up on any lock after a second, so a wait is a failure, not a slow test."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has one write lock for the whole database")
        engine = db.engine
    client = login_as("officer-north")
    public_id, _ = _main_case(app)
    mid_run, finish, done = threading.Event(), threading.Event(), []

    def job():
        with app.app_context():
            for i in range(3000):
                audit.record("test.job_row", detail={"i": i})
                if i % 500 == 499:
                    db.session.flush()
            mid_run.set()
            finish.wait(30)
            db.session.commit()
            done.append(True)
            db.session.remove()

    main = threading.current_thread()

    def lock_timeout(dbapi_conn, record, proxy):
        if threading.current_thread() is main:
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SET lock_timeout = '1s'")
            dbapi_conn.commit()

    worker = threading.Thread(target=job)
    event.listen(engine, "checkout", lock_timeout)
    try:
        worker.start()
        assert mid_run.wait(60)
        assert client.get(f"/cases/{public_id}").status_code == 200
    finally:
        event.remove(engine, "checkout", lock_timeout)
        finish.set()
        worker.join(60)
        engine.dispose()  # no connection keeps the test's lock_timeout
    assert done == [True]
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert actions[-3001] == "case.view" and actions[-3000:] == ["test.job_row"] * 3000
        assert verify().ok
        db.session.remove()
