"""Writing and verifying the hash-chained audit log.

Writers first bump the single head row (UPDATE ... RETURNING): that takes the row lock on PostgreSQL and the
write lock on SQLite, so two transactions can never chain onto the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import insert, select, update

from app import clock
from app.audit.models import AuditEvent, AuditHead
from app.extensions import db

GENESIS = "0" * 64


def _digest(row: AuditEvent) -> str:
    body = {
        "seq": row.seq,
        "prev": row.prev_hash,
        "at": row.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": row.actor_id,
        "action": row.action,
        "object": [row.object_type, row.object_id],
        "purpose": row.purpose,
        "detail": row.detail or {},
        "recipients": row.recipients or [],
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def record(action: str, *, actor=None, obj=None, object_type: str | None = None, object_id: str | None = None,
           purpose: str | None = None, detail: dict | None = None, recipients: list | None = None) -> None:
    """Append one audit row. `obj` is any model with a public_id; never put personal data in `detail`."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = str(obj.public_id)
    _append(actor, [{"action": action, "object_type": object_type, "object_id": object_id, "purpose": purpose,
                     "detail": detail or {}, "recipients": recipients or []}])


def record_many(action: str, objs: list, *, actor=None, purpose: str | None = None) -> None:
    """Append one row per object for the same action (the cases a page shows), in the same three statements as
    one row, however many there are."""
    _append(actor, [{"action": action, "object_type": obj.__tablename__, "object_id": str(obj.public_id),
                     "purpose": purpose, "detail": {}, "recipients": []} for obj in objs])


def _append(actor, rows: list[dict]) -> None:
    """Chain `rows` onto the log: move the head by their number, insert them in one statement, record the hash."""
    if not rows:
        return
    last, prev = db.session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + len(rows))
        .returning(AuditHead.seq, AuditHead.last_hash)
    ).one()
    at, chained = clock.now(), []
    for seq, values in enumerate(rows, start=last - len(rows) + 1):
        row = AuditEvent(seq=seq, occurred_at=at, actor_id=getattr(actor, "id", None), prev_hash=prev, **values)
        row.hash = prev = _digest(row)
        chained.append({c: getattr(row, c) for c in (*values, "seq", "occurred_at", "actor_id", "prev_hash", "hash")})
    db.session.execute(insert(AuditEvent).execution_options(render_nulls=True), chained)  # one statement
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=prev))
    db.session.flush()


@dataclass
class VerifyResult:
    checked: int
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify(batch: int = 5000) -> VerifyResult:
    """Walk the chain in order; report the first row whose hash, link or sequence does not hold."""
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
            if _digest(row) != row.hash:
                return VerifyResult(checked, row.seq, f"row {row.seq} was changed after it was written")
            prev, expected_seq, checked = row.hash, row.seq + 1, checked + 1
        db.session.expunge_all()
        if len(rows) < batch:
            break
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.last_hash != prev):
        return VerifyResult(checked, expected_seq, f"the chain ends at row {expected_seq - 1} but the head "
                                                   f"records row {head.seq}: rows were removed from the end")
    return VerifyResult(checked)
