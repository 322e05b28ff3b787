"""Reads for the provider workspace and the police view of referrals. Each list is one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import access, clock
from app.extensions import db
from app.referrals.models import (
    WORKING_STATUSES,
    Appointment,
    AppointmentStatus,
    Referral,
    ReferralStatus,
)

LIST_LIMIT = 200


@dataclass
class Inbox:
    new: list[Referral]  # sent, waiting for the manager's decision (oldest first)
    to_record: list[Appointment]  # held, no outcome yet (oldest first)
    today: list[Appointment]  # booked for today
    upcoming: list[Appointment]  # booked after today, next 14 days
    working: list[Referral]  # accepted or in progress


def _day_bounds(day) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=clock.LONDON)
    return start, start + timedelta(days=1)


def inbox(user) -> Inbox:
    """What needs doing first, for a provider manager (their organisation) or a caseworker (their referrals)."""
    referrals = access.visible_referrals(user)
    ids = referrals.with_only_columns(Referral.id)
    new = db.session.scalars(referrals.where(Referral.status == ReferralStatus.SENT)
                             .order_by(Referral.sent_at).limit(LIST_LIMIT)).all()
    working = db.session.scalars(referrals.where(Referral.status.in_(WORKING_STATUSES))
                                 .options(joinedload(Referral.caseworker))
                                 .order_by(Referral.sent_at).limit(LIST_LIMIT)).all()
    start, end = _day_bounds(clock.today())
    base = (select(Appointment).where(Appointment.referral_id.in_(ids),
                                      Appointment.status == AppointmentStatus.BOOKED)
            .options(joinedload(Appointment.referral)))
    to_record = db.session.scalars(base.where(Appointment.outcome.is_(None), Appointment.starts_at < start)
                                   .order_by(Appointment.starts_at).limit(LIST_LIMIT)).unique().all()
    today = db.session.scalars(base.where(Appointment.starts_at >= start, Appointment.starts_at < end)
                               .order_by(Appointment.starts_at).limit(LIST_LIMIT)).unique().all()
    upcoming = db.session.scalars(base.where(Appointment.starts_at >= end,
                                             Appointment.starts_at < end + timedelta(days=14))
                                  .order_by(Appointment.starts_at).limit(LIST_LIMIT)).unique().all()
    return Inbox(new=list(new), to_record=list(to_record), today=list(today), upcoming=list(upcoming),
                 working=list(working))


def referrals_of_case(user, case) -> list[Referral]:
    """A case's referrals the user may see, with their appointments and notes (police: all of them)."""
    return list(db.session.scalars(access.visible_referrals(user).where(Referral.case_id == case.id)
                                   .options(selectinload(Referral.appointments), selectinload(Referral.notes))
                                   .order_by(Referral.sent_at)))
