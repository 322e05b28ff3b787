"""Writing to the outbox. Services and jobs call these inside the transaction of the change that caused the
message; nothing is sent here. A key already written is left as it is (insert-or-ignore), so the same reminder
can be planned any number of times, by any number of processes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app import clock
from app.extensions import db
from app.notifications.models import Audience, Notification, NotificationStatus
from app.notifications.timings import after_quiet_hours


def _insert():
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(Notification.__table__).on_conflict_do_nothing(index_elements=["key"])


def row(key: str, *, audience: Audience, template: str, medium: str, personalisation: dict,
        due_at: datetime | None = None, person_id: int | None = None, user_id: int | None = None,
        case_id: int | None = None, provider_id: int | None = None, appointment_id: int | None = None) -> dict:
    """One outbox row, ready for `write`. A text message due in quiet hours waits until they end."""
    now = clock.now()
    due = max(due_at or now, now)
    if medium == "sms":
        due = after_quiet_hours(due)
    return {"key": key, "audience": audience, "template": template, "medium": medium,
            "personalisation": personalisation, "next_attempt_at": due, "person_id": person_id, "user_id": user_id,
            "case_id": case_id, "provider_id": provider_id, "appointment_id": appointment_id, "created_at": now,
            "status": NotificationStatus.PENDING, "attempts": 0}


def write(rows: list[dict]) -> int:
    """Write the rows whose keys are new; return how many were. Per 500 rows: one read of the keys already
    written, then one batched insert-or-ignore of the new ones, for a key another process wrote in between;
    RETURNING counts only the rows this call really inserted."""
    if not rows:
        return 0
    written = 0
    # In key order, so two planners writing overlapping rows take the key locks in the same order (no deadlock).
    rows = sorted(rows, key=lambda r: r["key"])
    for start in range(0, len(rows), 500):
        chunk = rows[start:start + 500]
        known = set(db.session.scalars(select(Notification.key).where(
            Notification.key.in_([r["key"] for r in chunk]))))
        new = [r | {"public_id": uuid.uuid4()} for r in chunk if r["key"] not in known]
        if new:
            written += len(db.session.execute(_insert().returning(Notification.__table__.c.id), new).all())
    return written


def cancel_pending(*, appointments=None, case_id: int | None = None,
                   key_prefix: str | tuple[str, ...] | None = None) -> int:
    """Cancel what has not gone yet and matches every criterion given: `appointments` (ids, or a query of them)
    when they move, are cancelled or their service ends; a case's; keys starting with `key_prefix` (one, or any of
    several)."""
    query = update(Notification).where(Notification.status == NotificationStatus.PENDING)
    if appointments is not None:
        query = query.where(Notification.appointment_id.in_(appointments))
    if case_id is not None:
        query = query.where(Notification.case_id == case_id)
    if key_prefix is not None:
        prefixes = (key_prefix,) if isinstance(key_prefix, str) else key_prefix
        query = query.where(or_(*(Notification.key.startswith(p, autoescape=True) for p in prefixes)))
    result = db.session.execute(query.values(status=NotificationStatus.CANCELLED, last_error="no longer needed")
                                .execution_options(synchronize_session="fetch"))
    return result.rowcount


def for_case(case_id: int, *, provider_id: int | None = None) -> list[Notification]:
    """The messages about a case, newest first; a provider sees only those about its own appointments."""
    query = select(Notification).where(Notification.case_id == case_id, Notification.medium != "in_app")
    if provider_id is not None:
        query = query.where(Notification.provider_id == provider_id)
    return list(db.session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())))


def staff_rows(key: str, user_id: int, has_email: bool, template: str, personalisation: dict, **ids) -> list[dict]:
    """One message to a member of staff: in the portal, and by email when they have an address."""
    media = ["in_app", "email"] if has_email else ["in_app"]
    return [row(f"{key}:{medium}", audience=Audience.STAFF, template=template, medium=medium,
                personalisation=personalisation, user_id=user_id, **ids) for medium in media]


def notify_staff(user, key: str, template: str, personalisation: dict, *, case_id: int | None = None,
                 provider_id: int | None = None) -> int:
    return write(staff_rows(key, user.id, bool(user.email), template, personalisation, case_id=case_id,
                            provider_id=provider_id))


def for_case_page(case) -> list[Notification] | None:
    """The case page's list of messages: police only (None: the viewer may not see them)."""
    from flask_login import current_user

    from app import access

    return for_case(case.id) if access.is_police(current_user) else None


def unread(user, limit: int = 5) -> list[tuple[Notification, str]]:
    """A member of staff's in-portal messages not yet marked read, newest first, each with its subject."""
    from app.notifications import messages

    found = db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.medium == "in_app", Notification.read_at.is_(None),
        Notification.status != NotificationStatus.CANCELLED)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()
    return [(n, messages.render_for(n)[0]) for n in found]


def mark_read(user, public_id) -> Notification | None:
    n = db.session.scalar(select(Notification).where(Notification.public_id == public_id,
                                                     Notification.user_id == user.id,
                                                     Notification.medium == "in_app"))
    if n is not None and n.read_at is None:
        n.read_at = clock.now()
    return n
