"""The notification jobs: plan what is due soon and not yet written, and dispatch what is due.

`plan-reminders` is set-based: one statement per kind of reminder whatever the number of cases, then one
insert-or-ignore per 500 rows. The keys are the same as the services write, so nothing is planned twice."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager

from app import clock
from app.auth.models import User
from app.cases import packs
from app.cases.models import Case, CaseStatus, Condition
from app.extensions import db
from app.formats import time_of_day
from app.jobs.registry import job
from app.notifications import channels, dispatch, reminders, services, timings
from app.notifications.models import Audience
from app.organisations.models import Service
from app.people.models import Person
from app.referrals.models import WORKING_STATUSES, Appointment, AppointmentStatus, Referral

DAY = timedelta(days=1)


def _live_appointments():
    return (select(Appointment).join(Referral, Referral.id == Appointment.referral_id)
            .join(Case, Case.id == Referral.case_id).join(Person, Person.id == Case.offender_id)
            .join(Service, Service.id == Referral.service_id)
            .options(contains_eager(Appointment.referral).contains_eager(Referral.case).contains_eager(Case.offender),
                     contains_eager(Appointment.referral).contains_eager(Referral.service))
            .where(Appointment.status == AppointmentStatus.BOOKED, Appointment.outcome.is_(None),
                   Referral.status.in_(WORKING_STATUSES), Case.status == CaseStatus.ISSUED))


def appointment_reminders(now, t) -> list[dict]:
    """Reminders due within a day either side of now, for appointments whose booking did not write them."""
    # A reminder `days` before is due between `days` + 1 and `days` - 1 days before the start (its hour is fixed).
    windows = [and_(Appointment.starts_at > now + (days - 2) * DAY, Appointment.starts_at <= now + (days + 2) * DAY)
               for days in t.appointment_days_before]
    rows = []
    for a in db.session.scalars(_live_appointments().where(Appointment.starts_at > now, or_(*windows))).unique():
        r = a.referral
        rows += reminders.appointment_rows(a, person=r.case.offender, case=r.case, service=r.service,
                                           booked_at=a.updated_at, window=(now - DAY, now + DAY))
    return rows


def deadline_reminders(today, t) -> list[dict]:
    """The person, before the deadline while conditions are open: due today (or yesterday, if a run was missed)."""
    rows = []
    cases = db.session.execute(select(Case, Person).join(Person, Person.id == Case.offender_id).where(
        Case.status == CaseStatus.ISSUED, Case.deadline > today,
        Case.deadline <= today + max(t.deadline_days_before) * DAY, Condition.any_open())).all()
    for case, person in cases:
        medium = reminders.person_medium(person)
        for days in t.deadline_days_before:
            due_day = case.deadline - days * DAY
            if medium and today - DAY <= due_day <= today:
                rows.append(services.row(
                    f"deadline:{case.public_id}:{case.deadline.isoformat()}:{days}", audience=Audience.OFFENDER,
                    template="deadline_reminder", medium=medium, due_at=timings.at_london(due_day, t.send_at),
                    personalisation={"deadline": case.deadline.isoformat(), "days": days, "phone": None,
                                     "link": url_for("web.home", _external=True),
                                     "consequence": packs.disposal_of(case).reminder_text},
                    person_id=person.id, case_id=case.id))
    return rows


def officer_deadlines(today, t) -> list[dict]:
    days = t.officer_deadline_days_before
    cases = db.session.execute(select(Case, User.email).join(User, User.id == Case.officer_id).where(
        Case.status == CaseStatus.ISSUED, Case.deadline >= today + (days - 1) * DAY,
        Case.deadline <= today + days * DAY, Condition.any_open())).all()
    rows = []
    for case, email in cases:
        rows += services.staff_rows(f"officer-deadline:{case.public_id}:{case.deadline.isoformat()}", case.officer_id,
                            bool(email), "deadline_officer",
                            {"reference": case.reference, "deadline": case.deadline.isoformat(),
                             "days": (case.deadline - today).days,
                             "link": url_for("cases.show", case_id=case.public_id, _external=True)},
                            case_id=case.id)
    return rows


def outcomes_due(now, t) -> list[dict]:
    """The caseworker, when a session ended a while ago and nothing is recorded."""
    ended_before = now - t.outcome_due_hours * timedelta(hours=1)
    found = db.session.execute(
        select(Appointment, Referral, User.email).join(Referral, Referral.id == Appointment.referral_id)
        .join(Case, Case.id == Referral.case_id)
        .join(User, User.id == db.func.coalesce(Referral.caseworker_id, Appointment.booked_by_id))
        .where(Appointment.status == AppointmentStatus.BOOKED, Appointment.outcome.is_(None),
               Referral.status.in_(WORKING_STATUSES), Case.status == CaseStatus.ISSUED,
               Appointment.ends_at <= ended_before, Appointment.ends_at > ended_before - DAY)).all()
    rows = []
    for a, r, email in found:
        rows += services.staff_rows(f"outcome-due:{a.public_id}", r.caseworker_id or a.booked_by_id, bool(email),
                            "outcome_due", {"day": reminders.day_words(a.starts_at),
                                            "time": time_of_day(a.starts_at),
                                            "link": url_for("referrals.show", referral_id=r.public_id,
                                                            _external=True)},
                            case_id=r.case_id, provider_id=r.provider_id, appointment_id=a.id)
    return rows


@job("plan-reminders", minutes=15)
def plan_reminders(app) -> int:
    now, today, t = clock.now(), clock.today(), timings.get()
    with app.test_request_context(base_url=app.config["PORTAL_URL"]):
        rows = (appointment_reminders(now, t) + deadline_reminders(today, t) + officer_deadlines(today, t)
                + outcomes_due(now, t))
    return services.write(rows)


@job("dispatch", minutes=1)
def dispatch_due(app) -> int:
    channel = channels.from_config(app.config)
    try:
        return dispatch.dispatch(channel)
    finally:
        getattr(channel, "close", lambda: None)()
