"""Use cases for referrals, appointments and attendance. They flush, write timeline and audit entries, and never
commit. Rules about what is allowed raise RuleViolation or InvalidTransition with the reasons in words; a write
based on an out-of-date version of an appointment raises AttendanceConflict (a 409, never a silent overwrite).
Providers report attendance and progress only: nothing here records a breach."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.audit import services as audit
from app.cases.models import Case, CaseStatus, Condition, InvalidTransition
from app.cases.needs import config as needs_config
from app.cases.rules import age_on
from app.cases.services import RuleViolation, add_event, needs_of
from app.extensions import db
from app.organisations.categories import config as directory_config
from app.organisations.models import Membership, Role, Service
from app.referrals.models import (
    OPEN_STATUSES,
    WORKING_STATUSES,
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    GroupSession,
    ProgressNote,
    Referral,
    ReferralStatus,
)
from app.referrals.outcomes import outcomes

PARTIES = {"person": "The person", "provider": "The provider", "police": "The police"}
SUBTYPE_SAFEGUARDING = {
    "no_contact": "No contact with the victim or other people named by the police (the police hold the names).",
    "not_enter": "Must not enter places or areas named in the conditions.",
    "activity": "Must not take part in activities named in the conditions.",
    "conduct": "Must not behave in ways named in the conditions.",
}


class AttendanceConflict(StaleDataError):
    """Someone else changed the appointment after this writer loaded it; `appointment` holds what is there now."""

    def __init__(self, appointment: Appointment):
        super().__init__("the appointment changed while it was being recorded")
        self.appointment = appointment


# --- the directory seen by an officer: suggestions and capacity ---------------------------------------------------


def week_start(today: date) -> datetime:
    """Monday 00:00 (UK time) of this week, as an aware datetime."""
    monday = today - timedelta(days=today.weekday())
    return datetime.combine(monday, time(0), tzinfo=clock.LONDON)


def referrals_this_week(service: Service) -> int:
    """New referrals to the service this week that use up a place (declined ones give the place back)."""
    return db.session.scalar(select(func.count(Referral.id)).where(
        Referral.service_id == service.id, Referral.sent_at >= week_start(clock.today()),
        Referral.status != ReferralStatus.DECLINED)) or 0


def places_left(service: Service) -> int:
    return max(service.weekly_capacity - referrals_this_week(service), 0)


def _person_sex(case: Case) -> str | None:
    from app.people.models import SpecialCategory

    row = db.session.get(SpecialCategory, case.offender_id)
    return row.sex if row else None


def service_choices(case: Case, services: list[Service]) -> list[dict]:
    """Active services in the force's directory, suggested first: those whose category the needs assessment
    suggests, in the person's area, for someone like them. Sex is read here, police-side, and never sent."""
    cfg, needs = directory_config(), needs_config()
    assessment = needs_of(case)
    suggested = cfg.suggested(assessment.levels if assessment else {}, needs.levels, needs.suggest_from)
    born = case.offender.date_of_birth
    age = age_on(born, clock.today()) if born else None
    sex = _person_sex(case)
    rows = []
    for service in services:
        reasons = [needs.domains[d].label for d in suggested.get(service.category, [])]
        in_area = service.serves_area(case.offender.postcode)
        suits = service.suits(age, sex)
        rows.append({"service": service, "category": cfg.label(service.category), "needs": reasons,
                     "in_area": in_area, "suits": suits, "places": places_left(service),
                     "suggested": bool(reasons) and in_area and suits})
    rows.sort(key=lambda r: (not r["suggested"], not r["in_area"], r["category"], r["service"].name))
    return rows


# --- the referral dataset -----------------------------------------------------------------------------------------


def _scrubber(case: Case):
    """Victims' names never leave in free text: each is replaced by "the victim"."""
    names = set()
    for link in case.victims:
        for part in (link.person.full_name, link.person.family_name, link.person.given_name):
            if part and len(part.strip()) >= 2:
                names.add(part.strip())
    patterns = [re.compile(r"\b" + re.escape(n) + r"\b", re.IGNORECASE) for n in sorted(names, key=len,
                                                                                         reverse=True)]

    def scrub(text: str | None) -> str | None:
        if not text:
            return text
        for p in patterns:
            text = p.sub("the victim", text)
        return text
    return scrub


