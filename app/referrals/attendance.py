"""Attendance: recording an appointment's outcome, and correcting it. Every outcome is kept (OutcomeRecord, each
with its own note); the appointment's outcome columns hold the latest, which is what everything else reads. A
correction is a new timeline event that names the one it corrects: the earlier event stays, shown as corrected.
Like the other use cases, these flush and never commit."""

from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.audit import services as audit
from app.compliance import causes as flags
from app.errors import Conflict, InvalidTransition, Problem, RuleViolation
from app.extensions import db
from app.referrals.models import WORKING_STATUSES, Appointment, AppointmentStatus, GroupSession, OutcomeRecord
from app.referrals.outcomes import outcomes
from app.referrals.services import _check_version, _start_work
from app.timeline.models import TimelineEvent
from app.timeline.services import POLICE, PROVIDER, SCRUTINY
from app.timeline.services import record as timeline


def attendance_problems(appointment: Appointment, code: str | None, note: str | None) -> list[Problem]:
    """Each reason this outcome cannot be recorded, by form field."""
    found = outcomes().get(code or "")
    if found is None:
        return [Problem("outcome", "Choose an attendance outcome")]
    problems = []
    if appointment.status is not AppointmentStatus.BOOKED:
        problems.append(Problem("outcome", "This appointment was cancelled, so no attendance can be recorded"))
    elif appointment.starts_at.astimezone(clock.LONDON).date() > clock.today():
        problems.append(Problem("outcome", "Attendance can be recorded from the day of the appointment"))
    note = (note or "").strip()
    previous = outcomes().get(appointment.outcome or "")
    if previous and previous.code != code and note and note == (appointment.outcome_note or ""):
        # The note was written for the outcome being replaced: a changed outcome needs its own.
        problems.append(Problem("note", f"Write a new note for “{found.label.lower()}”: this note was written "
                                        f"for “{previous.label.lower()}”"))
    elif found.note_required and not note and not (previous is found and appointment.outcome_note):
        problems.append(Problem("note", f"Write a note: it is needed for “{found.label.lower()}”"))
    return problems


def _announced(appointment: Appointment) -> TimelineEvent | None:
    """The timeline event of the outcome recorded now, if any."""
    latest = appointment.outcome_history[-1] if appointment.outcome_history else None
    return db.session.get(TimelineEvent, latest.timeline_event_id) if latest and latest.timeline_event_id else None


def record_attendance(appointment: Appointment, *, code: str, note: str | None, version: int,
                      by) -> Appointment:
    """Record (or correct) the outcome. The appointment's version must be the one the writer saw."""
    _check_version(appointment, version)
    referral = appointment.referral
    if referral.status not in WORKING_STATUSES:
        raise InvalidTransition(f"This referral is {referral.status.label.lower()}, so attendance can no longer "
                                "be recorded.")
    if problems := attendance_problems(appointment, code, note):
        raise RuleViolation(problems)
    outcome = outcomes()[code]
    previous, writer = outcomes().get(appointment.outcome or ""), by.id  # read first: loading `by` must not flush
    corrected = _announced(appointment) if previous else None
    now, note = clock.now(), (note or "").strip() or None
    if previous and previous.code == code and note is None:
        note = appointment.outcome_note  # the same outcome saved again keeps its note; a changed one never does
    appointment.outcome, appointment.outcome_note = code, note
    appointment.outcome_by_id, appointment.outcome_at = writer, now
    _start_work(referral)
    try:
        db.session.flush()  # the version check in the UPDATE: a concurrent writer's change fails it
    except StaleDataError:
        raise Conflict(appointment) from None
    detail = {"outcome": code, "can_count": outcome.can_count, "corrected_from": previous.code if previous else None,
              "label": outcome.label, "service": referral.service.name, "at": appointment.starts_at.isoformat()}
    if previous and previous.code == code:  # the same outcome, its note changed: the timeline entry still holds
        event = corrected
    else:
        kind, was = ("attendance_corrected", {"was": previous.label}) if previous else ("attendance_recorded", {})
        event = timeline(referral.case, kind, to=POLICE | PROVIDER | SCRUTINY, by=by, referral=referral,
                         corrects=corrected, **detail, **was)
    record = OutcomeRecord(appointment_id=appointment.id, outcome=code, note=note, recorded_by_id=writer,
                           recorded_at=now, timeline_event_id=getattr(event, "id", None))
    appointment.outcome_history.append(record)
    db.session.flush()
    audit.record("appointment.attendance", actor=by, obj=appointment,
                 detail={"outcome": code} | ({"corrected_from": previous.code} if previous else {}))
    flags.outcome_recorded(appointment, outcome)
    return appointment


def record_group_attendance(session: GroupSession, entries: dict[int, tuple[str, str | None, int]],
                            *, by) -> None:
    """Outcomes for the whole session at once: every entry is checked before any is written."""
    problems = []
    booked = [a for a in session.appointments if a.status is AppointmentStatus.BOOKED]
    for appointment in booked:
        if appointment.id not in entries:
            continue
        code, note, version = entries[appointment.id]
        _check_version(appointment, version)
        problems += [Problem(f"{field}_{appointment.key}", f"{appointment.referral.person_name}: {message}")
                     for field, message in attendance_problems(appointment, code, note)]
    if problems:
        raise RuleViolation(problems)
    for appointment in booked:
        if appointment.id in entries:
            code, note, version = entries[appointment.id]
            record_attendance(appointment, code=code, note=note, version=version, by=by)
