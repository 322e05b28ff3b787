"""The person cautioned on a phone (390 px, then 320 px) asks to change an appointment: a reason left out is
refused in words, with what they typed kept; sent, their page says what happens next. They also choose how their
reminders reach them. Every page passes axe-core and never scrolls sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _new_page, check_accessibility, require_browser
from tests.browser.test_journeys import expect_heading
from tests.browser.test_own_case_phone import PHONE, _fits, _own_page, booked  # noqa: F401  (booked: a fixture)

require_browser()

pytestmark = [pytest.mark.browser, pytest.mark.calendar]


def test_the_person_asks_to_change_an_appointment_on_a_phone(booked, browser, live_url, console):  # noqa: F811
    page = _new_page(browser, live_url, console, **PHONE)
    try:
        _own_page(page)
        page.get_by_role("button", name=re.compile("^Ask to change this appointment")).click()
        page.wait_for_url(re.compile(r"/my/appointments/[0-9a-f-]{36}/rearrange$"))
        expect_heading(page, "Ask to change this appointment")
        check_accessibility(page)
        _fits(page, 320)
        _fits(page, 390)
        page.get_by_label("What days and times suit you? (optional)").fill("Tuesday mornings")
        with page.expect_response(lambda r: r.request.method == "POST") as sent:
            page.get_by_role("button", name="Send your request").click()
        assert sent.value.status == 422
        expect(page.locator(".govuk-error-summary")).to_contain_text("Tell us why you need to change this appointment")
        expect(page.get_by_label("What days and times suit you? (optional)")).to_have_value("Tuesday mornings")
        check_accessibility(page)
        page.get_by_label("Why do you need to change it?").fill("I start a new job that week")
        page.get_by_role("button", name="Send your request").click()
        page.wait_for_url(re.compile(r"/my/cases/[0-9a-f-]{36}(#.*)?$"))
        expect(page.get_by_text("You asked to change this appointment.")).to_be_visible()
        expect(page.get_by_text("Until then, your appointment stays as it is.")).to_be_visible()
        check_accessibility(page)
        _fits(page, 320)
        _fits(page, 390)
        # Reminders: the choice is saved and the page says how they come now.
        page.get_by_label("No reminders").check()
        page.get_by_role("button", name="Save my choice").click()
        page.wait_for_url(re.compile(r"/my/cases/[0-9a-f-]{36}(#reminders)?$"))
        expect(page.locator("#reminders-now")).to_have_text("You do not get reminders now.")
        check_accessibility(page)
        # The browser logs the refused submission (its 422); nothing else.
        assert [e for e in console.errors if "status of 422" not in e] == []
    finally:
        page.context.close()


def test_the_person_asks_to_change_an_appointment_without_javascript(booked, browser, live_url, console):  # noqa: F811
    page = _new_page(browser, live_url, console, **PHONE, java_script_enabled=False)
    try:
        _own_page(page)
        page.get_by_role("button", name=re.compile("^Ask to change this appointment")).click()
        expect_heading(page, "Ask to change this appointment")
        page.get_by_label("Why do you need to change it?").fill("I start a new job that week")
        page.get_by_role("button", name="Send your request").click()
        expect(page.get_by_text("You asked to change this appointment.")).to_be_visible()
    finally:
        page.context.close()