def referral_dataset(case: Case, condition: Condition, service: Service, *, risks: str | None,
                     safeguarding: str | None, officer) -> dict:
    """Only what a provider needs (DOMAIN.md section 6): identity and contact, offence type, conditions and
    deadline, relevant needs and risks, safeguarding constraints, the officer's contact. Never ethnicity, sex,
    health notes or anything about the victim."""
    person, scrub = case.offender, _scrubber(case)
    needs = needs_config()
    assessment = needs_of(case)
    relevant = directory_config().categories.get(service.category)
    threshold = needs.levels.index(needs.suggest_from)
    need_rows = []
    if assessment and relevant:
        for domain in relevant.needs:
            level = assessment.levels.get(domain)
            if level in needs.levels and needs.levels.index(level) >= threshold:
                need_rows.append({"domain": needs.domains[domain].label, "level": level})
    constraints = [SUBTYPE_SAFEGUARDING[c.subtype] for c in case.conditions
                   if c.type == "restrictive" and c.subtype in SUBTYPE_SAFEGUARDING]
    if safeguarding and safeguarding.strip():
        constraints.append(scrub(safeguarding.strip()))
    return {
        "person": {"name": person.full_name,
                   "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
                   "address": person.address, "postcode": person.postcode, "phone": person.phone,
                   "email": person.email, "preferred_channel": person.preferred_channel,
                   "language": person.language, "interpreter_needed": person.interpreter_needed,
                   "accessibility_needs": person.accessibility_needs},
        "case_reference": case.reference,
        "offences": [co.offence.title for co in case.offences],
        "condition": {"type": condition.type, "purpose": condition.purpose, "details": scrub(condition.details),
                      "hours": str(condition.hours.normalize()) if condition.hours is not None else None,
                      "due_on": condition.due_on.isoformat()},
        "other_conditions": [{"type": c.type, "subtype": c.subtype, "due_on": c.due_on.isoformat()}
                             for c in case.conditions if c.id != condition.id],
        "deadline": case.deadline.isoformat() if case.deadline else None,
        "needs": need_rows,
        "risks": scrub(risks.strip()) if risks and risks.strip() else None,
        "safeguarding": list(dict.fromkeys(constraints)),
        "officer": {"name": officer.display_name, "email": officer.email, "team": case.team.name,
                    "force": case.force.name},
    }


# --- the referral's life ------------------------------------------------------------------------------------------


def send_referral(case: Case, condition: Condition, service: Service, *, risks: str | None = None,
                  safeguarding: str | None = None, by) -> Referral:
    if case.status is not CaseStatus.ISSUED:
        raise InvalidTransition(f"This case is {case.status.label.lower()}: only an issued caution's conditions "
                                "can be referred to a provider.")
    if condition.case_id != case.id:
        raise RuleViolation("Choose one of this case's conditions.")
    if not service.active or service.force_id != case.force_id:
        raise RuleViolation("Choose an active service from the directory.")
    already = db.session.scalar(select(Referral).where(Referral.condition_id == condition.id,
                                                       Referral.service_id == service.id,
                                                       Referral.status.in_(OPEN_STATUSES)))
    if already is not None:
        raise RuleViolation(f"This condition is already referred to {service.name}.")
    if places_left(service) <= 0:
        raise RuleViolation(f"{service.name} has no places left this week (it takes {service.weekly_capacity} new "
                            "referrals a week). Choose another service, or refer next week.")
    referral = Referral(case_id=case.id, condition_id=condition.id, service_id=service.id,
                        provider_id=service.provider_id, status=ReferralStatus.SENT, referred_by_id=by.id,
                        sent_at=clock.now(), dataset=referral_dataset(case, condition, service, risks=risks,
                                                                      safeguarding=safeguarding, officer=by))
    db.session.add(referral)
    db.session.flush()
    add_event(case, "referral_sent", f"Referred to {service.name} ({service.provider.name})", by=by,
              provider=True, referral=referral, detail={"service": str(service.public_id)})
    # A disclosure of personal data to a provider: recorded with its recipient.
    audit.record("referral.send", actor=by, obj=referral, purpose="referral to an intervention provider",
                 recipients=[service.provider.code], detail={"case": str(case.public_id)})
    return referral


def caseworkers(referral: Referral) -> list:
    """Active caseworkers (and managers, who may take cases themselves) of the referral's provider."""
    from app.auth.models import User

    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == referral.provider_id, Membership.active, User.active,
               Membership.role.in_([Role.CASEWORKER, Role.PROVIDER_MANAGER]))
        .order_by(User.display_name)))


