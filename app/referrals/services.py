"""Use cases for referrals, appointments and attendance. They write timeline and audit entries, flush, and never
commit. What the rules refuse raises RuleViolation (problems tied to form fields) or InvalidTransition; a write
based on an out-of-date version of an appointment raises Conflict (a 409, never a silent overwrite). Providers
report attendance and progress only: nothing here records a breach."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import current_app

from app import clock
from app.audit import services as audit
from app.cases.models import Case, CaseStatus, Condition
from app.compliance import causes as flags
from app.errors import Conflict, InvalidTransition, Problem, RuleViolation
from app.extensions import db
from app.formats import london_datetime as _when
from app.formats import long_date
from app.notifications import reminders
from app.organisations.categories import config as directory_config
from app.organisations.models import Service
from app.referrals import queries, rearrange, victim_match
from app.referrals.dataset import digest, referral_dataset, victim_problems, victims_of
from app.referrals.models import WHAT_TO_BRING_MAX as BRING_MAX
from app.referrals.models import (
    WORKING_STATUSES,
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    GroupSession,
    ProgressNote,
    Referral,
    ReferralStatus,
)
from app.timeline.services import OFFENDER, POLICE, PROVIDER, SCRUTINY
from app.timeline.services import record as timeline

PARTIES = {"person": "The person", "provider": "The provider", "police": "The police"}


# --- the referral's life ------------------------------------------------------------------------------------------


def prepare_referral(case: Case, condition: Condition, service: Service, *, risks: str | None = None,
                     safeguarding: str | None = None, victim_agreed: bool = False, by) -> dict:
    """The dataset the provider would receive, after every check the send makes; nothing is written. Each victim
    detail the case holds is looked for in the dataset's free text: a mention refuses the send, naming the field,
    unless the service works with victims and the officer records that the victim agreed."""
    if case.status is not CaseStatus.ISSUED:
        raise InvalidTransition(f"This case is {case.status.label.lower()}: only an issued caution's conditions "
                                "can be referred to a provider.")
    if condition.case_id != case.id:
        raise RuleViolation(Problem("condition", "Choose one of this case's conditions."))
    if not service.active or service.force_id != case.force_id:
        raise RuleViolation(Problem("service", "Choose an active service from the directory."))
    if queries.open_referral(condition.id, service.id) is not None:
        raise RuleViolation(Problem("service", f"This condition is already referred to {service.name}."))
    if queries.places_left(service) <= 0:
        raise RuleViolation(Problem("service", f"{service.name} has no places left this week (it takes "
                                    f"{service.weekly_capacity} new referrals a week). Choose another service, or "
                                    "refer next week."))
    if victim_agreed:
        category = directory_config().categories.get(service.category)
        if not (category and category.victim_contact):
            raise RuleViolation(Problem("victim_agreed", f"{service.name} does not work with victims: only a "
                                        "restorative referral can carry the victim's details."))
        if not case.victims or any(link.view is None or link.view.could_not_contact for link in case.victims):
            raise RuleViolation(Problem("victim_agreed", "Record the victim's views first: the victim must have "
                                        "been contacted to agree."))
    dataset = referral_dataset(case, condition, service, risks=risks, safeguarding=safeguarding, officer=by)
    if not victim_agreed and (problems := victim_problems(case, dataset)):
        raise RuleViolation([Problem(*p) for p in problems])
    return dataset


def send_referral(case: Case, condition: Condition, service: Service, *, risks: str | None = None,
                  safeguarding: str | None = None, victim_agreed: bool = False, checked: str | None = None,
                  by) -> Referral:
    """Send the referral. `checked` is the digest of the dataset the officer saw: if the case changed since,
    nothing is sent and they check it again."""
    dataset = prepare_referral(case, condition, service, risks=risks, safeguarding=safeguarding,
                               victim_agreed=victim_agreed, by=by)
    if checked is not None and checked != digest(dataset):
        raise RuleViolation(Problem(None, "The referral details changed after you checked them. Check them "
                                          "again before sending."))
    referral = Referral(case_id=case.id, condition_id=condition.id, service_id=service.id,
                        provider_id=service.provider_id, status=ReferralStatus.SENT, referred_by_id=by.id,
                        sent_at=clock.now(), dataset=dataset, victim_agreed=victim_agreed)
    db.session.add(referral)
    db.session.flush()
    agreed = {"victim_agreed": True} if victim_agreed else {}
    timeline(case, "referral_sent", to=POLICE | PROVIDER | SCRUTINY, by=by, referral=referral,
             service_id=str(service.public_id), service=service.name, provider=service.provider.name, **agreed)
    # A disclosure of personal data to a provider: recorded with its recipient (and, for a restorative referral
    # the victim agreed to, that the victim's details may be in it).
    audit.record("referral.send", actor=by, obj=referral, purpose="referral to an intervention provider",
                 recipients=[service.provider.code], detail={"case": str(case.public_id)} | agreed)
    return referral


def accept_referral(referral: Referral, caseworker, *, by) -> None:
    if caseworker is None or caseworker.id not in {u.id for u in queries.caseworkers(referral)}:
        raise RuleViolation(Problem("caseworker", "Choose a caseworker from your organisation."))
    referral.move_to(ReferralStatus.ACCEPTED)
    referral.caseworker_id, referral.decided_by_id, referral.decided_at = caseworker.id, by.id, clock.now()
    db.session.flush()
    timeline(referral.case, "referral_accepted", to=POLICE | PROVIDER, by=by, referral=referral,
             service=referral.service.name, caseworker=caseworker.display_name)
    audit.record("referral.accept", actor=by, obj=referral)
    flags.referral_decided(referral)


def decline_referral(referral: Referral, reason: str, *, by) -> None:
    if not (reason or "").strip():
        raise RuleViolation(Problem("reason", "Say why the referral is declined."))
    referral.move_to(ReferralStatus.DECLINED)
    referral.decline_reason, referral.decided_by_id, referral.decided_at = reason.strip(), by.id, clock.now()
    db.session.flush()
    timeline(referral.case, "referral_declined", to=POLICE | PROVIDER, by=by, referral=referral,
             service=referral.service.name, reason=reason.strip())
    audit.record("referral.decline", actor=by, obj=referral)
    flags.referral_decided(referral)


def add_note(referral: Referral, text: str, *, by) -> ProgressNote:
    if referral.status not in WORKING_STATUSES:
        raise InvalidTransition(f"This referral is {referral.status.label.lower()}, so no more notes can be added.")
    if not (text or "").strip():
        raise RuleViolation(Problem("text", "Write the progress note."))
    note = ProgressNote(referral_id=referral.id, author_id=by.id, written_at=clock.now(), text=text.strip())
    db.session.add(note)
    db.session.flush()
    timeline(referral.case, "progress_note", to=POLICE | PROVIDER, by=by, referral=referral,
             service=referral.service.name)
    audit.record("referral.note", actor=by, obj=referral)
    return note


END_OUTCOMES = {"completed": "Completed", "ended_early": "Ended early"}


def end_referral(referral: Referral, outcome: str, *, summary: str, reason: str | None, by) -> None:
    """The end-of-service report: completed, or ended early with a reason. It records the condition's outcome as
    the provider reported it and tells the officer; whether anything follows is the officer's decision."""
    if outcome not in END_OUTCOMES:
        raise RuleViolation(Problem("outcome", "Choose whether the service was completed or ended early."))
    problems = []
    if not (summary or "").strip():
        problems.append(Problem("summary", "Write a summary of the person's engagement."))
    if outcome == "ended_early" and not (reason or "").strip():
        problems.append(Problem("reason", "Say why the service ended early."))
    if problems:
        raise RuleViolation(problems)
    referral.move_to(ReferralStatus(outcome))
    referral.ended_at, referral.ended_by_id = clock.now(), by.id
    referral.end_summary = summary.strip()
    referral.end_reason = reason.strip() if outcome == "ended_early" and reason else None
    condition = referral.condition
    condition.outcome, condition.outcome_on = outcome, clock.today()
    db.session.flush()
    timeline(referral.case, "referral_ended", to=POLICE | PROVIDER | SCRUTINY, by=by, referral=referral,
             service=referral.service.name, outcome=outcome)
    audit.record("referral.end", actor=by, obj=referral, detail={"outcome": outcome})
    flags.referral_ended(referral)
    reminders.service_ended(referral)


