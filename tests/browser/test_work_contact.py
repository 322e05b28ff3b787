"""A caseworker records their work contact details in a real browser: a number that is not a UK one is shown in
the error summary with what was typed kept, then corrected and saved. axe-core checks each state of the page, and
it never scrolls sideways on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.demo import PERSONAS_BY_KEY
from tests.browser.conftest import check_accessibility, require_browser
from tests.browser.test_journeys import expect_heading, sign_in

require_browser()

pytestmark = pytest.mark.browser


def test_a_caseworker_records_their_work_phone_and_hours(page, console, demo_data):
    sign_in(page, PERSONAS_BY_KEY["freshstart-caseworker"], axe=False)
    page.get_by_role("link", name="Your work contact details").click()
    expect_heading(page, "Your work contact details")
    check_accessibility(page)
    page.get_by_label("Work phone number (optional)").fill("call me at home")
    page.get_by_label("Working hours (optional)").fill("Monday to Friday, 9am to 5pm")
    page.get_by_role("button", name="Save work contact details").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a UK phone number")
    expect(page.get_by_label("Working hours (optional)")).to_have_value("Monday to Friday, 9am to 5pm")
    check_accessibility(page)
    page.get_by_label("Work phone number (optional)").fill("01632 960 001")
    page.get_by_role("button", name="Save work contact details").click()
    expect(page.get_by_text("Work contact details saved")).to_be_visible()
    expect(page.get_by_label("Work phone number (optional)")).to_have_value("01632 960 001")
    check_accessibility(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert [e for e in console.errors if e.startswith("uncaught")] == []