def accept_referral(referral: Referral, caseworker, *, by) -> None:
    if caseworker is None or caseworker.id not in {u.id for u in caseworkers(referral)}:
        raise RuleViolation("Choose a caseworker from your organisation.")
    referral.move_to(ReferralStatus.ACCEPTED)
    referral.caseworker_id, referral.decided_by_id, referral.decided_at = caseworker.id, by.id, clock.now()
    db.session.flush()
    add_event(referral.case, "referral_accepted", f"{referral.service.name} accepted the referral; caseworker "
              f"{caseworker.display_name}", by=by, provider=True, referral=referral)
    audit.record("referral.accept", actor=by, obj=referral)


def decline_referral(referral: Referral, reason: str, *, by) -> None:
    if not (reason or "").strip():
        raise RuleViolation("Say why the referral is declined.")
    referral.move_to(ReferralStatus.DECLINED)
    referral.decline_reason, referral.decided_by_id, referral.decided_at = reason.strip(), by.id, clock.now()
    db.session.flush()
    add_event(referral.case, "referral_declined", f"{referral.service.name} declined the referral: refer the "
              "person elsewhere", by=by, provider=True, referral=referral, detail={"reason": reason.strip()})
    audit.record("referral.decline", actor=by, obj=referral)


def add_note(referral: Referral, text: str, *, by) -> ProgressNote:
    if referral.status not in WORKING_STATUSES:
        raise InvalidTransition(f"This referral is {referral.status.label.lower()}, so no more notes can be added.")
    if not (text or "").strip():
        raise RuleViolation("Write the progress note.")
    note = ProgressNote(referral_id=referral.id, author_id=by.id, written_at=clock.now(), text=text.strip())
    db.session.add(note)
    db.session.flush()
    add_event(referral.case, "progress_note", f"Progress note from {referral.service.name}", by=by, provider=True,
              referral=referral)
    audit.record("referral.note", actor=by, obj=referral)
    return note


END_OUTCOMES = {"completed": "Completed", "ended_early": "Ended early"}


def end_referral(referral: Referral, outcome: str, *, summary: str, reason: str | None, by) -> None:
    """The end-of-service report: completed, or ended early with a reason. It records the condition's outcome as
    the provider reported it and tells the officer; whether anything follows is the officer's decision."""
    if outcome not in END_OUTCOMES:
        raise RuleViolation("Choose whether the service was completed or ended early.")
    problems = []
    if not (summary or "").strip():
        problems.append("Write a summary of the person's engagement.")
    if outcome == "ended_early" and not (reason or "").strip():
        problems.append("Say why the service ended early.")
    if problems:
        raise RuleViolation(problems)
    referral.move_to(ReferralStatus(outcome))
    referral.ended_at, referral.ended_by_id = clock.now(), by.id
    referral.end_summary = summary.strip()
    referral.end_reason = reason.strip() if outcome == "ended_early" and reason else None
    condition = referral.condition
    condition.outcome, condition.outcome_on = outcome, clock.today()
    db.session.flush()
    add_event(referral.case, "referral_ended", f"{referral.service.name} reported the service "
              f"{END_OUTCOMES[outcome].lower()}: the officer reviews the condition", by=by, provider=True,
              referral=referral, detail={"outcome": outcome})
    audit.record("referral.end", actor=by, obj=referral, detail={"outcome": outcome})


# --- appointments ---------------------------------------------------------------------------------------------------


def _when(at: datetime) -> str:
    local = at.astimezone(clock.LONDON)
    return f"{local.day} {local:%B %Y} at {local:%-I:%M%p}".replace("AM", "am").replace("PM", "pm")


def clashes(person_id: int, starts_at: datetime, ends_at: datetime, *, ignore: int | None = None) -> list:
    """The person's booked appointments overlapping [starts_at, ends_at), whatever the referral or provider."""
    q = select(Appointment).where(Appointment.person_id == person_id,
                                  Appointment.status == AppointmentStatus.BOOKED,
                                  Appointment.starts_at < ends_at, Appointment.ends_at > starts_at)
    if ignore is not None:
        q = q.where(Appointment.id != ignore)
    return list(db.session.scalars(q))


def ends_after(starts_at: datetime, minutes: int) -> datetime:
    """Elapsed time, not wall-clock time: a 5-hour session that starts at 00:05 on the day the clocks go forward
    ends at 06:05, not 05:05 (adding to a London time would add wall-clock hours)."""
    return starts_at.astimezone(UTC) + timedelta(minutes=minutes)


