"""Writing and verifying the audit log: an HMAC-SHA256 chain keyed with AUDIT_KEY, which the database never holds.

Whoever can write the database but lacks the key cannot recompute a MAC after changing, adding or removing a row.
Cutting the end of the log and moving the head back leaves a valid chain, so the operator keeps checkpoints (the
head's sequence and MAC, `flask audit checkpoint`) off the database and verifies against one (`--since`).

`record()` only buffers the row in the session; the transaction's rows are chained in one go just before it
commits. Chaining bumps the single head row first, which takes its row lock on PostgreSQL (the write lock on
SQLite), so no two transactions chain onto the same predecessor, and the lock is held from the chaining to the
commit only: a job that writes thousands of rows over minutes does not hold every web request's audit write.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC

from flask import current_app
from sqlalchemy import event, insert, select, update

from app import clock
from app.audit.models import AuditEvent, AuditHead
from app.extensions import db

GENESIS = "0" * 64
PENDING = "audit_pending"
CHECKPOINT = re.compile(r"^(\d+):([0-9a-f]{64})$")


def _content(occurred_at, actor_id, action, object_type, object_id, purpose, detail, recipients) -> str:
    """A row's content in one canonical form (everything but its place in the chain)."""
    return json.dumps({
        "at": occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "actor": actor_id, "action": action,
        "object": [object_type, object_id], "purpose": purpose, "detail": detail or {}, "recipients": recipients or [],
    }, sort_keys=True, separators=(",", ":"))


def _link(seq: int, prev: str, content: str) -> str:
    message = f"{seq}:{prev}:{content}".encode()
    return hmac.new(current_app.config["AUDIT_KEY"].encode(), message, hashlib.sha256).hexdigest()


def _mac(row: AuditEvent) -> str:
    return _link(row.seq, row.prev_hash, _content(row.occurred_at, row.actor_id, row.action, row.object_type,
                                                  row.object_id, row.purpose, row.detail, row.recipients))


def record(action: str, *, actor=None, obj=None, object_type: str | None = None, object_id: str | None = None,
           purpose: str | None = None, detail: dict | None = None, recipients: list | None = None) -> None:
    """Append one audit row. `obj` is any model with a public_id; never put personal data in `detail`."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = str(obj.public_id)
    _append(actor, [{"action": action, "object_type": object_type, "object_id": object_id, "purpose": purpose,
                     "detail": detail or {}, "recipients": recipients or []}])


def record_many(action: str, objs: list, *, actor=None, purpose: str | None = None) -> None:
    """Append one row per object for the same action (the cases a page shows)."""
    _append(actor, [{"action": action, "object_type": obj.__tablename__, "object_id": str(obj.public_id),
                     "purpose": purpose, "detail": {}, "recipients": []} for obj in objs])


def _append(actor, rows: list[dict]) -> None:
    # The actor is kept, not its id: a user created in this transaction has an id only once it is flushed. A proxy
    # (current_user) is resolved now: by the commit it may be someone else, or anonymous after a sign-out.
    actor = actor._get_current_object() if hasattr(actor, "_get_current_object") else actor
    at = clock.now()
    session = db.session()
    if not session.in_transaction():
        session.begin()  # the rows belong to a transaction, and are dropped with it if it does not commit
    session.info.setdefault(PENDING, []).extend((actor, at, values) for values in rows)


def _chain(session) -> None:
    """Chain the transaction's buffered rows onto the log: three statements, however many rows. All but the
    links is worked out before the head is locked, so the lock is held for the least time."""
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    session.flush()  # the transaction's other writes (and any lock waits) come first; actors now have ids
    rows = [{"occurred_at": at, "actor_id": getattr(actor, "id", None), **values} for actor, at, values in pending]
    contents = [_content(**row) for row in rows]
    last, prev = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq).returning(AuditHead.seq,
                                                                                        AuditHead.last_hash)
    ).one()
    for seq, (row, content) in enumerate(zip(rows, contents, strict=True), start=last + 1):
        row |= {"seq": seq, "prev_hash": prev}
        row["hash"] = prev = _link(seq, row["prev_hash"], content)
    session.execute(insert(AuditEvent.__table__), rows)  # one statement
    # One forward move (the head's guard refuses any other change).
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=last + len(rows), last_hash=prev))


def _discard(session, transaction) -> None:
    """Rows of a transaction that ended without committing (rolled back, or its session closed) are dropped."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def _chain_before_reading(state) -> None:
    """A transaction that reads the log sees its own rows (tests and verify do)."""
    if state.is_select and PENDING in state.session.info and any(
            m.class_ in (AuditEvent, AuditHead) for m in state.all_mappers):
        _chain(state.session)


event.listen(db.session, "before_commit", _chain)
event.listen(db.session, "after_transaction_end", _discard)
event.listen(db.session, "do_orm_execute", _chain_before_reading)


def checkpoint() -> str:
    """The head as "sequence:mac", for the operator to keep off the database."""
    head = db.session.get(AuditHead, 1)
    return f"{head.seq}:{head.last_hash}"


def parse_checkpoint(value: str) -> tuple[int, str]:
    if not (match := CHECKPOINT.match(value.strip().lower())):
        raise ValueError("a checkpoint is the sequence number, a colon and 64 hexadecimal characters")
    return int(match[1]), match[2]


@dataclass
class VerifyResult:
    checked: int
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify(batch: int = 5000, since: tuple[int, str] | None = None) -> VerifyResult:
    """Walk the chain in order; report the first row whose MAC, link or sequence does not hold. With a checkpoint
    (sequence, MAC), the row at that sequence must also still be there and hold that MAC."""
    prev, expected_seq, checked = GENESIS, 1, 0
    while True:
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.seq >= expected_seq).order_by(AuditEvent.seq).limit(batch)
        ).all()
        for row in rows:
            if row.seq != expected_seq:
                return VerifyResult(checked, expected_seq, f"row {expected_seq} is missing")
            if row.prev_hash != prev:
                return VerifyResult(checked, row.seq, f"row {row.seq} does not link to row {row.seq - 1}")
            if _mac(row) != row.hash:
                return VerifyResult(checked, row.seq, f"row {row.seq} was changed after it was written")
            if since and row.seq == since[0] and not hmac.compare_digest(row.hash, since[1]):
                return VerifyResult(checked, row.seq, f"row {row.seq} does not match the checkpoint")
            prev, expected_seq, checked = row.hash, row.seq + 1, checked + 1
        db.session.expunge_all()
        if len(rows) < batch:
            break
    if since and since[0] > expected_seq - 1:
        return VerifyResult(checked, expected_seq, f"the checkpoint's row {since[0]} is missing: the log ends at "
                                                   f"row {expected_seq - 1}")
    if since and since[0] == 0 and since[1] != GENESIS:
        return VerifyResult(checked, 0, "the checkpoint does not match an empty log's start")
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.last_hash != prev):
        return VerifyResult(checked, expected_seq, f"the chain ends at row {expected_seq - 1} but the head "
                                                   f"records row {head.seq}: rows were removed from the end")
    return VerifyResult(checked)
