"""The police home pages (an officer's cases, a supervisor's team's, a coordinator's force's) and the caseload's
htmx results: the same statements for a caseload of 10 cases and of 1,000."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.cases.models import Case
from app.extensions import db
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


@pytest.fixture(scope="module")
def grow(app):
    """Call with a number of cases: the officer's caseload grows to it."""
    def to(n: int):
        module_data(app, *(_drafts(size) for size in range(100, n, 100)), _drafts(n))
    yield to
    empty(app)


def test_police_home_pages(app, clients, grow):
    grow(10)
    small = {name: measure(app, clients[who], path, page=name, size="10 cases", **kw) for name, who, path, kw in PAGES}
    grow(1000)
    large = {name: measure(app, clients[who], path, page=name, size="1,000 cases", **kw)
             for name, who, path, kw in PAGES}
    for name in small:
        assert_bounded(name, small[name], large[name])
        assert large[name].audit, f"{name} wrote no view audit row"  # one row for the page, whatever its length
