"""A condition's status after issue, from its facts: one pure function, checked at its boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app import clock
from app.referrals.models import ReferralStatus as R
from app.referrals.progress import ConditionStatus as S
from app.referrals.progress import ReferralProgress as P
from app.referrals.progress import condition_status

# 23:30 on 1 March in London (BST is not in force): still 1 March there, whatever the UTC date.
LATE_EVENING = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)


def status(due_on, referrals=(), recorded=None):
    return condition_status(due_on=due_on, recorded=recorded, referrals=list(referrals), today=clock.today())


@pytest.mark.parametrize(("referrals", "recorded", "expected"), [
    ((), None, S.NOT_STARTED),
    ((P(R.SENT),), None, S.NOT_STARTED),
    ((P(R.DECLINED),), None, S.NOT_STARTED),
    ((P(R.ACCEPTED),), None, S.IN_PROGRESS),
    ((P(R.IN_PROGRESS, booked=True, attended=True),), None, S.IN_PROGRESS),
    ((P(R.SENT, booked=True),), None, S.IN_PROGRESS),
    ((P(R.COMPLETED),), "completed", S.DONE),
    ((), "completed", S.DONE),
    ((P(R.ENDED_EARLY),), "ended_early", S.NOT_DONE),
    ((P(R.DECLINED), P(R.ACCEPTED)), None, S.IN_PROGRESS),
    # Referred again after one ended early: the new referral is where the condition stands.
    ((P(R.ENDED_EARLY), P(R.ACCEPTED)), "ended_early", S.IN_PROGRESS),
    ((P(R.ENDED_EARLY), P(R.DECLINED)), "ended_early", S.NOT_DONE),
    ((P(R.ENDED_EARLY), P(R.COMPLETED)), "completed", S.DONE),
])
def test_status_from_referrals_before_the_due_date(referrals, recorded, expected):
    with clock.frozen(LATE_EVENING):
        assert status(date(2027, 3, 20), referrals, recorded) is expected


@pytest.mark.parametrize(("due_on", "expected"), [
    (date(2027, 3, 2), S.IN_PROGRESS),   # tomorrow
    (date(2027, 3, 1), S.IN_PROGRESS),   # today: still on time, until the day ends in London
    (date(2027, 2, 28), S.NOT_DONE),     # yesterday: passed without completion
])
def test_due_today_is_on_time_and_yesterday_is_not(due_on, expected):
    with clock.frozen(LATE_EVENING):
        assert status(due_on, [P(R.ACCEPTED)]) is expected


def test_the_day_turns_in_london_not_in_utc():
    """23:30 UTC on 31 July is already 1 August in London: a condition due on 31 July is then overdue."""
    with clock.frozen(datetime(2027, 7, 31, 23, 30, tzinfo=UTC)):
        assert clock.today() == date(2027, 8, 1)
        assert status(date(2027, 7, 31)) is S.NOT_DONE
        assert status(date(2027, 8, 1)) is S.NOT_STARTED


def test_completion_wins_over_a_passed_due_date():
    with clock.frozen(LATE_EVENING):
        assert status(date(2027, 1, 1), [P(R.COMPLETED)], "completed") is S.DONE
        assert status(clock.today() - timedelta(days=1), [], None) is S.NOT_DONE


def test_labels_and_tags():
    assert [(s.label, s.tag) for s in S] == [("Not started", "grey"), ("In progress", "blue"), ("Done", "green"),
                                             ("Not done", "red")]
