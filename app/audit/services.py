"""Writing and verifying the hash-chained audit log.

Writers first bump the single head row (UPDATE ... RETURNING): that takes the row lock on PostgreSQL and the
write lock on SQLite, so two transactions can never chain onto the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import select, update

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
           purpose: str | None = None, detail: dict | None = None, recipients: list | None = None) -> AuditEvent:
    """Append one audit row. `obj` is any model with a public_id; never put personal data in `detail`."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = str(obj.public_id)
    seq, prev = db.session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.last_hash)
    ).one()
    row = AuditEvent(
        seq=seq, occurred_at=clock.now(), actor_id=getattr(actor, "id", None), action=action,
        object_type=object_type, object_id=object_id, purpose=purpose, detail=detail or {},
        recipients=recipients or [], prev_hash=prev,
    )
    row.hash = _digest(row)
    db.session.add(row)
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=row.hash))
    db.session.flush()
    return row


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