def _check_slot(person_id: int, starts_at: datetime, minutes: int, mode: str, *, ignore=None) -> datetime:
    problems = []
    if starts_at.tzinfo is None:
        raise ValueError("naive appointment time")
    if starts_at.astimezone(clock.LONDON).date() < clock.today():
        problems.append("The appointment must be today or later.")
    if not 5 <= minutes <= 12 * 60:
        problems.append("An appointment must last between 5 minutes and 12 hours.")
    if mode not in directory_config().delivery_modes:
        problems.append("Choose how the appointment is held from the list.")
    if problems:
        raise RuleViolation(problems)
    ends_at = ends_after(starts_at, minutes)
    found = clashes(person_id, starts_at, ends_at, ignore=ignore)
    if found:
        raise RuleViolation(f"The person already has an appointment then ({_when(found[0].starts_at)}). "
                            "Choose another time.")
    return ends_at


def _start_work(referral: Referral) -> None:
    if referral.status is ReferralStatus.ACCEPTED:
        referral.move_to(ReferralStatus.IN_PROGRESS)


def book_appointment(referral: Referral, *, starts_at: datetime, minutes: int, mode: str, place: str | None,
                     by, group: GroupSession | None = None) -> Appointment:
    if referral.status not in WORKING_STATUSES:
        raise InvalidTransition(f"This referral is {referral.status.label.lower()}, so appointments cannot be "
                                "booked.")
    ends_at = _check_slot(referral.case.offender_id, starts_at, minutes, mode)
    appointment = Appointment(referral_id=referral.id, person_id=referral.case.offender_id, starts_at=starts_at,
                              ends_at=ends_at, mode=mode, place=(place or "").strip() or None, booked_by_id=by.id,
                              group_session_id=group.id if group else None)
    db.session.add(appointment)
    _start_work(referral)
    db.session.flush()
    what = f"group session “{group.title}”" if group else "appointment"
    add_event(referral.case, "appointment_booked", f"{referral.service.name}: {what} booked for "
              f"{_when(starts_at)}", by=by, provider=True, offender=True, referral=referral)
    audit.record("appointment.create", actor=by, obj=appointment)
    return appointment


def _check_version(appointment: Appointment, version: int | None) -> None:
    if version is not None and version != appointment.version:
        raise AttendanceConflict(appointment)


def reschedule(appointment: Appointment, *, starts_at: datetime, minutes: int, requested_by: str, reason: str,
               version: int | None, by) -> Appointment:
    _check_version(appointment, version)
    if appointment.status is not AppointmentStatus.BOOKED or appointment.outcome:
        raise InvalidTransition("Only a booked appointment with no outcome recorded can be moved.")
    if appointment.group_session_id is not None:
        raise RuleViolation("This is a place in a group session: the group's time cannot be moved for one person. "
                            "Cancel the place and book another session instead.")
    problems = []
    if requested_by not in PARTIES:
        problems.append("Say who asked for the change.")
    if not (reason or "").strip():
        problems.append("Say why the appointment is moving.")
    if problems:
        raise RuleViolation(problems)
    ends_at = _check_slot(appointment.person_id, starts_at, minutes, appointment.mode, ignore=appointment.id)
    db.session.add(AppointmentChange(appointment_id=appointment.id, changed_at=clock.now(), changed_by_id=by.id,
                                     requested_by=requested_by, reason=reason.strip(),
                                     old_starts_at=appointment.starts_at, old_ends_at=appointment.ends_at,
                                     new_starts_at=starts_at, new_ends_at=ends_at))
    old = appointment.starts_at
    appointment.starts_at, appointment.ends_at = starts_at, ends_at
    db.session.flush()
    referral = appointment.referral
    add_event(referral.case, "appointment_moved", f"{referral.service.name}: appointment on {_when(old)} moved to "
              f"{_when(starts_at)} ({PARTIES[requested_by].lower()} asked)", by=by, provider=True, offender=True,
              referral=referral)
    audit.record("appointment.reschedule", actor=by, obj=appointment, detail={"requested_by": requested_by})
    return appointment


def cancel(appointment: Appointment, *, party: str, reason: str, version: int | None, by) -> None:
    _check_version(appointment, version)
    if appointment.status is not AppointmentStatus.BOOKED or appointment.outcome:
        raise InvalidTransition("Only a booked appointment with no outcome recorded can be cancelled.")
    problems = []
    if party not in PARTIES:
        problems.append("Say who cancelled the appointment.")
    if not (reason or "").strip():
        problems.append("Say why the appointment was cancelled.")
    if problems:
        raise RuleViolation(problems)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_by_party, appointment.cancelled_by_id = party, by.id
    appointment.cancel_reason = reason.strip()
    db.session.flush()
    referral = appointment.referral
    add_event(referral.case, "appointment_cancelled", f"{referral.service.name}: appointment on "
              f"{_when(appointment.starts_at)} cancelled by {PARTIES[party].lower()}", by=by, provider=True,
              offender=True, referral=referral)
    audit.record("appointment.cancel", actor=by, obj=appointment, detail={"party": party})