# --- appointments ---------------------------------------------------------------------------------------------------


def ends_after(starts_at: datetime, minutes: int) -> datetime:
    """Elapsed time, not wall-clock time: a 5-hour session that starts at 00:05 on the day the clocks go forward
    ends at 06:05, not 05:05 (adding to a London time would add wall-clock hours)."""
    return starts_at.astimezone(UTC) + timedelta(minutes=minutes)


def late_entry_days() -> int:
    """How many days after a session it may still be entered (operational configuration)."""
    return int(current_app.config.get("LATE_ENTRY_DAYS", 14))


def late_entry_problem(day: date) -> str | None:
    """Why a session on `day` cannot be entered now: further back than the late-entry limit."""
    earliest = clock.today() - timedelta(days=late_entry_days())
    if day < earliest:
        return (f"A past session can be entered up to {late_entry_days()} days after it was held: enter a date on "
                f"or after {long_date(earliest)}")
    return None


def _check_slot(person_id: int, starts_at: datetime, minutes: int, mode: str, *, ignore=None,
                past: bool = False) -> datetime:
    """`past`: a session already held may be entered, within the late-entry limit."""
    problems = []
    if starts_at.tzinfo is None:
        raise ValueError("naive appointment time")
    day = starts_at.astimezone(clock.LONDON).date()
    if not past and day < clock.today():
        problems.append(Problem("on", "The appointment must be today or later."))
    elif past and (late := late_entry_problem(day)):
        problems.append(Problem("on", late + "."))
    if not 5 <= minutes <= 12 * 60:
        problems.append(Problem("minutes", "An appointment must last between 5 minutes and 12 hours."))
    if mode not in directory_config().delivery_modes:
        problems.append(Problem("mode", "Choose how the appointment is held from the list."))
    if problems:
        raise RuleViolation(problems)
    ends_at = ends_after(starts_at, minutes)
    found = queries.clashes(person_id, starts_at, ends_at, ignore=ignore)
    if found:
        raise RuleViolation(Problem("at", f"The person already has an appointment then "
                                          f"({_when(found[0].starts_at)}). Choose another time."))
    return ends_at


