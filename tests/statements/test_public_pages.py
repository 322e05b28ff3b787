"""The pages of the person cautioned and of the victim: their cases and each case's timeline as they may see it.
The same statements for the demo's one case (Jordan Smith's, Kim Taylor the victim) and after Jordan has been
cautioned twice more (Kim the victim again), with 200 events on each new case and 20 appointments booked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock, demo
from app.cases import conditions
from app.cases import services as cases
from app.cases.models import ApprovalStatus, Case
from app.extensions import db
from app.people.models import Person
from app.referrals import services as referrals
from app.referrals.models import Referral
from tests import factories
from tests.statements.conftest import assert_bounded, empty, measure, module_data

PAGES = [("the person cautioned's page", "offender", "/", {}), ("the victim's page", "victim", "/", {}),
         ("the person's own case page", "offender", "/my/cases/{case}", {}),
         ("the person's signed document", "offender", "/my/cases/{case}/document", {}),
         ("the victim's own case page", "victim", "/my/victim-cases/{case}", {})]


def _person(given: str) -> Person:
    return db.session.scalar(select(Person).where(Person.given_name == given))


def _cautioned_again() -> dict:
    """Jordan Smith cautioned once more, Kim Taylor the victim again (a repeat caution: the supervisor approves)."""
    officer, jordan, kim = factories.user("officer-north"), _person("Jordan"), _person("Kim")
    case = cases.start_case(officer=officer, team=factories.team(), regime="current_practice",
                            disposal_type="adult_conditional_caution", person=jordan)
    cases.add_offence(case, code="TH02", committed_on=clock.today(), location="Market", by=officer)
    link = cases.add_victim(case, kim, enhanced_rights=False, updates_opted_in=True, update_channel="email",
                            by=officer)
    demo.screen(case, officer=officer, earlier_offending_rationale="The earlier caution was for something unrelated")
    for approval in [a for a in case.approvals if a.status is ApprovalStatus.PENDING]:
        cases.decide_approval(approval, approve=True, comment=None, by=factories.user("supervisor"))
    demo.assess_needs(case, officer=officer)
    cases.record_victim_view(case, link, {"attempts": [], "could_not_contact": True, "views": None,
                                          "remedy_requested": None, "remedy_declined_reason": None,
                                          "taken_into_account": None}, by=officer)
    factories.busy(case, 190, officer)
    due = clock.today() + timedelta(weeks=8)
    conditions.add_condition(case, factories.REHABILITATIVE | {"due_on": due}, by=officer)
    demo.issue_case(case, officer=officer, signed_by="Jordan Smith")
    return {}


def _appointments() -> dict:
    """The demo's referral accepted, and 20 appointments booked (each an event the person sees)."""
    sent = db.session.scalar(select(Referral).join(Case).join(Person, Case.offender_id == Person.id)
                             .where(Person.given_name == "Jordan"))
    referrals.accept_referral(sent, factories.user("freshstart-caseworker"), by=factories.user("freshstart-manager"))
    factories.appointments(sent, 20, first=factories.at(1))
    return {}


@pytest.fixture(scope="module")
def grow(app):
    yield lambda *steps: module_data(app, *steps)
    empty(app)


def _jordans_first_case(app) -> str:
    """The demo's case, whose person's own page and signed document are measured (its appointments grow)."""
    with app.app_context():
        return str(db.session.scalar(select(Case.public_id).join(Person, Case.offender_id == Person.id)
                                     .where(Person.given_name == "Jordan").order_by(Case.id).limit(1)))


def test_public_home_pages(app, clients, grow):
    grow()
    case = _jordans_first_case(app)
    small = {page: measure(app, clients[who], path.format(case=case), page=page, size="1 case", **kw)
             for page, who, path, kw in PAGES}
    grow(_cautioned_again, _cautioned_again, _appointments)
    large = {page: measure(app, clients[who], path.format(case=case), page=page, size="3 cases", **kw)
             for page, who, path, kw in PAGES}
    for page in small:
        assert_bounded(page, small[page], large[page])
