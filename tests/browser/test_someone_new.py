"""Someone new at the development identity provider, in a real browser: a mistake in the form is shown in an
error summary and corrected; the new identity reaches the portal (which refuses it until it has a place).
axe-core checks the provider's pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, require_browser

require_browser()

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("kind", ["staff", "public"])
def test_someone_new_corrects_the_form_and_reaches_the_portal(page, console, demo_data, kind):
    page.goto("/sign-in")
    page.get_by_role("button", name=f"Development sign-in ({kind})").click()
    page.wait_for_url(re.compile(r"/dev-idp/authorize\?"))
    page.get_by_label("Full name").fill("Priya Shah")
    page.get_by_label("Email address").fill("priya.shah@")
    page.get_by_role("button", name="Sign in as someone new").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter an email address in the correct format")
    expect(page.get_by_label("Full name")).to_have_value("Priya Shah")
    check_accessibility(page)
    page.get_by_label("Email address").fill("priya.shah@example.org")
    page.get_by_role("button", name="Sign in as someone new").click()
    expect(page.locator("h1")).to_have_text("Your account cannot use Resolve yet")
    check_accessibility(page)
    assert console.csp_violations == []
    # The 422 and 403 answers are logged as failed loads; no script may fail.
    assert [e for e in console.errors if e.startswith("uncaught")] == []
