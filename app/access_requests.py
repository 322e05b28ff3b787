"""What the public ask for, and who answers (re-exported by app/access.py; import from app.access): the person
cautioned asks to change one of their own appointments, and the provider's staff on that referral decide; the
person chooses how reminders reach them and asks their officer to correct their contact details."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app import clock
from app.access import _one_or_404, _require_work, can_work_on_referral, visible_referrals
from app.access_public import can_see_own_case, is_public
from app.cases.models import CaseStatus
from app.referrals.models import WORKING_STATUSES, AppointmentStatus, RearrangeRequest, RearrangeStatus, Referral

__all__ = ["can_ask_to_rearrange", "can_choose_reminders", "can_decide_rearrange", "rearrange_request_or_404",
           "visible_rearrange_requests"]


def can_ask_to_rearrange(user, appointment) -> bool:
    """The person cautioned, of one of their own appointments (loaded through `own_appointment_or_404`): while
    it is still to come, booked, with nothing recorded, and the service is working with them."""
    return (is_public(user) and appointment.status is AppointmentStatus.BOOKED and not appointment.outcome
            and appointment.ends_at >= clock.now() and appointment.referral.status in WORKING_STATUSES)


def can_choose_reminders(user, case) -> bool:
    """The person cautioned chooses how their reminders reach them, and asks their officer to correct their
    contact details, while the caution runs (once it is finished there is nothing left to remind them of)."""
    return can_see_own_case(user, case) and case.status is CaseStatus.ISSUED


def visible_rearrange_requests(user) -> Select:
    """The requests on referrals the user may see: the police's cases', the provider's (a caseworker's own)."""
    theirs = visible_referrals(user).with_only_columns(Referral.id)
    return select(RearrangeRequest).where(RearrangeRequest.referral_id.in_(theirs))


def can_decide_rearrange(user, request: RearrangeRequest) -> bool:
    """Move the appointment or decline: someone who may work on the referral, while the request is open."""
    return request.status is RearrangeStatus.OPEN and can_work_on_referral(user, request.referral)


def rearrange_request_or_404(public_id) -> RearrangeRequest:
    """A request on a referral the user may work on (its caseworker, the provider's manager); the police and
    everyone else: 404; a referral that has ended: refused in words."""
    found = _one_or_404(visible_rearrange_requests(current_user).options(
        joinedload(RearrangeRequest.referral), joinedload(RearrangeRequest.appointment)),
        RearrangeRequest.public_id, public_id)
    _require_work(found.referral)
    return found
