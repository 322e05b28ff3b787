"""The audit log: what writes rows, how rows chain, and how verification catches tampering.

Tampering goes straight to the database with SQL (not through the ORM, which would re-hash nothing anyway). On
PostgreSQL the migration installs a trigger that refuses UPDATE and DELETE on audit_events, so `_tampering` disables
it for the length of the forgery and re-enables it in the same transaction.
"""

from __future__ import annotations

import itertools
import json
from contextlib import contextmanager

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from app import demo
from app.audit.models import AuditEvent, AuditHead
from app.audit.services import GENESIS, _mac, verify
from app.auth.models import User
from app.cases.models import Case
from app.extensions import db
from app.people.models import Person


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session
        db.session.rollback()
        db.session.remove()


def _rows(app) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


def _user_id(app, persona: str) -> int:
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.issuer == demo.IDENTITY,
                                                          User.subject == persona))
        db.session.remove()
    return user_id


def _main_case(app) -> tuple[str, Person]:
    with app.app_context():
        case = db.session.scalar(select(Case).join(Person, Case.offender_id == Person.id)
                                 .where(Person.given_name == "Jordan"))
        public_id, offender = str(case.public_id), case.offender
        db.session.expunge(offender)
        db.session.remove()
    return public_id, offender


@contextmanager
def _tampering(session):
    """A transaction in which audit_events may be changed behind the application's back."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
    try:
        yield
    finally:
        if postgres:
            session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
        session.commit()


@pytest.fixture
def chain(app, login_as):
    """A chain of some length: the demo data's rows, a sign-in and two case views."""
    client = login_as("officer-north")
    public_id, _ = _main_case(app)
    assert client.get(f"/cases/{public_id}").status_code == 200
    assert client.get(f"/cases/{public_id}").status_code == 200
    rows = _rows(app)
    assert len(rows) >= 5
    return rows


# --- what writes rows ------------------------------------------------------------------------------------------


def test_viewing_a_case_writes_an_audit_row(app, login_as):
    client = login_as("officer-north")
    public_id, offender = _main_case(app)
    before = len(_rows(app))
    page = client.get(f"/cases/{public_id}")
    assert page.status_code == 200
    new = _rows(app)[before:]
    assert [r.action for r in new] == ["case.view"]
    row = new[0]
    assert row.actor_id == _user_id(app, "officer-north")
    assert (row.object_type, row.object_id) == ("cases", public_id)
    assert row.purpose == "case management"
    # No personal data in the audit row: the offender's name and contact details appear nowhere in it.
    stored = json.dumps({"detail": row.detail, "recipients": row.recipients, "purpose": row.purpose,
                         "object": row.object_id})
    assert offender.full_name in page.get_data(as_text=True)  # the page shows it; the audit row must not
    for personal in (offender.given_name, offender.family_name, offender.address, offender.postcode, offender.phone):
        assert personal not in stored


def test_a_refused_case_view_writes_no_view_row(app, login_as):
    client = login_as("officer-south")
    public_id, _ = _main_case(app)  # a North team case
    before = len(_rows(app))
    assert client.get(f"/cases/{public_id}").status_code == 404
    assert [r.action for r in _rows(app)[before:]] == []


def test_sign_in_writes_an_audit_row(app, demo_data, login_as):
    before = len(_rows(app))
    login_as("coordinator")
    new = _rows(app)[before:]
    sign_ins = [r for r in new if r.action == "auth.sign_in"]
    assert len(sign_ins) == 1
    row = sign_ins[0]
    assert row.actor_id == demo_data["coordinator"]
    assert row.object_type == "users"
    assert row.detail == {"provider": "dev-staff"}
    assert "Dev Patel" not in json.dumps(row.detail) and "coordinator@example.org" not in json.dumps(row.detail)


def test_rows_of_a_transaction_that_does_not_commit_are_dropped(app, session):
    from app.audit import services as audit

    audit.record("test.rolled_back")
    session.rollback()
    audit.record("test.closed")
    session.close()
    audit.record("test.kept")
    session.commit()
    assert [r.action for r in _rows(app)] == ["test.kept"]
    assert verify().ok


# --- the chain -------------------------------------------------------------------------------------------------


