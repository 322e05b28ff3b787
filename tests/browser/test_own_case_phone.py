"""The person cautioned on a phone (390 px wide, then 320 px): their own page (what they must do, their
appointments, who to contact) and their copy of the signed document pass axe-core and never scroll sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.demo import PERSONAS_BY_KEY
from app.extensions import db
from app.organisations.work_contact import set_work_contact
from app.referrals import services as referrals
from app.referrals.models import WHAT_TO_BRING_MAX
from tests import factories
from tests.browser.conftest import _new_page, check_accessibility, require_browser
from tests.browser.test_journeys import expect_heading, sign_in
from tests.referrals.conftest import load_world

require_browser()

pytestmark = [pytest.mark.browser, pytest.mark.calendar]

# The longest note of what to bring, with a word longer than a phone is wide.
BRING = ("Your appointment letter, photo ID, glasses and a pen. Reference: " + "ABCDEFGHJK" * 14)[:WHAT_TO_BRING_MAX]
PHONE = {"viewport": {"width": 390, "height": 844}, "screen": {"width": 390, "height": 844},
         "device_scale_factor": 3, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
                       "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"}


@pytest.fixture
def booked(app, demo_data):
    """The demo's referral accepted: this morning's session, where Jordan was late and refused entry, and a phone
    session in three days with the longest note of what to bring; the course lists a work phone and email, the
    officer their work phone and hours (the caseworker none: the course's number is given)."""
    with app.app_context():
        world = load_world()
        factories.change_service(world.sent.service, contact_phone="0800 123 4567",
                                 contact_email="course@freshstart.example.org", delivery_modes=["in_person", "phone"])
        cw = world.users["freshstart-caseworker"]
        referrals.accept_referral(world.sent, cw, by=world.users["freshstart-manager"])
        late = factories.appointment(world.sent, factories.at(0, 0, 5), minutes=30)
        referrals.record_attendance(late, code="late_refused", note="20 minutes late", version=late.version, by=cw)
        referrals.book_appointment(world.sent, starts_at=factories.at(3, 14), minutes=60, mode="phone", place=None,
                                   what_to_bring=BRING, by=cw)
        officer = world.case.officer
        set_work_contact(officer, phone="01632 960001", hours="Monday to Friday, 9am to 5pm", by=officer)
        db.session.commit()
        db.session.remove()


def _fits(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
        f"{page.url} scrolls sideways at {width} px"


def _own_page(page) -> None:
    sign_in(page, PERSONAS_BY_KEY["offender"], axe=False)
    page.get_by_role("link", name=re.compile("^What you must do, your appointments")).click()
    page.wait_for_url(re.compile(r"/my/cases/[0-9a-f-]{36}$"))
    expect_heading(page, "Your conditional caution")
    expect(page.get_by_text("You were late, so you were not let in.")).to_be_visible()
    expect(page.get_by_text("How: by phone: they will call you")).to_be_visible()
    expect(page.locator('a[href="tel:+448001234567"]')).to_be_visible()
    expect(page.locator('a[href="tel:+441632960001"]')).to_be_visible()
    expect(page.get_by_text("When they work: Monday to Friday, 9am to 5pm")).to_be_visible()
    expect(page.get_by_text(f"What to bring: {BRING}")).to_be_visible()


def test_the_persons_own_page_on_a_phone(booked, browser, live_url, console):
    page = _new_page(browser, live_url, console, **PHONE)
    try:
        _own_page(page)
        check_accessibility(page)
        _fits(page, 390)
        _fits(page, 320)
        check_accessibility(page)
        page.get_by_role("link", name="Read or print what you signed").click()
        page.wait_for_url(re.compile(r"/my/cases/[0-9a-f-]{36}/document$"))
        expect_heading(page, "What you signed")
        check_accessibility(page)
        _fits(page, 320)
        _fits(page, 390)
        assert console.errors == []
    finally:
        page.context.close()


def test_the_persons_own_page_without_javascript(booked, browser, live_url, console):
    # axe and the width check need JavaScript: the same pages are checked with it on above.
    page = _new_page(browser, live_url, console, **PHONE, java_script_enabled=False)
    try:
        _own_page(page)
        page.get_by_role("link", name="Read or print what you signed").click()
        page.wait_for_url(re.compile(r"/my/cases/[0-9a-f-]{36}/document$"))
        expect_heading(page, "What you signed")
    finally:
        page.context.close()
