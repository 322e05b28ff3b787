"""Raising and clearing flags. A flag asks the officer to look at something; it never changes the case's status and
never records a breach (that is a person's decision, recorded later).

A flag's key names its cause ("missed_appointment:<appointment>"): raising it again while it is open is a no-op,
whoever raises it (a service, the sweep, two sweeps at once), so each cause is one flag and one message to the
officer. A flag whose cause went is cleared; if the cause comes back (an outcome corrected back to "did not
attend") the same flag opens again. Flushes; never commits.

`raise_flag` raises one; `raise_many` is the sweep's bulk form of it, built from the same pieces (the row, the
timeline event, the audit row and the officer's message), so both paths write the same keys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import insert, update
from sqlalchemy.dialects import postgresql, sqlite

from app import clock
from app.audit import services as audit
from app.compliance import facts
from app.compliance.models import FactKind, Flag, FlagKind, FlagStatus
from app.extensions import db
from app.notifications.services import notify_staff, staff_rows, write
from app.people.models import CHANNELS
from app.timeline.models import Audience, TimelineEvent
from app.timeline.services import record as timeline

TEMPLATE = "flag_raised"
# The flags a case keeps after it ends: a victim's update still owed, a financial penalty not paid.
OUTLIVE_THE_CASE = (FlagKind.VICTIM_UPDATE_LATE, FlagKind.PENALTY_UNPAID)
MEDIUM_WORDS = {medium: CHANNELS[medium].lower() for medium in ("email", "sms")}


@dataclass(frozen=True)
class Cause:
    """One flag to raise: what the sweep finds, or a service knows, about its case and its cause."""

    case_id: int
    case_public_id: uuid.UUID
    reference: str
    officer_id: int
    officer_email: str | None
    kind: FlagKind
    key: str
    reason: str
    appointment_id: int | None = None
    referral_id: int | None = None
    condition_id: int | None = None


def _upsert(values: list[dict]):
    """Insert the flags whose keys are new, and open again those that were cleared; an open one is left alone.
    Returning, the flags raised now (inserted or opened again)."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(Flag).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"], where=Flag.status == FlagStatus.CLEARED,
        set_={"status": FlagStatus.OPEN, "reason": stmt.excluded.reason, "raised_at": stmt.excluded.raised_at,
              "cleared_at": None, "cleared_because": None})
    return stmt


def _values(cause: Cause, now) -> dict:
    return {"public_id": uuid.uuid4(), "key": cause.key, "case_id": cause.case_id, "kind": cause.kind,
            "reason": cause.reason[:300], "appointment_id": cause.appointment_id, "referral_id": cause.referral_id,
            "condition_id": cause.condition_id, "status": FlagStatus.OPEN, "raised_at": now}


def _detail(public_id: uuid.UUID, cause: Cause) -> dict:
    """What the police timeline's words for a flag raised need (the police alone read it)."""
    return {"flag": str(public_id), "kind": cause.kind.value, "reason": cause.reason[:300]}


def message_key(public_id: uuid.UUID) -> str:
    return f"flag:{public_id}"


def personalisation(cause: Cause) -> dict:
    """What the officer's message may say: the case by its reference, the reason and where to look. Nothing
    about the person, the offence or a victim."""
    return {"reference": cause.reference, "reason": cause.reason,
            "link": f"{current_app.config['PORTAL_URL']}/cases/{cause.case_public_id}"}


def _staff_rows(cause: Cause, public_id: uuid.UUID) -> list[dict]:
    """The rows `notify_staff` writes for one flag (in the portal, and by email when the officer has an address)."""
    return staff_rows(message_key(public_id), cause.officer_id, bool(cause.officer_email), TEMPLATE,
                      personalisation(cause), case_id=cause.case_id)


def _audit(public_id: uuid.UUID, cause: Cause) -> None:
    audit.record("flag.raise", object_type="flags", object_id=str(public_id), detail={"kind": cause.kind.value})


def cause_for(case, kind: FlagKind, key: str, reason: str, *, appointment=None, referral=None,
              condition=None) -> Cause:
    if appointment is not None and referral is None:
        referral = appointment.referral
    officer = case.officer
    return Cause(case.id, case.public_id, case.reference, officer.id, officer.email, FlagKind(kind), key, reason,
                 getattr(appointment, "id", None), getattr(referral, "id", None), getattr(condition, "id", None))


