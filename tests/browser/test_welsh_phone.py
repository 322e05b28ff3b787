"""Welsh on a phone: signed out, the switch works without JavaScript (a form, a full page load), the sign-in and
invitation pages are in Welsh with <html lang="cy">, pass axe-core and never scroll sideways at 320 px; and the
switch goes back to English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, require_browser

require_browser()

pytestmark = pytest.mark.browser


def _fits(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
        f"{page.url} scrolls sideways at {width} px"


def _switch(page, to: str, heading: str, lang: str) -> None:
    page.get_by_role("button", name=to).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("html")).to_have_attribute("lang", lang)


def test_the_public_pages_in_welsh_on_a_phone(page):
    page.set_viewport_size({"width": 320, "height": 844})
    page.goto("/sign-in")
    _switch(page, "Cymraeg", "Mewngofnodi i Resolve", "cy")
    _fits(page, 320)
    check_accessibility(page)
    page.goto("/invitation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rhowch eich cod gwahoddiad")
    page.get_by_role("button", name="Parhau").click()
    expect(page.get_by_text("Mae problem wedi codi")).to_be_visible()
    _fits(page, 320)
    check_accessibility(page)
    _switch(page, "English", "Enter your invitation code", "en")


def test_the_switch_works_without_javascript(page_without_js):
    # axe and the width check need JavaScript in the page; they run above.
    page = page_without_js
    page.goto("/invitation")
    _switch(page, "Cymraeg", "Rhowch eich cod gwahoddiad", "cy")
    _switch(page, "English", "Enter your invitation code", "en")
