"""The supervisor's view of their team after issue: open flags oldest first with their age, the decisions waiting
for their approval, and this month's decisions; their own team's only, and for nobody but a supervisor."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from app.compliance import decisions
from app.compliance.models import FlagKind
from app.compliance.services import raise_flag
from app.extensions import db
from tests import factories

ISSUED_ON = date(2026, 10, 5)
TODAY = date(2026, 10, 20)



def _flag(case, key: str, reason: str, on: date):
    with factories.on_day(on):
        return raise_flag(case, FlagKind.DEADLINE_PASSED, f"{key}:{case.id}", reason)


def test_the_supervisor_sees_their_teams_flags_by_age_and_the_decisions(app, demo_data, login_as):
    with app.app_context(), factories.on_day(ISSUED_ON):
        north = factories.issued(victim=False, given="Noor", conditions=(factories.RESTRICTIVE,))
        south = factories.issued(factories.user("officer-south"), team_name="South Response Team", victim=False,
                                 given="Sid", conditions=(factories.RESTRICTIVE,))
        _flag(north, "newer", "Newer flag", TODAY - timedelta(days=2))
        _flag(north, "older", "Older flag", TODAY - timedelta(days=9))
        _flag(south, "south", "Another team's flag", TODAY - timedelta(days=5))
        with factories.on_day(TODAY):
            waiting = _flag(north, "to-decide", "Decided flag", TODAY)
            decisions.decide(north, waiting, explanation="Forgot", attempts=[], evidence="Note",
                             decision="refer_for_prosecution", reason="No excuse",
                             by=factories.user("officer-north"))
            accepted = _flag(north, "accepted", "Accepted flag", TODAY)
            decisions.decide(north, accepted, explanation="Was ill", attempts=[], evidence="A note was seen",
                             decision="excuse_accepted", reason="A good reason",
                             by=factories.user("officer-north"))
        db.session.commit()
    with factories.on_day(TODAY):
        page = login_as("supervisor").get("/cases/supervision")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    flags = re.findall(r"(Older flag|Newer flag|Another team's flag).*?(\d+) days?", html, flags=re.S)
    assert flags == [("Older flag", "9"), ("Newer flag", "2")]  # oldest first; the south team's is not here
    assert "refer for prosecution of the original offence" in html.split('id="waiting"')[1].split('id="flags"')[0]
    month = html.split('id="month"')[1]
    assert "Excuse accepted: no further action: 1" in month and "Refer for prosecution" not in month


@pytest.mark.parametrize("who", ["officer-north", "coordinator", "freshstart-manager", "offender"])
def test_only_a_supervisor_has_the_page(app, demo_data, login_as, who):
    assert login_as(who).get("/cases/supervision").status_code == 404