# --- attendance -------------------------------------------------------------------------------------------------


def attendance_problems(appointment: Appointment, code: str | None, note: str | None) -> list[tuple[str, str]]:
    """(field, message) for each reason this outcome cannot be recorded."""
    found = outcomes().get(code or "")
    if found is None:
        return [("outcome", "Choose an attendance outcome")]
    problems = []
    if appointment.status is not AppointmentStatus.BOOKED:
        problems.append(("outcome", "This appointment was cancelled, so no attendance can be recorded"))
    elif appointment.starts_at.astimezone(clock.LONDON).date() > clock.today():
        problems.append(("outcome", "Attendance can be recorded from the day of the appointment"))
    if found.note_required and not (note or "").strip():
        problems.append(("note", f"Write a note: it is needed for “{found.label.lower()}”"))
    return problems


def record_attendance(appointment: Appointment, *, code: str, note: str | None, version: int | None,
                      by) -> Appointment:
    """Record (or correct) the outcome. The appointment's version must be the one the writer saw."""
    _check_version(appointment, version)
    referral = appointment.referral
    if referral.status not in WORKING_STATUSES:
        raise InvalidTransition(f"This referral is {referral.status.label.lower()}, so attendance can no longer "
                                "be recorded.")
    problems = attendance_problems(appointment, code, note)
    if problems:
        raise RuleViolation([m for _, m in problems])
    outcome = outcomes()[code]
    previous = appointment.outcome
    appointment.outcome, appointment.outcome_note = code, (note or "").strip() or None
    appointment.outcome_by_id, appointment.outcome_at = by.id, clock.now()
    _start_work(referral)
    db.session.flush()  # the version check in the UPDATE: a concurrent writer's change raises StaleDataError
    words = "Missed appointment" if outcome.can_count else "Attendance"
    add_event(referral.case, "attendance_recorded", f"{referral.service.name}: {words} on "
              f"{_when(appointment.starts_at)}: {outcome.label.lower()}", by=by, provider=True, referral=referral,
              detail={"outcome": code, "can_count": outcome.can_count, "corrected_from": previous})
    audit.record("appointment.attendance", actor=by, obj=appointment, detail={"outcome": code})
    return appointment


# --- group sessions -------------------------------------------------------------------------------------------------


def create_group_session(*, provider_id: int, title: str, starts_at: datetime, minutes: int, mode: str,
                         place: str | None, referrals: list[Referral], by) -> GroupSession:
    if not referrals:
        raise RuleViolation("Choose at least one person for the session.")
    if not (title or "").strip():
        raise RuleViolation("Enter the session's title.")
    session = GroupSession(provider_id=provider_id, facilitator_id=by.id, title=title.strip(), starts_at=starts_at,
                           ends_at=ends_after(starts_at, minutes), mode=mode,
                           place=(place or "").strip() or None)
    db.session.add(session)
    db.session.flush()
    for referral in referrals:
        if referral.provider_id != provider_id:
            raise RuleViolation("Choose people referred to your organisation.")
        try:
            book_appointment(referral, starts_at=starts_at, minutes=minutes, mode=mode, place=place, by=by,
                             group=session)
        except RuleViolation as exc:
            raise RuleViolation([f"{referral.person_name}: {p}" for p in exc.problems]) from None
    audit.record("group_session.create", actor=by, obj=session, detail={"participants": len(referrals)})
    return session


def record_group_attendance(session: GroupSession, entries: dict[int, tuple[str, str | None, int | None]],
                            *, by) -> None:
    """Outcomes for the whole session at once: every entry is checked before any is written."""
    problems = []
    booked = [a for a in session.appointments if a.status is AppointmentStatus.BOOKED]
    for appointment in booked:
        if appointment.id not in entries:
            continue
        code, note, version = entries[appointment.id]
        _check_version(appointment, version)
        problems += [f"{appointment.referral.person_name}: {m}" for _, m in attendance_problems(appointment, code,
                                                                                                note)]
    if problems:
        raise RuleViolation(problems)
    for appointment in booked:
        if appointment.id in entries:
            code, note, version = entries[appointment.id]
            record_attendance(appointment, code=code, note=note, version=version, by=by)