def _bring_tidied(text: str | None) -> str:
    """What to bring on one line; refused when too long for the person's page and messages."""
    text = " ".join((text or "").split())
    if len(text) > BRING_MAX:
        raise RuleViolation(Problem("what_to_bring", f"What to bring must be {BRING_MAX} characters or fewer."))
    return text


def _bring(text: str | None, case: Case) -> str | None:
    """What to bring for one person's appointment (None when blank). The person reads it (page, reminders,
    calendar), so it is refused when too long, or when it mentions a victim of the case."""
    text = _bring_tidied(text)
    if text and victim_match.find({"what_to_bring": text}, victims_of(case), person=case.offender.full_name):
        raise RuleViolation(Problem("what_to_bring", "What to bring mentions the victim's details. The person "
                                                     "reads it: remove them."))
    return text or None


def _start_work(referral: Referral) -> None:
    if referral.status is ReferralStatus.ACCEPTED:
        referral.move_to(ReferralStatus.IN_PROGRESS)


def book_appointment(referral: Referral, *, starts_at: datetime, minutes: int, mode: str, place: str | None,
                     by, group: GroupSession | None = None, what_to_bring: str | None = None) -> Appointment:
    if referral.status not in WORKING_STATUSES:
        raise InvalidTransition(f"This referral is {referral.status.label.lower()}, so appointments cannot be "
                                "booked.")
    bring = _bring(group.what_to_bring if group else what_to_bring, referral.case)
    ends_at = _check_slot(referral.case.offender_id, starts_at, minutes, mode, past=True)
    late = starts_at < clock.now()  # the session was held before it was entered
    appointment = Appointment(referral_id=referral.id, person_id=referral.case.offender_id, starts_at=starts_at,
                              ends_at=ends_at, mode=mode, place=(place or "").strip() or None, booked_by_id=by.id,
                              group_session_id=group.id if group else None, entered_late=late,
                              what_to_bring=bring)
    db.session.add(appointment)
    _start_work(referral)
    db.session.flush()
    timeline(referral.case, "appointment_booked", to=POLICE | PROVIDER | OFFENDER, by=by, referral=referral,
             service=referral.service.name, at=starts_at.isoformat(), group=group.title if group else None,
             late=late)
    audit.record("appointment.create", actor=by, obj=appointment)
    if not late:
        reminders.booked(appointment, referral)
    return appointment


def _check_version(appointment: Appointment, version: int) -> None:
    if version != appointment.version:  # a writer that did not say which version it saw is refused too
        raise Conflict(appointment)


