"""The police home pages (an officer's cases, a supervisor's team's, a coordinator's force's) and the caseload's
htmx results: the same statements for a caseload of 10 cases and of 1,000, and for 1 case with open flags (so
needing attention) and for more than the home shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.cases.attention import LIMIT
from app.cases.models import Case
from app.compliance.models import Flag
from app.extensions import db
from app.referrals import services as referrals
from tests import factories
from tests.statements.conftest import PARTIAL, assert_bounded, empty, measure, module_data

PAGES = [
    ("police caseload (officer)", "officer-north", "/", {}),
    ("police caseload (supervisor)", "supervisor", "/", {}),
    ("police caseload (coordinator)", "coordinator", "/", {}),
    ("caseload, filtered and sorted", "coordinator", "/?status=draft&sort=name&page=2", {}),
    ("caseload results partial", "officer-north", "/?q=family", {"headers": PARTIAL}),
]


def _officers_cases() -> int:
    officer = factories.user("officer-north")
    return db.session.scalar(select(func.count(Case.id)).where(Case.officer_id == officer.id))


def _drafts(until: int):
    """A step that gives the officer new draft cases until they have `until`."""
    def step():
        for i in range(until - _officers_cases()):
            factories.draft(given=f"Given{until}x{i}", family=f"Family{until}x{i}")
        assert _officers_cases() == until
        return {}
    return step


def _flagged(until: int):
    """A step that gives the officer issued cases, each with a missed appointment recorded (so an open flag and
    a row in "needs attention"), until they have `until`."""
    def step():
        made = db.session.scalar(select(func.count(func.distinct(Flag.case_id))))
        for i in reversed(range(until - made)):  # oldest first: a service's places are counted from a week on
            with factories.on_day(clock.today() - timedelta(days=2, weeks=made + i)):  # services take so many a week
                case = factories.issued(given=f"Flag{until}x{i}", family="Family", victim=False,
                                        conditions=(factories.REHABILITATIVE,))
                appointment = factories.appointment(factories.accepted(case), factories.at(1))
            referrals.record_attendance(appointment, code="did_not_attend", note="No answer",
                                        version=appointment.version, by=factories.user("freshstart-caseworker"))
        return {}
    return step


@pytest.fixture(scope="module")
def grow(app):
    """Call with a number of cases: the officer's caseload grows to it, `flagged` of them with an open flag."""
    def to(n: int, flagged: int):
        module_data(app, _flagged(flagged), *(_drafts(size) for size in range(100, n, 100)), _drafts(n))
    yield to
    empty(app)


def test_police_home_pages(app, clients, grow):
    grow(10, flagged=1)
    small = {name: measure(app, clients[who], path, page=name, size="10 cases", **kw) for name, who, path, kw in PAGES}
    grow(1000, flagged=LIMIT + 5)
    large = {name: measure(app, clients[who], path, page=name, size="1,000 cases", **kw)
             for name, who, path, kw in PAGES}
    for name in small:
        assert_bounded(name, small[name], large[name])
        assert large[name].audit, f"{name} wrote no view audit row"  # one row for the page, whatever its length
