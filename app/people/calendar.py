"""Appointments in the person's own calendar (RFC 5545, via `icalendar`): one file per appointment, and a
private feed a phone calendar subscribes to.

An appointment keeps one UID for its life, so a calendar updates the event it already holds: each move raises
its SEQUENCE, and a cancellation is the same event with STATUS:CANCELLED (and one more SEQUENCE). The words are
the reminders' own (app/notifications/reminders.py): what, when, where or how to join, what to bring, and the
provider to call; nothing about the offence, the caution, a victim or the police.

The feed's address holds a random token (secrets.token_urlsafe(32)), shown once when it is made; only its
SHA-256 is kept. Making a new feed revokes the old one; a revoked or unknown token is a 404.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from app import access, clock
from app.audit import services as audit
from app.auth.models import User
from app.extensions import db
from app.notifications.reminders import appointment_details
from app.people.models import CalendarFeed
from app.referrals.models import Appointment, AppointmentStatus, Referral

PRODID = "-//Resolve//Appointments//EN"
MODES_LOCATION = {"phone": "By phone", "video": "By video call"}


def uid(appointment: Appointment) -> str:
    return f"{appointment.public_id}@resolve"


def sequence(appointment: Appointment) -> int:
    """0 as booked; one more for each move and for a cancellation (RFC 5545 3.8.7.4)."""
    return len(appointment.changes) + int(appointment.status is AppointmentStatus.CANCELLED)


def event(appointment: Appointment, stamp) -> Event:
    referral = appointment.referral
    service = referral.service
    said = appointment_details(appointment, service, referral.case)
    where = said["place"] if said["place"] else MODES_LOCATION.get(appointment.mode, appointment.mode)
    how = f"Where: {said['place']}." if said["place"] else f"How: {said['how'] or where}."
    call = f" To rearrange, call {said['provider']} on {said['phone']}." if said["phone"] else (
        f" To rearrange, contact {said['provider']}.")
    e = Event()
    e.add("uid", uid(appointment))
    e.add("dtstamp", stamp)
    e.add("dtstart", appointment.starts_at.astimezone(UTC))
    e.add("dtend", appointment.ends_at.astimezone(UTC))
    e.add("sequence", sequence(appointment))
    e.add("summary", f"{service.name} with {said['provider']}")
    e.add("location", where)
    bring = f" What to bring: {said['bring']}." if said["bring"] else ""
    e.add("description", f"Your appointment for {service.name}, with {said['provider']}. {how}{bring}{call}")
    if appointment.status is AppointmentStatus.CANCELLED:
        e.add("status", "CANCELLED")
    else:
        e.add("status", "CONFIRMED")
    return e


def calendar(appointments, *, name: str | None = None) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name:
        cal.add("x-wr-calname", name)
    stamp = clock.now().astimezone(UTC)
    for appointment in appointments:
        cal.add_component(event(appointment, stamp))
    return cal.to_ical()


def appointments_of(user) -> list[Appointment]:
    """Every appointment of the user's own cases (as the person cautioned), oldest first, with what the words
    need loaded: bounded statements however many there are."""
    return list(db.session.scalars(access.own_appointments(user).options(
        joinedload(Appointment.referral).joinedload(Referral.case), selectinload(Appointment.changes))
        .order_by(Appointment.starts_at, Appointment.id)).unique())


def upcoming(user) -> dict[int, list[Appointment]]:
    """The booked appointments still to come, by case id (for the "Add to your calendar" links)."""
    found = db.session.scalars(access.own_appointments(user).options(joinedload(Appointment.referral))
                               .where(Appointment.status == AppointmentStatus.BOOKED,
                                      Appointment.starts_at >= clock.now())
                               .order_by(Appointment.starts_at, Appointment.id)).unique()
    by_case: dict[int, list[Appointment]] = {}
    for appointment in found:
        by_case.setdefault(appointment.referral.case_id, []).append(appointment)
    return by_case


# --- the feed ------------------------------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_url(token: str) -> str:
    return f"{current_app.config['PORTAL_URL']}/calendar/{token}.ics"


def active_feed(user) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id,
                                                        CalendarFeed.revoked_at.is_(None)))


def revoke(user) -> bool:
    """Revoke the user's feed, if they have one: its address stops working."""
    done = db.session.execute(update(CalendarFeed).where(CalendarFeed.user_id == user.id,
                                                         CalendarFeed.revoked_at.is_(None))
                              .values(revoked_at=clock.now())).rowcount
    if done:
        audit.record("calendar_feed.revoke", actor=user, obj=user, purpose="own calendar feed")
    return bool(done)


def create(user) -> str:
    """A new feed for the user (revoking any they had): its token, to show once."""
    revoke(user)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=user.id, token_hash=token_hash(token), created_at=clock.now())
    db.session.add(feed)
    db.session.flush()
    audit.record("calendar_feed.create", actor=user, obj=user, purpose="own calendar feed")
    return token


def by_token(token: str) -> User | None:
    """The owner of the working feed with this token (a signed-in member of the public, still active)."""
    return db.session.scalar(select(User).join(CalendarFeed, CalendarFeed.user_id == User.id).where(
        CalendarFeed.token_hash == token_hash(token), CalendarFeed.revoked_at.is_(None), User.active))
