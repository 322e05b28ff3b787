"""Removing a condition asks first: with JavaScript the confirmation opens in a dialog on the same page; without,
the same confirmation is a page of its own. axe checks both, and neither breaks the page's CSP."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.demo import PERSONAS_BY_KEY
from app.extensions import db
from tests import factories
from tests.browser.conftest import check_accessibility, require_browser
from tests.browser.test_journeys import sign_in

require_browser()

pytestmark = pytest.mark.browser


@pytest.fixture
def conditions_url(app, demo_data) -> str:
    with app.app_context():
        case = factories.ready(given="Robin", family="Remove")
        db.session.commit()
        return f"/cases/{case.public_id}/conditions"


def _wait_until_processed(link) -> None:
    """htmx loads deferred: wait until it has processed the link, or a click would be an ordinary navigation."""
    link.evaluate("(a) => new Promise((done) => {"
                  " const t = setInterval(() => a._htmx && done(clearInterval(t)), 20); })")


def test_remove_confirms_in_a_dialog_with_javascript(page, console, conditions_url):
    sign_in(page, PERSONAS_BY_KEY["officer-north"], axe=False)
    page.goto(conditions_url)
    cards = page.locator("#conditions .govuk-summary-card")
    expect(cards).to_have_count(2)
    link = page.get_by_role("link", name="Remove condition 2")
    _wait_until_processed(link)
    page.evaluate("() => { window.samePage = true; }")  # a navigation would lose this
    link.click()
    dialog = page.locator("dialog#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name="Remove condition 2?")).to_be_visible()
    expect(dialog).to_contain_text("What else changes")
    assert page.evaluate("() => window.samePage === true")
    check_accessibility(page)
    dialog.get_by_role("link", name="Cancel").click()  # closes the dialog; nothing removed
    expect(dialog).to_be_hidden()
    expect(cards).to_have_count(2)
    assert page.url.endswith(conditions_url)
    page.goto(link.get_attribute("href"))  # the same confirmation as a page of its own
    expect(page.locator("h1")).to_have_text("Remove condition 2?")
    check_accessibility(page)
    page.goto(conditions_url)
    _wait_until_processed(link)
    link.click()
    dialog.get_by_role("button", name="Remove condition 2").click()
    expect(cards).to_have_count(1)
    expect(dialog).to_be_hidden()
    assert console.csp_violations == [] and console.errors == []


def test_remove_confirms_on_a_page_without_javascript(page_without_js, console, conditions_url):
    page = page_without_js
    sign_in(page, PERSONAS_BY_KEY["officer-north"], axe=False)
    page.goto(conditions_url)
    page.get_by_role("link", name="Remove condition 2").click()
    page.wait_for_url(re.compile(r"/conditions/[^/]+/remove$"))
    expect(page.locator("h1")).to_have_text("Remove condition 2?")  # axe needs JavaScript: checked above
    page.get_by_role("button", name="Remove condition 2").click()
    page.wait_for_url(re.compile(re.escape(conditions_url) + "$"))
    expect(page.locator("#conditions .govuk-summary-card")).to_have_count(1)
    assert console.csp_violations == []
