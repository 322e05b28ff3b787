"""Reads for referrals: the directory as an officer sees it (suggestions and places left), a provider's
caseworkers, the provider inbox and the police view of a case's referrals. Each list is one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app import access, clock
from app.auth.models import User
from app.cases.models import Case, CaseVictim, Condition, Standing
from app.cases.needs import config as needs_config
from app.cases.rules import age_on
from app.extensions import db
from app.organisations.categories import config as directory_config
from app.organisations.models import Membership, Role, Service
from app.referrals.models import (
    OPEN_STATUSES,
    WORKING_STATUSES,
    Appointment,
    AppointmentStatus,
    GroupSession,
    OutcomeRecord,
    ProgressNote,
    Referral,
    ReferralStatus,
)
from app.referrals.progress import ConditionStatus, condition_status, progress_of

LIST_LIMIT = 200
# What the referral page and the group session page load with their object, so that each reads every part once
# (the appointments with their changes, the notes with their authors, each participant's referral).
REFERRAL_PAGE = (joinedload(Referral.case), joinedload(Referral.caseworker), joinedload(Referral.condition),
                 selectinload(Referral.appointments).options(
                     selectinload(Appointment.changes), joinedload(Appointment.group_session),
                     joinedload(Appointment.rearrange_requests),
                     selectinload(Appointment.outcome_history).joinedload(OutcomeRecord.recorded_by)),
                 selectinload(Referral.notes).joinedload(ProgressNote.author))
# What checking and sending a referral reads of the case: the dataset's parts and every victim's details.
CASE_SEND = (joinedload(Case.offender), joinedload(Case.officer), joinedload(Case.team), joinedload(Case.force),
             joinedload(Case.conditions), selectinload(Case.offences), selectinload(Case.needs_assessments),
             selectinload(Case.victims).options(joinedload(CaseVictim.person), joinedload(CaseVictim.view)))
GROUP_PAGE = (selectinload(GroupSession.appointments).joinedload(Appointment.referral),)


# --- the directory seen by an officer: suggestions and capacity ---------------------------------------------------


def week_start(today: date) -> datetime:
    """Monday 00:00 (UK time) of this week, as an aware datetime."""
    monday = today - timedelta(days=today.weekday())
    return datetime.combine(monday, time(0), tzinfo=clock.LONDON)


def places_taken(services: list[Service]) -> dict[int, int]:
    """New referrals to each service this week that use up a place (declined ones give the place back)."""
    if not services:
        return {}
    rows = db.session.execute(
        select(Referral.service_id, func.count(Referral.id))
        .where(Referral.service_id.in_([s.id for s in services]), Referral.sent_at >= week_start(clock.today()),
               Referral.status != ReferralStatus.DECLINED)
        .group_by(Referral.service_id))
    return dict(rows.all())


def places_left(service: Service) -> int:
    return max(service.weekly_capacity - places_taken([service]).get(service.id, 0), 0)


def service_choices(case: Case, services: list[Service], *, sex: str | None) -> list[dict]:
    """Active services in the force's directory, suggested first: those whose category the needs assessment
    suggests, in the person's area, for someone like them. `sex` is read police-side and never sent."""
    cfg, needs = directory_config(), needs_config()
    assessment = case.needs
    suggested = cfg.suggested(assessment.levels if assessment else {}, needs.levels, needs.suggest_from)
    born = case.offender.date_of_birth
    age = age_on(born, clock.today()) if born else None
    taken = places_taken(services)
    rows = []
    for service in services:
        reasons = [needs.domains[d].label for d in suggested.get(service.category, [])]
        in_area = service.serves_area(case.offender.postcode)
        suits = service.suits(age, sex)
        rows.append({"service": service, "category": cfg.label(service.category), "needs": reasons,
                     "in_area": in_area, "suits": suits,
                     "places": max(service.weekly_capacity - taken.get(service.id, 0), 0),
                     "suggested": bool(reasons) and in_area and suits})
    rows.sort(key=lambda r: (not r["suggested"], not r["in_area"], r["category"], r["service"].name))
    return rows


def open_referral(condition_id: int, service_id: int) -> Referral | None:
    return db.session.scalar(select(Referral).where(Referral.condition_id == condition_id,
                                                    Referral.service_id == service_id,
                                                    Referral.status.in_(OPEN_STATUSES)))


