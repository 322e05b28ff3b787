"""Cases with a reachable person, built through the services, for the notification tests."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app import clock
from app.cases import corrections
from app.extensions import db
from app.notifications.models import Notification, NotificationStatus
from tests import factories

PHONE, EMAIL = "07700 900456", "sam.lee@example.org"


def london(*args) -> datetime:
    return datetime(*args, tzinfo=clock.LONDON)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def case_for(channel: str = "sms", *, opt_out: bool = False, **issued_args):
    """An issued case whose person chose `channel`, with an accepted referral."""
    officer = factories.user("officer-north")
    case = factories.issued(officer, **issued_args)
    corrections.correct_contact_details(case, case.offender, {
        "phone": PHONE, "email": EMAIL, "preferred_channel": channel, "reminders_opt_out": opt_out}, by=officer)
    return case, factories.accepted(case)


def rows(**where) -> list[Notification]:
    query = select(Notification).order_by(Notification.next_attempt_at, Notification.id)
    for name, value in where.items():
        query = query.where(getattr(Notification, name) == value)
    return list(db.session.scalars(query))


def pending(template: str = "appointment_reminder") -> list[Notification]:
    return rows(template=template, status=NotificationStatus.PENDING)
