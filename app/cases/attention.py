"""What needs the police's attention, and why: the rule that marks a case (used by the caseload's filter and its
row mark) and the reasons in words, with where to act, for the officer's home. The list costs the same few
statements whatever the caseload holds: the cases (at most LIMIT), then one statement each for their approvals,
appointments and declined referrals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import url_for
from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import aliased, contains_eager

from app.cases.models import Approval, ApprovalStatus, Case, CaseStatus, Condition
from app.clock import LONDON
from app.extensions import db
from app.formats import long_date
from app.people.models import Person
from app.referrals.models import WORKING_STATUSES, Appointment, AppointmentStatus, Referral, ReferralStatus
from app.referrals.outcomes import counting_codes

LIMIT = 10  # the home shows this many; the rest are one link away (the caseload filtered to them)
_WAITING = (ApprovalStatus.PENDING, ApprovalStatus.RETURNED)


def _day_start(today: date) -> datetime:
    """Midnight at the start of `today` in England and Wales: appointments before it with no outcome are late."""
    return datetime.combine(today, time(0), tzinfo=LONDON)


def _issued():
    return Case.status == CaseStatus.ISSUED


def missed_appointment():
    """An issued case with an appointment whose outcome can count towards non-compliance (did not attend, late
    and refused entry ...: config/attendance.yaml): the officer must decide, so it needs attention at once."""
    return _issued() & exists().where(Referral.case_id == Case.id, Appointment.referral_id == Referral.id,
                                      Appointment.outcome.in_(counting_codes()))


def _no_outcome(today: date):
    """An appointment still booked, on an earlier day, with no outcome, while the provider still works on the
    referral: the provider has not said what happened (with the referral ended, nothing more can be recorded)."""
    return and_(Appointment.status == AppointmentStatus.BOOKED, Appointment.outcome.is_(None),
                Appointment.starts_at < _day_start(today), Referral.status.in_(WORKING_STATUSES))


def _declined_unreplaced():
    """A declined referral whose condition has no other referral since: the person must be referred elsewhere."""
    other = aliased(Referral)
    return and_(Referral.status == ReferralStatus.DECLINED,
                ~exists().where(other.condition_id == Referral.condition_id, other.id != Referral.id,
                                other.status != ReferralStatus.DECLINED))


def needs_attention(today: date, soon_days: int):
    """A case needs attention when a decision waits on someone, its deadline is close or passed, an appointment
    was missed or has no outcome, or a referral was declined and not replaced."""
    waiting = exists().where(Approval.case_id == Case.id, Approval.status.in_(_WAITING))
    due_soon = _issued() & (Case.deadline <= today + timedelta(days=soon_days))
    no_outcome = _issued() & exists().where(Referral.case_id == Case.id, Appointment.referral_id == Referral.id,
                                            _no_outcome(today))
    declined = _issued() & exists().where(Referral.case_id == Case.id, _declined_unreplaced())
    return or_(waiting, due_soon, Case.status == CaseStatus.NON_COMPLIANCE, missed_appointment(), no_outcome,
               declined)


@dataclass
class Item:
    case: Case
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (reason in words, where to act)


def _day_of(moment: datetime) -> date:
    return moment.astimezone(LONDON).date() if moment.tzinfo else moment.date()


def attention_list(base: Select, today: date, soon_days: int) -> tuple[list[Item], bool]:
    """The cases of `base` that need attention, soonest deadline first, each with its reasons; and whether there
    are more than LIMIT. Two statements: the cases (with their waiting approval and declined referral as columns),
    then their appointments missed or without an outcome."""
    approval = select(Approval.status).where(Approval.case_id == Case.id, Approval.status.in_(_WAITING)) \
        .order_by(Approval.status).limit(1).scalar_subquery()
    declined = select(Condition.public_id).join(Referral, Referral.condition_id == Condition.id).where(
        Referral.case_id == Case.id, _declined_unreplaced()).order_by(Referral.id).limit(1).scalar_subquery()
    rows = db.session.execute(
        base.add_columns(approval.label("approval"), declined.label("declined"))
        .where(needs_attention(today, soon_days)).join(Person, Case.offender_id == Person.id)
        .options(contains_eager(Case.offender)).order_by(Case.deadline.asc().nulls_last(), Case.id)
        .limit(LIMIT + 1)).unique().all()
    more, rows = len(rows) > LIMIT, rows[:LIMIT]
    items = {case.id: Item(case) for case, _, _ in rows}
    appointments = db.session.execute(
        select(Referral.case_id, Referral.public_id, Appointment.starts_at, Appointment.outcome)
        .join(Appointment, Appointment.referral_id == Referral.id).join(Case, Case.id == Referral.case_id)
        .where(Referral.case_id.in_(list(items)), _issued(),
               or_(Appointment.outcome.in_(counting_codes()), _no_outcome(today)))
        .order_by(Appointment.starts_at)).all()

    for case, waiting, condition_id in rows:
        item, show = items[case.id], url_for("cases.show", case_id=case.public_id)
        if waiting is not None:
            words = ("Approval returned: change and send it again" if waiting == ApprovalStatus.RETURNED
                     else "Waiting for a supervisor's approval")
            item.reasons.append((words, url_for("cases.tasks", case_id=case.public_id)))
        if case.status is CaseStatus.NON_COMPLIANCE:
            item.reasons.append(("Non-compliance to decide", show))
        elif case.status is CaseStatus.ISSUED and case.deadline and case.deadline < today:
            item.reasons.append((f"Deadline passed on {long_date(case.deadline)}", show))
        elif case.status is CaseStatus.ISSUED and case.deadline and case.deadline <= today + timedelta(soon_days):
            item.reasons.append((f"Deadline on {long_date(case.deadline)}", show))
        if condition_id is not None and case.status is CaseStatus.ISSUED:
            item.reasons.append(("Referral declined: refer the person elsewhere",
                                 url_for("referrals.new", case_id=case.public_id, condition=condition_id)))
    for case_id, referral_id, starts_at, outcome in appointments:
        day = long_date(_day_of(starts_at))
        words = f"Missed appointment on {day}" if outcome else f"No outcome recorded for the appointment on {day}"
        items[case_id].reasons.append((words, url_for("referrals.show", referral_id=referral_id)))
    return list(items.values()), more
