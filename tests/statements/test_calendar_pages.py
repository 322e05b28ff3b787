"""The person cautioned's calendar: the feed page, an appointment's file and the feed itself. The same statements
with one appointment as with 21 (one moved, one cancelled)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.people import calendar
from app.people.models import Person
from app.referrals import services as referrals
from app.referrals.models import Referral
from tests import factories
from tests.statements.conftest import assert_bounded, empty, measure, module_data

PAGES = [("the calendar feed page", "offender", "/my/calendar-feed", {}),
         ("an appointment's calendar file", "offender", "/my/appointments/{appointment}.ics", {}),
         ("the calendar feed", None, "/calendar/{token}.ics", {})]


def _jordans_referral() -> Referral:
    return db.session.scalar(select(Referral).join(Case).join(Person, Case.offender_id == Person.id)
                             .where(Person.given_name == "Jordan"))


def _one() -> dict:
    """The demo's referral accepted, one appointment booked, and Jordan's feed."""
    sent = _jordans_referral()
    referrals.accept_referral(sent, factories.user("freshstart-caseworker"), by=factories.user("freshstart-manager"))
    appointment = factories.appointment(sent, factories.at(1))
    return {"appointment": str(appointment.public_id), "token": calendar.create(factories.user("offender"))}


def _many() -> dict:
    """20 more appointments: one moved, one cancelled."""
    made = factories.appointments(_jordans_referral(), 20, first=factories.at(2))
    by = factories.user("freshstart-caseworker")
    referrals.reschedule(made[0], starts_at=made[0].starts_at + timedelta(hours=2), minutes=30,
                         requested_by="person", reason="Work", version=made[0].version, by=by)
    referrals.cancel(made[1], party="provider", reason="Closed", version=made[1].version, by=by)
    return {}


@pytest.fixture(scope="module")
def grow(app):
    yield lambda *steps: module_data(app, *steps)
    empty(app)


def test_calendar_pages(app, clients, grow):
    found = grow(_one)
    client = {who: clients[who] if who else app.test_client() for _, who, _, _ in PAGES}
    small = {page: measure(app, client[who], path.format(**found), page=page, size="1 appointment", **kw)
             for page, who, path, kw in PAGES}
    grow(_many)
    large = {page: measure(app, client[who], path.format(**found), page=page, size="21 appointments", **kw)
             for page, who, path, kw in PAGES}
    for page in small:
        assert_bounded(page, small[page], large[page])
