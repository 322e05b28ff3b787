"""The changes that raise or clear a flag at once, called by the services that make them, in their transaction
(the sweep catches what only time does)."""

from __future__ import annotations

from app.cases.models import CaseStatus
from app.compliance.models import Flag, FlagKind
from app.compliance.services import OUTLIVE_THE_CASE, clear_flags, clear_where, raise_flag
from app.formats import long_date
from app.notifications import reminders


def outcome_recorded(appointment, outcome) -> None:
    """An outcome recorded (or corrected): it is no longer missing; one that can count towards non-compliance
    is a missed appointment for the officer to look at, and a correction to one that cannot clears it."""
    key = f"{FlagKind.MISSED_APPOINTMENT.value}:{appointment.public_id}"
    if not outcome.can_count:
        clear_flags(appointment_id=appointment.id, because="an outcome that cannot count was recorded")
        return
    clear_flags(key=f"{FlagKind.OUTCOME_NOT_RECORDED.value}:{appointment.public_id}",
                because="the outcome was recorded")
    case = appointment.referral.case
    if case.status is CaseStatus.ISSUED:  # a case waiting for a non-compliance decision is already in view
        day = long_date(appointment.starts_at)
        raise_flag(case, FlagKind.MISSED_APPOINTMENT, key, f"Missed appointment on {day} ({outcome.label})",
                   appointment=appointment)


def referral_decided(referral) -> None:
    """Accepted or declined: it is no longer waiting for the provider."""
    clear_flags(key=f"{FlagKind.REFERRAL_NOT_ACCEPTED.value}:{referral.public_id}",
                because="the referral was accepted or declined")


def referral_ended(referral) -> None:
    """The end-of-service report: nothing more can be recorded on its appointments, and its condition has an
    outcome (so it is not overdue, and the deadline may no longer have conditions open)."""
    clear_flags(kind=FlagKind.OUTCOME_NOT_RECORDED, referral_id=referral.id, because="the referral ended")
    condition_recorded(referral.case, referral.condition)


def condition_recorded(case, condition) -> None:
    """A condition with an outcome (by the provider's report or the officer's record) is not overdue, and the
    deadline may no longer have conditions open."""
    no_longer_overdue(condition, because="the condition is done")
    if all(c.outcome is not None for c in case.conditions):
        clear_flags(case.id, kind=FlagKind.DEADLINE_PASSED, because="every condition is done")


def no_longer_overdue(condition, *, because: str) -> None:
    """Done, or ended by a signed variation: the condition's overdue flag has lost its cause."""
    clear_flags(key=f"{FlagKind.CONDITION_OVERDUE.value}:{condition.public_id}", because=because)


def case_left_issue(case) -> None:
    """A case no longer issued (completed, closed, or ended for non-compliance) keeps no flags, except a victim's
    late update and an unpaid penalty: those are still owed. Nobody is reminded of its appointments or deadline any
    more."""
    clear_where(Flag.case_id == case.id, Flag.kind.not_in(OUTLIVE_THE_CASE), because="the case is no longer issued")
    reminders.case_ended(case)