def test_rows_chain(app, chain):
    assert [r.seq for r in chain] == list(range(1, len(chain) + 1))
    assert chain[0].prev_hash == GENESIS
    for previous, row in itertools.pairwise(chain):
        assert row.prev_hash == previous.hash, row.seq
    assert len({r.hash for r in chain}) == len(chain)
    with app.app_context():
        head = db.session.get(AuditHead, 1)
        assert (head.seq, head.last_hash) == (chain[-1].seq, chain[-1].hash)
        db.session.remove()


def test_verify_passes_on_an_intact_chain(app, chain, session):
    result = verify()
    assert result.ok and result.broken_seq is None and result.reason is None
    assert result.checked == len(chain)


def test_verify_works_across_batches(app, chain, session):
    result = verify(batch=2)
    assert result.ok and result.checked == len(chain)


def test_verify_passes_on_an_empty_log(app, session):
    assert verify().ok and verify().checked == 0


def test_editing_a_rows_detail_is_detected(app, chain, session):
    target = chain[2]
    with _tampering(session):
        session.execute(update(AuditEvent.__table__).where(AuditEvent.seq == target.seq)
                        .values(detail={"forged": True}))
    assert session.scalar(select(AuditEvent.detail).where(AuditEvent.seq == target.seq)) == {"forged": True}
    result = verify()
    assert not result.ok
    assert result.broken_seq == target.seq
    assert result.checked == target.seq - 1
    assert result.reason == f"row {target.seq} was changed after it was written"


def test_editing_a_row_with_raw_sql_is_detected(app, chain, session):
    target = chain[1]
    with _tampering(session):
        session.execute(text("UPDATE audit_events SET action = 'case.nothing' WHERE seq = :seq"), {"seq": target.seq})
    result = verify()
    assert (result.ok, result.broken_seq) == (False, target.seq)


def test_rehashing_an_edited_row_breaks_the_next_link(app, chain, session):
    """A forger who also rewrites the edited row's hash is caught by the next row's prev_hash."""
    target = chain[1]
    with _tampering(session):
        session.execute(update(AuditEvent.__table__).where(AuditEvent.seq == target.seq).values(hash="f" * 64))
    result = verify()
    assert result.broken_seq == target.seq  # its own digest no longer matches
    forged = AuditEvent(**{c.name: getattr(target, c.name) for c in AuditEvent.__table__.columns})
    forged.detail = {"forged": True}
    with _tampering(session):
        session.execute(update(AuditEvent.__table__).where(AuditEvent.seq == target.seq)
                        .values(detail=forged.detail, hash=_mac(forged)))
    session.expire_all()
    result = verify()
    assert result.broken_seq == target.seq + 1
    assert result.reason == f"row {target.seq + 1} does not link to row {target.seq}"


def test_deleting_the_last_row_is_detected(app, chain, session):
    last = chain[-1]
    with _tampering(session):
        session.execute(delete(AuditEvent.__table__).where(AuditEvent.seq == last.seq))
    result = verify()
    assert not result.ok
    assert result.checked == len(chain) - 1
    assert result.broken_seq == last.seq
    assert "rows were removed from the end" in result.reason


def test_deleting_a_middle_row_is_detected(app, chain, session):
    middle = chain[len(chain) // 2]
    with _tampering(session):
        session.execute(delete(AuditEvent.__table__).where(AuditEvent.seq == middle.seq))
    result = verify()
    assert not result.ok
    assert result.broken_seq == middle.seq
    assert result.reason == f"row {middle.seq} is missing"


# --- the CLI ---------------------------------------------------------------------------------------------------


def test_cli_verify_reports_an_intact_chain(app, chain):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"Audit chain intact: {len(chain)} row(s) checked." in result.output


def test_cli_verify_fails_naming_the_row(app, chain, session):
    target = chain[3]
    with _tampering(session):
        session.execute(update(AuditEvent.__table__).where(AuditEvent.seq == target.seq)
                        .values(detail={"forged": True}))
    session.remove()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"row {target.seq} was changed after it was written" in result.output
    assert "Audit chain intact" not in result.output


# --- PostgreSQL: the database itself refuses changes -----------------------------------------------------------


def test_postgresql_refuses_update_and_delete_of_audit_rows(app, chain, session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the append-only trigger is installed on PostgreSQL only")
    for statement in (text("UPDATE audit_events SET detail = '{}' WHERE seq = 1"),
                      text("DELETE FROM audit_events WHERE seq = 1")):
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(statement)
        session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == len(chain)
    assert verify().ok