def reschedule(appointment: Appointment, *, starts_at: datetime, minutes: int, requested_by: str, reason: str,
               version: int, by, what_to_bring: str | None = None) -> Appointment:
    """Move the appointment; `what_to_bring` replaces what it said (blank: nothing)."""
    _check_version(appointment, version)
    if appointment.status is not AppointmentStatus.BOOKED or appointment.outcome:
        raise InvalidTransition("Only a booked appointment with no outcome recorded can be moved.")
    if appointment.group_session_id is not None:
        raise RuleViolation("This is a place in a group session: the group's time cannot be moved for one person. "
                            "Cancel the place and book another session instead.")
    problems = []
    if requested_by not in PARTIES:
        problems.append(Problem("requested_by", "Say who asked for the change."))
    if not (reason or "").strip():
        problems.append(Problem("reason", "Say why the appointment is moving."))
    if problems:
        raise RuleViolation(problems)
    bring = _bring(what_to_bring, appointment.referral.case)
    ends_at = _check_slot(appointment.person_id, starts_at, minutes, appointment.mode, ignore=appointment.id)
    db.session.add(AppointmentChange(appointment_id=appointment.id, changed_at=clock.now(), changed_by_id=by.id,
                                     requested_by=requested_by, reason=reason.strip(),
                                     old_starts_at=appointment.starts_at, old_ends_at=appointment.ends_at,
                                     new_starts_at=starts_at, new_ends_at=ends_at))
    old = appointment.starts_at
    appointment.starts_at, appointment.ends_at = starts_at, ends_at
    appointment.what_to_bring = bring
    db.session.flush()
    referral = appointment.referral
    timeline(referral.case, "appointment_moved", to=POLICE | PROVIDER | OFFENDER, by=by, referral=referral,
             service=referral.service.name, was_at=old.isoformat(), at=starts_at.isoformat(),
             asked=PARTIES[requested_by].lower())
    audit.record("appointment.reschedule", actor=by, obj=appointment, detail={"requested_by": requested_by})
    reminders.moved(appointment, referral, old)
    rearrange.appointment_moved(appointment, by=by)  # the person's request to change it, if any, is answered
    return appointment


def cancel(appointment: Appointment, *, party: str, reason: str, version: int, by) -> None:
    _check_version(appointment, version)
    if appointment.status is not AppointmentStatus.BOOKED or appointment.outcome:
        raise InvalidTransition("Only a booked appointment with no outcome recorded can be cancelled.")
    problems = []
    if party not in PARTIES:
        problems.append(Problem("party", "Say who cancelled the appointment."))
    if not (reason or "").strip():
        problems.append(Problem("reason", "Say why the appointment was cancelled."))
    if problems:
        raise RuleViolation(problems)
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_by_party, appointment.cancelled_by_id = party, by.id
    appointment.cancel_reason = reason.strip()
    db.session.flush()
    referral = appointment.referral
    timeline(referral.case, "appointment_cancelled", to=POLICE | PROVIDER | OFFENDER, by=by, referral=referral,
             service=referral.service.name, at=appointment.starts_at.isoformat(), party=PARTIES[party].lower())
    audit.record("appointment.cancel", actor=by, obj=appointment, detail={"party": party})
    reminders.cancelled(appointment, referral)
    rearrange.appointment_cancelled(appointment, by=by)


# --- group sessions -------------------------------------------------------------------------------------------------


def create_group_session(*, provider_id: int, title: str, starts_at: datetime, minutes: int, mode: str,
                         place: str | None, referrals: list[Referral], by,
                         what_to_bring: str | None = None) -> GroupSession:
    if not referrals:
        raise RuleViolation(Problem("participants", "Choose at least one person for the session."))
    if not (title or "").strip():
        raise RuleViolation(Problem("title", "Enter the session's title."))
    session = GroupSession(provider_id=provider_id, facilitator_id=by.id, title=title.strip(), starts_at=starts_at,
                           ends_at=ends_after(starts_at, minutes), mode=mode,
                           place=(place or "").strip() or None,
                           what_to_bring=_bring_tidied(what_to_bring) or None)
    db.session.add(session)
    db.session.flush()
    for referral in referrals:
        if referral.provider_id != provider_id:
            raise RuleViolation(Problem("participants", "Choose people referred to your organisation."))
        try:
            book_appointment(referral, starts_at=starts_at, minutes=minutes, mode=mode, place=place, by=by,
                             group=session)
        except RuleViolation as exc:
            raise RuleViolation([Problem(p.field, f"{referral.person_name}: {p.message}")
                                 for p in exc.by_field]) from None
    audit.record("group_session.create", actor=by, obj=session, detail={"participants": len(referrals)})
    return session


# Attendance lives in its own module (it uses the helpers above); its use cases are reachable from here too.
from app.referrals.attendance import attendance_problems, record_attendance, record_group_attendance  # noqa: E402, F401
