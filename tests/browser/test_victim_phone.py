"""The victim on a phone (390 px wide, then 320 px): their own page of the case (updates, how they get them,
support, restorative justice, how to ask or complain) passes axe-core, never scrolls sideways, and works with
the form: they choose text messages without a number (an error summary), then email, then say they are
interested in restorative justice."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.demo import PERSONAS_BY_KEY
from tests.browser.conftest import _new_page, check_accessibility, require_browser
from tests.browser.test_journeys import expect_heading, sign_in
from tests.browser.test_own_case_phone import PHONE, _fits

require_browser()

pytestmark = [pytest.mark.browser, pytest.mark.calendar]


def test_the_victims_own_page_on_a_phone(demo_data, browser, live_url, console):
    page = _new_page(browser, live_url, console, **PHONE)
    try:
        sign_in(page, PERSONAS_BY_KEY["victim"], axe=False)
        page.get_by_role("link", name=re.compile("^Your updates, how you get them")).click()
        page.wait_for_url(re.compile(r"/my/victim-cases/[0-9a-f-]{36}$"))
        expect_heading(page, "Your case as a victim")
        expect(page.locator('a[href="tel:+448081689111"]')).to_be_visible()
        check_accessibility(page)
        _fits(page, 390)
        _fits(page, 320)
        page.get_by_label(re.compile("By text message")).check()
        page.get_by_role("button", name="Save my choice").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        check_accessibility(page)
        _fits(page, 320)
        page.get_by_label(re.compile("By email")).check()
        page.get_by_role("button", name="Save my choice").click()
        expect(page.get_by_text("You get updates by email.")).to_be_visible()
        page.get_by_role("button", name="I am interested").click()
        expect(page.get_by_text("You told us you are interested.")).to_be_visible()
        check_accessibility(page)
        _fits(page, 390)
        # The one error the browser logs is the 422 of the form sent with a channel it could not use.
        assert [e for e in console.errors if "status of 422" not in e] == []
    finally:
        page.context.close()