def caseworkers(referral: Referral) -> list[User]:
    """Active caseworkers (and managers, who may take cases themselves) of the referral's provider."""
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == referral.provider_id, Membership.active, User.active,
               Membership.role.in_([Role.CASEWORKER, Role.PROVIDER_MANAGER]))
        .order_by(User.display_name)))


def clashes(person_id: int, starts_at: datetime, ends_at: datetime, *, ignore: int | None = None) -> list:
    """The person's booked appointments overlapping [starts_at, ends_at), whatever the referral or provider."""
    q = select(Appointment).where(Appointment.person_id == person_id,
                                  Appointment.status == AppointmentStatus.BOOKED,
                                  Appointment.starts_at < ends_at, Appointment.ends_at > starts_at)
    if ignore is not None:
        q = q.where(Appointment.id != ignore)
    return list(db.session.scalars(q))


# --- the provider inbox and the police view ---------------------------------------------------------------------


@dataclass
class Inbox:
    new: list[Referral]  # sent, waiting for the manager's decision (oldest first)
    to_record: list[Appointment]  # held, no outcome yet (oldest first)
    today: list[Appointment]  # booked for today
    upcoming: list[Appointment]  # booked after today, next 14 days
    working: list[Referral]  # accepted or in progress

    def referrals_shown(self) -> list[Referral]:
        """Every referral whose person the inbox names (each appointment names its referral's person)."""
        return [*self.new, *self.working, *(a.referral for a in (*self.to_record, *self.today, *self.upcoming))]


def _day_bounds(day) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=clock.LONDON)
    return start, start + timedelta(days=1)


def inbox(user) -> Inbox:
    """What needs doing first, for a provider manager (their organisation) or a caseworker (their referrals)."""
    referrals = access.visible_referrals(user)
    # Appointments of the referrals still being worked on: an ended one's can no longer be recorded or kept, and
    # reading only these keeps the cost to the open work, not to every referral the provider ever had.
    ids = referrals.where(Referral.status.in_(WORKING_STATUSES)).with_only_columns(Referral.id)
    # New and working referrals from one read, so the headings' counts, the lists and the "nothing yet" words
    # cannot disagree.
    open_now = db.session.scalars(referrals.where(Referral.status.in_(OPEN_STATUSES))
                                  .options(joinedload(Referral.caseworker))
                                  .order_by(Referral.sent_at).limit(LIST_LIMIT)).all()
    new = [r for r in open_now if r.status is ReferralStatus.SENT]
    working = [r for r in open_now if r.status in WORKING_STATUSES]
    start, end = _day_bounds(clock.today())
    base = (select(Appointment).where(Appointment.referral_id.in_(ids),
                                      Appointment.status == AppointmentStatus.BOOKED)
            .options(joinedload(Appointment.referral), joinedload(Appointment.group_session)))
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
    """A case's referrals the user may see, with their caseworkers and appointments (police: all of them)."""
    return list(db.session.scalars(access.visible_referrals(user).where(Referral.case_id == case.id)
                                   .options(joinedload(Referral.caseworker), selectinload(Referral.appointments))
                                   .order_by(Referral.sent_at)))


@dataclass
class ConditionProgress:
    """One condition of an issued caution on the case page: its status, and its referrals (oldest first) with
    their appointments."""

    condition: Condition
    status: ConditionStatus
    referrals: list[Referral]


def conditions_of_case(user, case) -> list[ConditionProgress]:
    """The case's conditions, each with its status and the referrals the user may see: three statements (the
    conditions, the referrals, their appointments) however many there are."""
    conditions = db.session.scalars(select(Condition).where(Condition.case_id == case.id,
                                                            Condition.standing == Standing.CURRENT)
                                    .order_by(Condition.id)).all()
    found = referrals_of_case(user, case)
    today = clock.today()
    rows = []
    for condition in conditions:
        theirs = [r for r in found if r.condition_id == condition.id]
        rows.append(ConditionProgress(condition, condition_status(
            due_on=condition.due_on, recorded=condition.outcome, referrals=[progress_of(r) for r in theirs],
            today=today), theirs))
    return rows
