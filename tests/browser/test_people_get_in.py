"""People get in, in a real browser (issue 12's acceptance test).

The force's OOCD coordinator invites a new officer by email; the officer, in a browser of their own, accepts the
invitation by signing in as someone new at the development identity provider and finds an empty caseload; they take
a case from new to issued (the steps of test_officer_journey.py) and invite the person cautioned on paper; the
person, on a phone, opens the printed link, gives their date of birth, signs in as someone new with the public
provider and sees their caution in their own words. axe-core checks the pages on the way (the invitation pages, and
the phone's pages); no page may break its CSP or log an error; the person's page does not scroll sideways on a phone.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app import clock
from app.demo import PERSONAS_BY_KEY
from app.extensions import db
from app.notifications.models import Notification
from tests.browser.conftest import _new_page, check_accessibility, require_browser
from tests.browser.test_journeys import HOME, expect_heading, sign_in
from tests.browser.test_officer_journey import Officer, long_date, new_case_to_issued

require_browser()

pytestmark = [pytest.mark.browser, pytest.mark.calendar]

NEW_OFFICER = ("PC Nia Brook", "nia.brook@example.org")
PERSON = ("Sam Lee", "sam.lee@example.org")  # the person test_officer_journey's steps put on the case
TEAM = "North Neighbourhood Team"
CODE = re.compile(r"^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$")
# A phone: a Pixel 7's screen and Chrome's user agent there.
PHONE = {"viewport": {"width": 412, "height": 915}, "screen": {"width": 412, "height": 915},
         "device_scale_factor": 2.625, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/120.0.0.0 Mobile Safari/537.36"}


@contextmanager
def new_browser(browser, live_url, console, **options):
    """A page in a context of its own (someone else's browser, its own cookies), closed afterwards."""
    page = _new_page(browser, live_url, console, **options)
    try:
        yield page
    finally:
        page.context.close()


def as_someone_new(page, name: str, email: str) -> None:
    """At the development identity provider: sign in as someone it has not seen, and come back to the portal."""
    page.wait_for_url(re.compile(r"/dev-idp/authorize\?"))
    expect_heading(page, "Choose who to sign in as")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Sign in as someone new").click()
    page.wait_for_url(HOME)


def summary_value(page, key: str):
    return page.locator(".govuk-summary-list__row", has=page.locator("dt", has_text=key)).locator("dd")


# --- the steps -------------------------------------------------------------------------------------------------


def coordinator_invites_an_officer(page, app) -> str:
    """The coordinator invites the new officer into the North team; returns the path of the emailed link."""
    name, email = NEW_OFFICER
    sign_in(page, PERSONAS_BY_KEY["coordinator"], axe=False)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Staff", exact=True).click()
    expect_heading(page, "Staff of Northshire Police")
    check_accessibility(page)
    page.get_by_role("button", name="Invite someone").click()  # a GOV.UK button link
    expect_heading(page, "Invite someone")
    check_accessibility(page)
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Full name", exact=True).fill(name)
    page.get_by_role("group", name="Role").get_by_label("Police officer", exact=True).check()
    page.get_by_label("Team", exact=True).select_option(label=TEAM)
    page.get_by_role("button", name="Send the invitation").click()
    expect_heading(page, "Staff of Northshire Police")
    waiting = page.locator("table", has=page.locator("caption", has_text="Invitations not yet accepted"))
    expect(waiting.locator("tbody tr")).to_have_count(1)
    expect(waiting.locator("tbody tr")).to_contain_text(email)
    expect(waiting.locator("tbody tr")).to_contain_text(f"Northshire Police, {TEAM}")
    check_accessibility(page)
    # The email waits in the notifications outbox; its link is the only way in.
    with app.app_context():
        sent = db.session.scalars(select(Notification).where(Notification.template == "staff_invitation")).all()
        db.session.remove()
    assert [n.personalisation["email"] for n in sent] == [email]
    assert sent[0].personalisation["team"] == TEAM and sent[0].personalisation["inviter"] == "Dev Patel"
    return urlsplit(sent[0].personalisation["link"]).path


def officer_accepts(page, link: str) -> None:
    """The new officer opens the link, signs in as someone new and finds an empty caseload."""
    name, email = NEW_OFFICER
    page.goto(link)
    expect_heading(page, "Your invitation to Resolve")
    for key, value in (("Organisation", "Northshire Police"), ("Team", TEAM), ("Role", "Police officer"),
                       ("For", email)):
        expect(summary_value(page, key)).to_have_text(value)
    expect(page.locator("main")).to_contain_text("Dev Patel invited you to work in Resolve.")
    check_accessibility(page)
    page.get_by_role("button", name="Sign in to accept").click()
    as_someone_new(page, name, email)
    expect_heading(page, "Your cases")
    expect(page.locator(".app-user-bar__who")).to_contain_text(f"{name}, Northshire Police (Police officer)")
    results = page.locator("#results")
    expect(results).to_have_text("There are no cases to show.")
    expect(results.locator("tbody tr")).to_have_count(0)
    expect(page.get_by_role("button", name="Start a new case")).to_be_visible()
    check_accessibility(page)


def officer_takes_a_case_to_issued(officer: Officer, today: date):
    """test_officer_journey's steps, in its order, without its persona's sign-in. Returns the deadline and the
    case's reference."""
    deadline = new_case_to_issued(officer, today)
    reference = officer.page.locator(".govuk-caption-l").first.inner_text().strip()
    return deadline, reference


def officer_prints_the_invitation(officer: Officer) -> str:
    """On the issued case, the officer invites the person cautioned on paper; returns the link's path."""
    page = officer.page
    officer.follow("Invite the person and victims to see the case online", "Invite to see the case online")
    person = page.get_by_role("heading", name=f"{PERSON[0]}: person cautioned", level=2)
    expect(person).to_be_visible()
    expect(summary_value(page, "Status").first).to_have_text("Not invited")
    check_accessibility(page)
    form = person.locator("xpath=following-sibling::form[1]")
    form.get_by_role("group", name="How should they get it?").get_by_label(
        "Print it on their copy of the caution document now", exact=True).check()
    form.get_by_role("button", name="Invite", exact=True).click()
    expect_heading(page, f"Print {PERSON[0]}\u2019s copy now")
    code = page.locator(".app-code").inner_text().strip()
    assert CODE.match(code), code
    letter = page.locator("#invitation")
    expect(letter).to_contain_text(f"/i/{code.replace('-', '')}")
    link = letter.locator("li strong").first.inner_text().strip()
    assert link.endswith(f"/i/{code.replace('-', '')}"), link
    expect(page.locator(".app-caution-document")).to_contain_text("ADMISSION")  # the person's copy, with it
    check_accessibility(page)
    return urlsplit(link).path


def person_sees_their_case(page, link: str, reference: str, deadline: date, issued_on: date, born: date) -> None:
    """On a phone: the printed link, the date of birth, a new public account, and their own case page."""
    name, email = PERSON
    page.goto(link)
    expect_heading(page, "Check it is you")
    check_accessibility(page)
    group = page.get_by_role("group", name="What is your date of birth?")
    for part, value in zip(("Day", "Month", "Year"), (born.day, born.month, born.year), strict=True):
        group.get_by_label(part, exact=True).fill(str(value))
    page.get_by_role("button", name="Continue").click()
    as_someone_new(page, name, email)
    expect_heading(page, "Your conditional caution")
    expect(page.locator(".app-user-bar__who strong")).to_have_text(name)
    expect(summary_value(page, "Reference")).to_have_text(reference)
    expect(summary_value(page, "Finish everything by")).to_have_text(long_date(deadline))
    expect(summary_value(page, "Your police contact")).to_have_text(NEW_OFFICER[0])
    expect(page.get_by_role("heading", name="What has happened so far", level=2)).to_be_visible()
    titles = page.locator(".moj-timeline__title")
    expect(titles.first).to_be_visible()
    # Newest first, in the words meant for the person (the staff's read "Adult conditional caution given").
    assert titles.all_inner_texts() == [
        f"Your conditions: 2 conditions to complete by {long_date(deadline)}",
        f"You were given a caution on {long_date(issued_on)}",
    ]
    check_accessibility(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
        "the person's page scrolls sideways on a phone"


# --- the journey -----------------------------------------------------------------------------------------------


def test_an_invited_officer_issues_a_caution_and_the_person_sees_it_on_a_phone(page, browser, app, live_url,
                                                                               console, demo_data):
    today = clock.today()
    staff_link = coordinator_invites_an_officer(page, app)
    assert staff_link.startswith("/staff-invitations/")

    with new_browser(browser, live_url, console) as officers_page:
        officer_accepts(officers_page, staff_link)
        officer = Officer(officers_page, js=True)
        deadline, reference = officer_takes_a_case_to_issued(officer, today)
        person_link = officer_prints_the_invitation(officer)

    born = clock.years_before(today, 30)  # as offender_details entered it
    with new_browser(browser, live_url, console, **PHONE) as phone:
        person_sees_their_case(phone, person_link, reference, deadline, today, born)

    assert console.csp_violations == []
    assert console.errors == []
