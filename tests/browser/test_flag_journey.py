"""A flag's journey in a real browser: Fresh Start's caseworker records "did not attend" on an appointment from the
attendance form on the referral page; then the case's officer signs in, and their home page shows the flag's
reason for that case under "Needs attention", a link to the referral. axe-core checks every page visited, and no
page may break its CSP or log a console error.

The data are the demo's: Jordan Smith's referral to the alcohol awareness course, accepted here through the
service, with one appointment booked for early today (the first day attendance can be recorded).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.demo import PERSONAS_BY_KEY
from app.extensions import db
from app.formats import long_date
from app.referrals import services as referrals
from tests import factories
from tests.browser.conftest import _new_page, check_accessibility, require_browser
from tests.browser.test_journeys import expect_heading, sign_in
from tests.referrals.conftest import load_world

require_browser()

pytestmark = [pytest.mark.browser, pytest.mark.calendar]

PERSON = "Jordan Smith"
SERVICE = "Alcohol awareness course"
REFERRAL = re.compile(r"/referrals/[0-9a-f-]{36}$")


@pytest.fixture
def booked(app, demo_data):
    """The demo's referral accepted, with one appointment today at 12:05am; its reference and day in words."""
    with app.app_context():
        world = load_world()
        referrals.accept_referral(world.sent, world.users["freshstart-caseworker"],
                                  by=world.users["freshstart-manager"])
        appointment = factories.appointment(world.sent, factories.at(0, 0, 5), minutes=30)
        found = {"reference": world.case.reference, "referral": str(world.sent.public_id),
                 "day": long_date(appointment.starts_at)}
        db.session.commit()
        db.session.remove()
    return found


@pytest.fixture
def open_page(browser, app, live_url, console):
    pages = []

    def _open():
        pages.append(_new_page(browser, live_url, console))
        return pages[-1]

    yield _open
    for page in pages:
        page.context.close()


def test_a_missed_appointment_recorded_by_the_provider_is_a_flag_on_the_officers_home(booked, open_page, console):
    # The caseworker: from their home to the referral, and "did not attend" saved from the appointment's form.
    worker = open_page()
    sign_in(worker, PERSONAS_BY_KEY["freshstart-caseworker"])
    check_accessibility(worker)
    worker.locator("main p", has_text=SERVICE).get_by_role("link", name=PERSON, exact=True).click()
    worker.wait_for_url(REFERRAL)
    expect_heading(worker, PERSON)
    check_accessibility(worker)
    row = worker.locator(".app-appointment")
    expect(row).to_have_count(1)
    row.get_by_label("Attendance for ").select_option(label="Did not attend")
    row.get_by_label("Note for ").fill("No answer at the door or on the phone")
    with worker.expect_response(lambda r: r.request.method == "POST" and "/attendance" in r.url) as sent:
        row.get_by_role("button", name="Save attendance", exact=True).click()
    assert sent.value.status in (200, 303)
    expect(worker.locator(".app-appointment")).to_contain_text("Recorded: Did not attend")
    check_accessibility(worker)

    # The officer: the flag's reason for that case, first on the home page, and the link goes to the referral.
    officer = open_page()
    sign_in(officer, PERSONAS_BY_KEY["officer-north"])
    attention = officer.locator("section.app-attention")
    entry = attention.locator(".govuk-summary-list__row", has_text=booked["reference"])
    expect(entry).to_contain_text(PERSON)
    reason = f"Missed appointment on {booked['day']} (Did not attend)"
    link = entry.get_by_role("link", name=reason, exact=True)
    expect(link).to_have_count(1)
    check_accessibility(officer)
    link.click()
    officer.wait_for_url(re.compile(rf"/referrals/{booked['referral']}$"))
    expect_heading(officer, PERSON)
    expect(officer.locator("#timeline")).to_contain_text(f"Flag raised: {reason}")
    check_accessibility(officer)
    assert console.errors == []
