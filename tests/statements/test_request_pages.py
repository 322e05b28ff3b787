"""What the person cautioned asks for: the page asking to change an appointment, their reminders and the request
to their officer, and the caseworker's page of one request. The same statements with one appointment and one
request as with 21 appointments, 10 requests answered or still open, and the officer asked 10 times."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases import own_requests
from app.cases.models import Case
from app.extensions import db
from app.people.models import Person
from app.referrals import rearrange
from app.referrals import services as referrals
from app.referrals.models import Referral
from tests import factories
from tests.statements.conftest import assert_bounded, empty, measure, module_data

PAGES = [("asking to change an appointment", "offender", "/my/appointments/{appointment}/rearrange", {}),
         ("the person's reminders", "offender", "/my/cases/{case}/reminders", {}),
         ("asking the officer to change contact details", "offender", "/my/cases/{case}/contact-details", {}),
         ("a request to change an appointment", "freshstart-caseworker", "/referrals/rearrange/{request}", {})]


def _jordans_referral() -> Referral:
    return db.session.scalar(select(Referral).join(Case).join(Person, Case.offender_id == Person.id)
                             .where(Person.given_name == "Jordan"))


def _one() -> dict:
    """The demo's referral accepted, one appointment booked, and Jordan's request to change it."""
    sent = _jordans_referral()
    referrals.accept_referral(sent, factories.user("freshstart-caseworker"), by=factories.user("freshstart-manager"))
    appointment = factories.appointment(sent, factories.at(1))
    asked = rearrange.ask(appointment, reason="Work", suits="Mornings", by=factories.user("offender"))
    return {"appointment": str(appointment.public_id), "request": str(asked.public_id),
            "case": str(sent.case.public_id)}


def _many() -> dict:
    """20 more appointments, half of them asked about (every other request declined); the officer asked 10 times."""
    sent, person, worker = _jordans_referral(), factories.user("offender"), factories.user("freshstart-caseworker")
    for i, appointment in enumerate(factories.appointments(sent, 20, first=factories.at(2))[:10]):
        asked = rearrange.ask(appointment, reason=f"Reason {i}", suits=None, by=person)
        if i % 2:
            rearrange.decline(asked, "The room is booked", by=worker)
    for i in range(10):
        own_requests.ask_officer(sent.case, f"New number {i}", by=person)
    return {}


@pytest.fixture(scope="module")
def grow(app):
    yield lambda *steps: module_data(app, *steps)
    empty(app)


def test_request_pages(app, clients, grow):
    found = grow(_one)
    small = {page: measure(app, clients[who], path.format(**found), page=page, size="1 request", **kw)
             for page, who, path, kw in PAGES}
    grow(_many)
    large = {page: measure(app, clients[who], path.format(**found), page=page, size="11 requests", **kw)
             for page, who, path, kw in PAGES}
    for page in small:
        assert_bounded(page, small[page], large[page])
