"""Each party's main journey in a real browser: sign in through the development identity provider, reach the home
page, (for officers) open a case, sign out. axe-core checks every page on the way, and no page may break its CSP."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.demo import ORGANISATIONS, PERSONAS, PERSONAS_BY_KEY, Persona
from app.organisations.models import Role
from tests.browser.conftest import check_accessibility, require_browser

require_browser()

pytestmark = pytest.mark.browser

HOME = re.compile(r"^https?://[^/]+/$")
ORG_NAMES = {code: name for _kind, code, name, _teams in ORGANISATIONS}
HEADINGS = {
    Role.OFFICER: "Your cases",
    Role.SUPERVISOR: "Your team's cases",
    Role.COORDINATOR: "Cases in your force",
    Role.OFFENDER: "Your conditional caution",  # the demo's caution, as its rule pack names it
    Role.VICTIM: "Updates about your case",
    Role.SCRUTINY: "Scrutiny panel",
}


def home_heading(persona: Persona) -> str:
    if persona.role in (Role.PROVIDER_MANAGER, Role.CASEWORKER):
        return f"Referrals to {ORG_NAMES[persona.org]}"
    return HEADINGS[persona.role]


def expect_heading(page, text: str) -> None:
    expect(page.locator("h1")).to_have_text(text)


def sign_in(page, persona: Persona, *, axe: bool = True) -> None:
    """From the portal's sign-in page, through the provider's persona page, to the persona's home page."""
    page.goto("/sign-in")
    expect_heading(page, "Sign in to Resolve")
    if axe:
        check_accessibility(page)
    page.get_by_role("button", name=f"Development sign-in ({persona.kind})").click()
    page.wait_for_url(re.compile(r"/dev-idp/authorize\?"))
    expect_heading(page, "Choose who to sign in as")
    if axe:
        check_accessibility(page)
    page.locator(f'button[data-persona="{persona.key}"]').click()
    page.wait_for_url(HOME)
    expect_heading(page, home_heading(persona))
    expect(page.locator(".app-user-bar__who strong")).to_have_text(persona.name)


def sign_out(page, *, axe: bool = True) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/signed-out$"))
    expect_heading(page, "You have signed out")
    expect(page.locator(".app-user-bar")).to_have_count(0)
    if axe:
        check_accessibility(page)


def case_link(page, person: str):
    return page.locator("#results tbody tr", has_text=person).get_by_role("link")


def wait_until_boosted(link) -> None:
    """htmx loads deferred: wait until it has boosted the link, or a click would be an ordinary navigation."""
    link.evaluate("(a) => new Promise((done) => {"
                  " const t = setInterval(() => a._htmx?.boosted && done(clearInterval(t)), 20); })")


@pytest.mark.parametrize("persona", PERSONAS, ids=[p.key for p in PERSONAS])
def test_persona_signs_in_reaches_home_and_signs_out(page, console, demo_data, persona):
    sign_in(page, persona)
    check_accessibility(page)
    if persona.role is Role.OFFICER:
        row = page.locator("#results tbody tr").first
        person = row.locator("td").nth(1).inner_text().strip()
        row.get_by_role("link").click()
        page.wait_for_url(re.compile(r"/cases/[^/]+$"))
        expect_heading(page, person)
        expect(page.get_by_role("heading", name="Timeline", level=2)).to_be_visible()
        expect(page.locator(".moj-timeline__item").first).to_be_visible()
        check_accessibility(page)
    sign_out(page)
    assert console.csp_violations == []
    assert console.errors == []


def test_boosted_case_link_swaps_in_the_case_page(page, console, demo_data):
    sign_in(page, PERSONAS_BY_KEY["officer-north"], axe=False)
    link = case_link(page, "Jordan Smith")
    href = link.get_attribute("href")
    wait_until_boosted(link)
    page.evaluate("() => { window.sameDocument = true; }")  # a full page load would lose this
    link.click()
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    expect_heading(page, "Jordan Smith")
    reference = page.locator(".govuk-caption-l").inner_text().strip()
    expect(page).to_have_title(re.compile("^" + re.escape(reference)))
    assert page.evaluate("() => window.sameDocument === true"), "the case link did a full page load, not an htmx swap"
    titles = page.locator(".moj-timeline__title").all_inner_texts()
    assert "Adult conditional caution given" in titles, titles
    check_accessibility(page)
    assert console.csp_violations == []
    assert console.errors == []


def test_back_after_boosted_navigation_breaks_no_csp_rule(page, console, demo_data):
    # htmx restores history with HX-History-Restore-Request and no HX-Request; the inline js-enabled script must be
    # left out of that response too, or htmx re-creates it with a nonce the page's CSP refuses.
    sign_in(page, PERSONAS_BY_KEY["officer-north"], axe=False)
    link = case_link(page, "Jordan Smith")
    wait_until_boosted(link)
    link.click()
    expect_heading(page, "Jordan Smith")
    page.go_back()
    page.wait_for_url(HOME)
    expect_heading(page, "Your cases")
    check_accessibility(page)
    assert console.csp_violations == []
    assert console.errors == []


def test_sign_in_case_and_sign_out_without_javascript(page_without_js, console, demo_data):
    # axe cannot run here (it needs JavaScript); the same pages are checked with JavaScript on above.
    page = page_without_js
    sign_in(page, PERSONAS_BY_KEY["officer-north"], axe=False)
    case_link(page, "Jordan Smith").click()
    page.wait_for_url(re.compile(r"/cases/[^/]+$"))
    expect_heading(page, "Jordan Smith")
    sign_out(page, axe=False)
    assert console.errors == []