def raise_flag(case, kind: FlagKind, key: str, reason: str, *, appointment=None, referral=None,
               condition=None) -> Flag | None:
    """Raise the flag `key` on `case`; the flag, when raised now (new, or opened again), else None. Only then
    does it go on the police timeline and the audit log, with one message to the case's officer."""
    referral = referral if referral is not None else getattr(appointment, "referral", None)
    cause = cause_for(case, kind, key, reason, appointment=appointment, referral=referral, condition=condition)
    flag = db.session.scalars(_upsert([_values(cause, clock.now())]).returning(Flag),
                              execution_options={"populate_existing": True}).first()
    if flag is None:
        return None
    timeline(case, "flag_raised", referral=referral, **_detail(flag.public_id, cause))
    _audit(flag.public_id, cause)
    facts.record(case, FactKind.FLAG, cause.kind.value)
    notify_staff(case.officer, message_key(flag.public_id), TEMPLATE, personalisation(cause), case_id=case.id)
    return flag


def raise_many(causes: list[Cause]) -> int:
    """The bulk form of `raise_flag`, for the sweep: a few statements per 500 flags, whatever their number.
    Returns how many were raised now."""
    now, raised = clock.now(), 0
    for start in range(0, len(causes), 500):
        chunk = {cause.key: cause for cause in causes[start:start + 500]}
        done = db.session.execute(_upsert([_values(c, now) for c in chunk.values()])
                                  .returning(Flag.id, Flag.public_id, Flag.key)).all()
        if not done:
            continue
        events, messages = [], []
        for _, public_id, key in done:
            cause = chunk[key]
            events.append({"case_id": cause.case_id, "occurred_at": now, "actor_id": None, "kind": "flag_raised",
                           "detail": _detail(public_id, cause), "audiences": int(Audience.POLICE),
                           "victim_id": None, "referral_id": cause.referral_id, "corrects_id": None})
            messages += _staff_rows(cause, public_id)
            _audit(public_id, cause)
        db.session.execute(insert(TimelineEvent), events)
        write(messages)
        facts.record_many([facts.Decision(chunk[key].case_id, FactKind.FLAG, chunk[key].kind.value)
                           for _, _, key in done])
        raised += len(done)
    return raised


def clear_flags(case_id: int | None = None, *, key: str | None = None, kind: FlagKind | None = None,
                appointment_id: int | None = None, referral_id: int | None = None, because: str) -> int:
    """Clear the open flags that match (every criterion given must hold); return how many."""
    query = update(Flag).where(Flag.status == FlagStatus.OPEN)
    criteria = {Flag.case_id: case_id, Flag.key: key, Flag.kind: kind, Flag.appointment_id: appointment_id,
                Flag.referral_id: referral_id}
    if all(value is None for value in criteria.values()):
        raise ValueError("clear_flags needs at least one criterion")
    for column, value in criteria.items():
        if value is not None:
            query = query.where(column == value)
    return _cleared(query, because)


def clear_where(*conditions, because: str) -> int:
    """Clear the open flags matching SQL conditions (the sweep's form of `clear_flags`)."""
    return _cleared(update(Flag).where(Flag.status == FlagStatus.OPEN, *conditions), because)


def _cleared(query, because: str) -> int:
    result = db.session.execute(query.values(status=FlagStatus.CLEARED, cleared_at=clock.now(),
                                             cleared_because=because[:300])
                                .execution_options(synchronize_session="fetch"))
    return result.rowcount


def not_reaching(case, person, medium: str, address_hash: str, *, victim: bool = False) -> Flag | None:
    """Messages to the person (or to a victim: their updates) are failing on one address: the officer should
    check their contact details."""
    words = MEDIUM_WORDS.get(medium, medium)
    what = "Updates are not reaching a victim" if victim else "Reminders are not reaching the person"
    return raise_flag(case, FlagKind.NOT_REACHING, f"not_reaching:{case.id}:{medium}:{address_hash}",
                      f"{what} by {words}: check their contact details")


def contact_corrected(case, medium: str) -> int:
    """A corrected number or address: the flag saying the old one did not work has lost its cause."""
    return clear_where(Flag.case_id == case.id, Flag.kind == FlagKind.NOT_REACHING,
                       Flag.key.startswith(f"not_reaching:{case.id}:{medium}:"),
                       because=f"the {MEDIUM_WORDS.get(medium, medium)} contact was corrected")
