"""How far a condition of an issued caution has got: one pure function of its facts, so the rule is written once.

- done: the condition was recorded complete, or a referral for it ended completed;
- not done: the officer recorded it not done, the referral now working on it ended early (not completed), or the
  due date has passed (due today is still on time) without completion;
- in progress: the referral is accepted or in progress, or has an appointment booked or attended;
- not started: no referral (or one only sent or declined) and nothing booked or attended yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from app.referrals.models import WORKING_STATUSES, AppointmentStatus, ReferralStatus
from app.referrals.outcomes import outcomes

NOT_DONE = "not_done"  # a condition's outcome the officer records (beside completed and ended_early)


class ConditionStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_DONE = "not_done"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def tag(self) -> str:
        """The GOV.UK tag colour it is shown in."""
        return {"not_started": "grey", "in_progress": "blue", "done": "green", "not_done": "red"}[self.value]


class ReferralProgress(NamedTuple):
    """What the status needs of one referral: its status, and whether it has an appointment booked or attended."""

    status: ReferralStatus
    booked: bool = False
    attended: bool = False


def condition_status(*, due_on: date, recorded: str | None, referrals: Sequence[ReferralProgress],
                     today: date) -> ConditionStatus:
    """`recorded`: the condition's own outcome (completed, ended_early) or None; `referrals`: oldest first."""
    if recorded == "completed" or any(r.status is ReferralStatus.COMPLETED for r in referrals):
        return ConditionStatus.DONE
    if recorded == NOT_DONE:  # the officer's record, with the evidence seen
        return ConditionStatus.NOT_DONE
    # A declined referral did no work: the latest of the others is the one that says where the condition stands.
    current = next((r for r in reversed(referrals) if r.status is not ReferralStatus.DECLINED), None)
    ended_early = current.status is ReferralStatus.ENDED_EARLY if current else recorded == "ended_early"
    if ended_early or due_on < today:
        return ConditionStatus.NOT_DONE
    if current and (current.status in WORKING_STATUSES or current.booked or current.attended):
        return ConditionStatus.IN_PROGRESS
    return ConditionStatus.NOT_STARTED


def progress_of(referral) -> ReferralProgress:
    """The facts of a referral whose appointments are loaded."""
    known = outcomes()
    live = [a for a in referral.appointments if a.status is AppointmentStatus.BOOKED]
    return ReferralProgress(referral.status, booked=bool(live),
                            attended=any(a.outcome in known and known[a.outcome].attended for a in live))
