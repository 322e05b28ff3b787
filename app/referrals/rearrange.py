"""The person cautioned asks to change an appointment; the provider decides. Use cases: they flush, write the
timeline and audit, and never commit.

A request reaches the referral's caseworker (or, with none assigned, the provider's managers) as a staff message
that says only when the appointment is: the reason stays in the portal. The caseworker moves the appointment
through the reschedule form (the request closes as rearranged when it moves) or declines with an answer the
person reads. Until then the appointment stays as it is."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.audit import services as audit
from app.auth.models import User
from app.errors import InvalidTransition, Problem, RuleViolation
from app.extensions import db
from app.formats import time_of_day
from app.notifications import reminders
from app.notifications.services import notify_staff
from app.organisations.models import Membership, Role
from app.referrals.models import (
    WORKING_STATUSES,
    Appointment,
    AppointmentStatus,
    RearrangeRequest,
    RearrangeStatus,
    Referral,
)
from app.timeline.services import OFFENDER, POLICE, PROVIDER
from app.timeline.services import record as timeline

ALREADY_ASKED = ("You have already asked to change this appointment. Your caseworker will contact you. Until then, "
                 "your appointment stays as it is.")
CANNOT_CHANGE = "This appointment can no longer be changed here. Contact the service if you need to."


def open_request(appointment: Appointment) -> RearrangeRequest | None:
    return db.session.scalar(select(RearrangeRequest).where(RearrangeRequest.open_for_id == appointment.id))


def of_referral(referral: Referral) -> list[RearrangeRequest]:
    """A referral's requests, open ones first, then newest first, from its appointments as loaded (the referral
    page loads each appointment's requests with it)."""
    found = [r for a in referral.appointments for r in a.rearrange_requests]
    return sorted(found, key=lambda r: (r.status is not RearrangeStatus.OPEN, -r.asked_at.timestamp(), -r.id))


def _recipients(referral: Referral) -> list[User]:
    """The caseworker assigned; with none, every active manager of the provider."""
    if referral.caseworker is not None and referral.caseworker.active:
        return [referral.caseworker]
    return list(db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organisation_id == referral.provider_id, Membership.role == Role.PROVIDER_MANAGER,
        Membership.active, User.active).order_by(User.id)))


def ask(appointment: Appointment, *, reason: str | None, suits: str | None, by) -> RearrangeRequest:
    referral = appointment.referral
    if (appointment.status is not AppointmentStatus.BOOKED or appointment.outcome
            or appointment.ends_at < clock.now() or referral.status not in WORKING_STATUSES):
        raise InvalidTransition(CANNOT_CHANGE)
    if not (reason or "").strip():
        raise RuleViolation(Problem("reason", "Tell us why you need to change this appointment."))
    if open_request(appointment) is not None:
        raise RuleViolation(Problem(None, ALREADY_ASKED))
    now = clock.now()
    request = RearrangeRequest(appointment_id=appointment.id, referral_id=referral.id, open_for_id=appointment.id,
                               status=RearrangeStatus.OPEN, reason=reason.strip(),
                               suits=(suits or "").strip() or None, asked_by_id=by.id, asked_at=now)
    try:
        with db.session.begin_nested():  # a second request racing this one meets the unique open_for_id
            db.session.add(request)
    except IntegrityError:
        raise RuleViolation(Problem(None, ALREADY_ASKED)) from None
    case = referral.case
    timeline(case, "rearrange_asked", to=POLICE | PROVIDER | OFFENDER, by=by, referral=referral,
             service=referral.service.name, at=appointment.starts_at.isoformat())
    audit.record("rearrange.create", actor=by, obj=request, detail={"appointment": str(appointment.public_id)})
    link = f"{current_app.config['PORTAL_URL']}/referrals/rearrange/{request.public_id}"
    for user in _recipients(referral):
        notify_staff(user, f"rearrange:{request.public_id}:{user.public_id}", "rearrange_asked",
                     {"day": reminders.day_words(appointment.starts_at), "time": time_of_day(appointment.starts_at),
                      "link": link}, case_id=case.id, provider_id=referral.provider_id)
    return request


def _close(request: RearrangeRequest, status: RearrangeStatus, *, by) -> None:
    if request.status is not RearrangeStatus.OPEN:
        raise InvalidTransition("This request has already been answered.")
    request.status, request.open_for_id = status, None
    request.decided_by_id, request.decided_at = by.id, clock.now()


def decline(request: RearrangeRequest, answer: str | None, *, by) -> None:
    if not (answer or "").strip():
        raise RuleViolation(Problem("answer", "Say why the appointment cannot change. The person will read this."))
    _close(request, RearrangeStatus.DECLINED, by=by)
    request.answer = answer.strip()
    db.session.flush()
    referral = request.referral
    timeline(referral.case, "rearrange_declined", to=POLICE | PROVIDER | OFFENDER, by=by, referral=referral,
             service=referral.service.name, at=request.appointment.starts_at.isoformat())
    audit.record("rearrange.decline", actor=by, obj=request)


CANCELLED_ANSWER = "The appointment was cancelled. The service will contact you if you need a new one."


def appointment_cancelled(appointment: Appointment, *, by) -> None:
    """The appointment was cancelled: its open request, if any, has nothing left to change (declined, saying so)."""
    request = open_request(appointment)
    if request is None:
        return
    _close(request, RearrangeStatus.DECLINED, by=by)
    request.answer = CANCELLED_ANSWER
    db.session.flush()
    audit.record("rearrange.cancelled", actor=by, obj=request)


def appointment_moved(appointment: Appointment, *, by) -> None:
    """The reschedule service moved the appointment: its open request, if any, closes as rearranged."""
    request = open_request(appointment)
    if request is None:
        return
    _close(request, RearrangeStatus.REARRANGED, by=by)
    db.session.flush()
    audit.record("rearrange.rearranged", actor=by, obj=request)
