"""What the person cautioned sees of their own case: each condition in the pack's plain words with its due date and
where it stands, the deadline and the days left, their appointments (when, where or how, with which service, and
what happened, what to bring), and who to contact at work addresses only: the officer's and each caseworker's
work phone, email and hours, or the service's when no caseworker is assigned. Three statements however much the
case holds: the conditions, the referrals with their services and caseworkers, and the appointments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import clock
from app.auth.models import User
from app.cases import packs
from app.cases.models import Case, Condition, Standing
from app.extensions import db
from app.notifications.reminders import MODES_SAID, day_words
from app.organisations.models import Service
from app.referrals.models import Appointment, AppointmentStatus, Referral, ReferralStatus
from app.referrals.outcomes import Outcome, outcomes
from app.referrals.progress import ConditionStatus, condition_status, progress_of


@dataclass(frozen=True)
class OwnCondition:
    condition: Condition
    words: str  # what it asks, in the pack's plain words
    status: str  # to_do, done, overdue, not_done (ended early: the officer will be in touch)


@dataclass(frozen=True)
class OwnAppointment:
    appointment: Appointment
    service: Service
    day: str  # "Tuesday 3 December 2026", as a reminder says it
    how: str | None  # by phone or video: how they join (in person: the place is shown)
    outcome: Outcome | None


@dataclass(frozen=True)
class ServiceContact:
    service: Service
    caseworker: User | None  # the referral's caseworker; None: the service's own phone and email


@dataclass(frozen=True)
class OwnCase:
    case: Case
    conditions: list[OwnCondition]
    days_left: int | None  # to the deadline (0: today; negative: passed); None: no deadline recorded
    upcoming: list[OwnAppointment]  # soonest first
    past: list[OwnAppointment]  # latest first, with cancelled ones
    services: list[Service]  # the services working with them
    contacts: list[ServiceContact]  # who to contact at each, one per service and caseworker
    referrals: list[Referral]  # held, so each appointment's referral stays in the session (no reload per row)


def _status(progress: ConditionStatus, due_on: date, today: date) -> str:
    if progress is ConditionStatus.DONE:
        return "done"
    if progress is ConditionStatus.NOT_DONE:
        return "overdue" if due_on < today else "not_done"
    return "to_do"


def own_case(case: Case) -> OwnCase:
    today, now = clock.today(), clock.now()
    conditions = db.session.scalars(select(Condition).where(Condition.case_id == case.id,
                                                            Condition.standing == Standing.CURRENT)
                                    .order_by(Condition.due_on, Condition.id)).all()
    referrals = db.session.scalars(select(Referral).where(Referral.case_id == case.id)
                                   .options(selectinload(Referral.appointments)
                                            .joinedload(Appointment.rearrange_requests),
                                            joinedload(Referral.caseworker))
                                   .order_by(Referral.sent_at)).all()
    rows = []
    for condition in conditions:
        theirs = [progress_of(r) for r in referrals if r.condition_id == condition.id]
        progress = condition_status(due_on=condition.due_on, recorded=condition.outcome, referrals=theirs,
                                    today=today)
        rows.append(OwnCondition(condition, packs.said_to_person(case, condition),
                                 _status(progress, condition.due_on, today)))
    known = outcomes()
    shown = [OwnAppointment(a, r.service, day_words(a.starts_at), MODES_SAID.get(a.mode), known.get(a.outcome))
             for r in referrals for a in r.appointments if a.person_id == case.offender_id]
    upcoming = sorted((a for a in shown if a.appointment.status is AppointmentStatus.BOOKED
                       and a.outcome is None and a.appointment.ends_at >= now),
                      key=lambda a: a.appointment.starts_at)
    past = sorted((a for a in shown if a not in upcoming), key=lambda a: a.appointment.starts_at, reverse=True)
    working = [r for r in referrals if r.status is not ReferralStatus.DECLINED]
    services = list({r.service.id: r.service for r in working}.values())
    contacts = list({(r.service.id, r.caseworker_id): ServiceContact(r.service, r.caseworker)
                     for r in working}.values())
    return OwnCase(case, rows, (case.deadline - today).days if case.deadline else None, upcoming, past, services,
                   contacts, list(referrals))
