"""The compliance sweep: raise the flags whose cause is time passing, clear those whose cause went.

Set-based, for any number of live cases: per kind of flag, one statement finds what has no open flag yet (and
the bulk raise writes it a few statements per 500), and one or two statements clear what no longer holds. Safe to
run twice and in two processes at once: a flag's key is unique, so the second raise of a cause is a no-op."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, exists, select

from app import clock
from app.auth.models import User
from app.cases.models import Case, CaseStatus, Condition, Standing
from app.compliance import penalties, services
from app.compliance.models import FinancialPenalty, Flag, FlagKind, FlagStatus
from app.extensions import db
from app.formats import long_date
from app.jobs.registry import job
from app.notifications import timings
from app.referrals.models import WORKING_STATUSES, Appointment, AppointmentStatus, Referral, ReferralStatus
from app.referrals.outcomes import counting_codes

_CASE = (Case.id, Case.public_id, Case.reference, Case.officer_id, User.email)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.LONDON)


def _no_open_flag(kind: FlagKind, column, value):
    return ~exists().where(Flag.status == FlagStatus.OPEN, Flag.kind == kind, column == value)


# --- the causes, as SQL conditions (the raise looks for them; the clear for their absence) ------------------------

def _unrecorded(now: datetime):
    """A booked appointment with no outcome that ended more than the allowed hours ago, while the provider still
    works on the referral, on an issued case."""
    hours = timings.get().outcome_not_recorded_hours
    return and_(Appointment.status == AppointmentStatus.BOOKED, Appointment.outcome.is_(None),
                Appointment.ends_at < now - timedelta(hours=hours), Referral.id == Appointment.referral_id,
                Referral.status.in_(WORKING_STATUSES), Case.id == Referral.case_id,
                Case.status == CaseStatus.ISSUED)


def last_late_sent_day(today: date) -> date:
    """The latest day a referral could be sent and be late today: the working days allowed after it end before
    today. Earlier days are late too (the rule only grows with time)."""
    allowed = timings.get().referral_not_accepted_working_days
    day = today - timedelta(days=1)
    while timings.working_days_after(day, allowed) >= today:
        day -= timedelta(days=1)
    return day


def _unaccepted(today: date):
    cutoff = _midnight(last_late_sent_day(today) + timedelta(days=1))
    return and_(Referral.status == ReferralStatus.SENT, Referral.sent_at < cutoff, Case.id == Referral.case_id,
                Case.status == CaseStatus.ISSUED)


def _overdue(today: date):
    return and_(Condition.due_on < today, Condition.outcome.is_(None), Condition.standing == Standing.CURRENT,
                Case.id == Condition.case_id,
                Case.status == CaseStatus.ISSUED)


def _deadline_passed(today: date):
    return and_(Case.status == CaseStatus.ISSUED, Case.deadline < today, Condition.any_open())


def _penalty_unpaid(today: date):
    """A financial penalty past its date, not paid, and its registration data not yet produced."""
    return and_(FinancialPenalty.due_on < today, FinancialPenalty.paid_on.is_(None),
                FinancialPenalty.certificate_on.is_(None), Case.id == FinancialPenalty.case_id)


def deadline_key(case_public_id, deadline: date) -> str:
    return f"deadline_passed:{case_public_id}:{deadline.isoformat()}"


# --- raising ------------------------------------------------------------------------------------------------------

def _cause(row, kind: FlagKind, key: str, reason: str, **ids) -> services.Cause:
    return services.Cause(row.id, row.public_id, row.reference, row.officer_id, row.email, kind, key, reason, **ids)


def _raise_unrecorded(now: datetime) -> list[services.Cause]:
    kind = FlagKind.OUTCOME_NOT_RECORDED
    rows = db.session.execute(
        select(*_CASE, Appointment.id.label("appointment_id"), Appointment.public_id.label("appointment"),
               Appointment.starts_at, Referral.id.label("referral_id"))
        .select_from(Appointment).join(Referral, Referral.id == Appointment.referral_id)
        .join(Case, Case.id == Referral.case_id).join(User, User.id == Case.officer_id)
        .where(_unrecorded(now), _no_open_flag(kind, Flag.appointment_id, Appointment.id))).all()
    return [_cause(r, kind, f"{kind.value}:{r.appointment}",
                   f"No outcome recorded for the appointment on {long_date(r.starts_at)}",
                   appointment_id=r.appointment_id, referral_id=r.referral_id) for r in rows]


def _raise_unaccepted(today: date) -> list[services.Cause]:
    kind, allowed = FlagKind.REFERRAL_NOT_ACCEPTED, timings.get().referral_not_accepted_working_days
    rows = db.session.execute(
        select(*_CASE, Referral.id.label("referral_id"), Referral.public_id.label("referral"), Referral.sent_at)
        .select_from(Referral).join(Case, Case.id == Referral.case_id).join(User, User.id == Case.officer_id)
        .where(_unaccepted(today), _no_open_flag(kind, Flag.referral_id, Referral.id))).all()
    return [_cause(r, kind, f"{kind.value}:{r.referral}",
                   f"Referral sent on {long_date(r.sent_at)} not accepted or declined within {allowed} "
                   "working days", referral_id=r.referral_id) for r in rows]


def _raise_overdue(today: date) -> list[services.Cause]:
    kind = FlagKind.CONDITION_OVERDUE
    rows = db.session.execute(
        select(*_CASE, Condition.id.label("condition_id"), Condition.public_id.label("condition"), Condition.due_on)
        .select_from(Condition).join(Case, Case.id == Condition.case_id).join(User, User.id == Case.officer_id)
        .where(_overdue(today), _no_open_flag(kind, Flag.condition_id, Condition.id))).all()
    return [_cause(r, kind, f"{kind.value}:{r.condition}",
                   f"A condition due on {long_date(r.due_on)} is not done", condition_id=r.condition_id)
            for r in rows]


def _raise_deadline(today: date) -> list[services.Cause]:
    kind = FlagKind.DEADLINE_PASSED
    rows = db.session.execute(
        select(*_CASE, Case.deadline).join(User, User.id == Case.officer_id)
        .where(_deadline_passed(today), _no_open_flag(kind, Flag.case_id, Case.id))).all()
    return [_cause(r, kind, deadline_key(r.public_id, r.deadline),
                   f"Deadline passed on {long_date(r.deadline)} with conditions not done") for r in rows]


def _raise_penalties(today: date) -> list[services.Cause]:
    kind = FlagKind.PENALTY_UNPAID
    rows = db.session.execute(
        select(*_CASE, FinancialPenalty).select_from(FinancialPenalty).join(Case, Case.id == FinancialPenalty.case_id)
        .join(User, User.id == Case.officer_id)
        .where(_penalty_unpaid(today), _no_open_flag(kind, Flag.case_id, Case.id))).all()
    return [_cause(r, kind, penalties.unpaid_key(r.FinancialPenalty),
                   penalties.unpaid_reason(r.FinancialPenalty.amount_pounds, r.FinancialPenalty.due_on)) for r in rows]


# --- clearing -----------------------------------------------------------------------------------------------------

def _clear(now: datetime, today: date) -> int:
    issued = select(Case.id).where(Case.status == CaseStatus.ISSUED)
    # A victim's update stays owed after the case ends (completion and closure are decisions they hear of), and a
    # financial penalty is owed after the case ended with it.
    cleared = services.clear_where(Flag.case_id.not_in(issued), Flag.kind.not_in(services.OUTLIVE_THE_CASE),
                                   because="the case is no longer issued")
    cleared += services.clear_where(
        Flag.kind == FlagKind.PENALTY_UNPAID,
        ~exists().where(FinancialPenalty.case_id == Flag.case_id, _penalty_unpaid(today)),
        because="the penalty was paid, or its registration data produced")
    cleared += services.clear_where(
        Flag.kind == FlagKind.OUTCOME_NOT_RECORDED,
        ~exists().where(Appointment.id == Flag.appointment_id, _unrecorded(now)),
        because="the outcome was recorded, the appointment moved or cancelled, or the referral ended")
    cleared += services.clear_where(
        Flag.kind == FlagKind.REFERRAL_NOT_ACCEPTED,
        ~exists().where(Referral.id == Flag.referral_id, Referral.status == ReferralStatus.SENT),
        because="the referral was accepted or declined")
    cleared += services.clear_where(
        Flag.kind == FlagKind.CONDITION_OVERDUE,
        ~exists().where(Condition.id == Flag.condition_id, _overdue(today)),
        because="the condition is done, or no longer overdue")
    cleared += services.clear_where(
        Flag.kind == FlagKind.MISSED_APPOINTMENT,
        ~exists().where(Appointment.id == Flag.appointment_id,
                        Appointment.outcome.in_(counting_codes())),
        because="the outcome was corrected")
    # A deadline flag names its deadline: one extended, or a case whose conditions are all done, no longer holds.
    deadlines = db.session.execute(
        select(Flag.id, Flag.key, Case.public_id, Case.deadline, _deadline_passed(today).label("passed"))
        .join(Case, Case.id == Flag.case_id)
        .where(Flag.status == FlagStatus.OPEN, Flag.kind == FlagKind.DEADLINE_PASSED)).all()
    gone = [r.id for r in deadlines if not (r.passed and r.key == deadline_key(r.public_id, r.deadline))]
    if gone:
        cleared += services.clear_where(Flag.id.in_(gone), because="the deadline moved, or its conditions are done")
    return cleared


def sweep() -> int:
    """Clear, then raise; returns the flags cleared and raised."""
    now, today = clock.now(), clock.today()
    done = _clear(now, today)
    causes = (_raise_unrecorded(now) + _raise_unaccepted(today) + _raise_overdue(today) + _raise_deadline(today)
              + _raise_penalties(today))
    return done + services.raise_many(causes)


@job("raise-flags", minutes=15)
def raise_flags(app) -> int:
    return sweep()

