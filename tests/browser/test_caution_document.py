"""The printed caution document: signature and date lines, a print button where JavaScript runs, only the document
when printed, and no sideways scrolling at phone width (the SHA-256 line wraps)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.demo import PERSONAS_BY_KEY
from tests.browser.conftest import check_accessibility, require_browser
from tests.browser.test_journeys import case_link, expect_heading, sign_in

require_browser()

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 640}
SCROLLS_SIDEWAYS = "() => document.scrollingElement.scrollWidth > document.scrollingElement.clientWidth"


def open_signed_document(page, *, axe: bool = True) -> None:
    sign_in(page, PERSONAS_BY_KEY["officer-north"], axe=False)
    case_link(page, "Jordan Smith").click()
    expect_heading(page, "Jordan Smith")
    page.get_by_role("link", name="View the signed caution document").click()
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/document$"))
    expect(page.locator("h1")).to_contain_text("document")


def test_the_signed_document_prints_with_signature_lines_and_fits_a_phone(page, console, demo_data):
    open_signed_document(page)
    signatures = page.locator("#signatures")
    expect(signatures).to_contain_text("Signature of the person cautioned")
    expect(signatures).to_contain_text("Signature of the officer giving the")
    expect(signatures.locator("dt", has_text="Date")).to_have_count(2)
    # The print button is there with JavaScript, and prints.
    button = page.get_by_role("button", name="Print this page")
    expect(button).to_be_visible()
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    button.click()
    assert page.evaluate("() => window.printed === true")
    check_accessibility(page)
    # At phone width nothing scrolls sideways: the SHA-256 line wraps.
    page.set_viewport_size(PHONE)
    expect(page.locator("code.app-hash")).to_be_visible()
    assert not page.evaluate(SCROLLS_SIDEWAYS), page.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
    check_accessibility(page)
    # Printed: the document and its signature lines, without the header, navigation, back link or button.
    page.emulate_media(media="print")
    for hidden in (".govuk-header", ".govuk-service-navigation", ".govuk-back-link", ".app-print"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("#caution-document")).to_be_visible()
    expect(signatures).to_be_visible()
    assert not console.errors, console.errors


def test_without_javascript_there_is_no_print_button_that_cannot_print(page_without_js, console, demo_data):
    page = page_without_js
    open_signed_document(page, axe=False)
    expect(page.locator("#signatures")).to_be_visible()
    expect(page.get_by_role("button", name="Print this page")).to_be_hidden()
    page.set_viewport_size(PHONE)
    assert not page.evaluate(SCROLLS_SIDEWAYS)
