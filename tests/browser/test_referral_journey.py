"""The referral journey in a real browser, each party in its own browser context (its own sign-in and cookies).

The officer refers a condition of the demo's issued case (Jordan Smith) to a service; Fresh Start Recovery's manager
accepts and assigns a caseworker; the caseworker books a 1:1 appointment, another 1:1 and a group session for today,
and records attended, late and did not attend from the list on their home page; the officer finds the case under
"Only cases that need attention" and sees the referral, its appointments and their outcomes on the case page.

The data are those of tests/referrals/test_routes.py: the demo already refers the alcohol condition to the only
suggested service (the alcohol awareness course, waiting for the manager), so the officer refers the other condition
(the restrictive one) to the drug awareness course. Appointments are booked for today, the first day attendance can
be recorded. With JavaScript on, the outcomes are recorded inline (htmx swaps the row, nothing else) and axe-core
checks every distinct page and page state of each party; without JavaScript the same forms post and redirect. No
page may break its CSP or log a console error, except the failed-resource line of a 4xx the test asks for. Each
party's page submissions are counted, printed in the terminal summary and pinned.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from app import clock
from app.demo import PERSONAS_BY_KEY
from tests.browser.conftest import _new_page, check_accessibility, require_browser
from tests.browser.test_journeys import case_link, expect_heading, sign_in
from tests.browser.test_officer_journey import Officer, expect_announced, watch_live_regions

require_browser()

pytestmark = [pytest.mark.browser, pytest.mark.calendar]

PERSON = "Jordan Smith"
SERVICE = "Drug awareness course"
SUGGESTED = "Alcohol awareness course"
CONDITION = "Restrictive: Do not enter the Northtown Co-op, High Street."
CASEWORKER = "Hannah Price"
HOME = re.compile(r"^https?://[^/]+/(\?.*)?$")
REFERRAL = re.compile(r"/referrals/[0-9a-f-]{36}$")
GROUP = "Drug awareness workshop"
# The caseworker's three appointments today: the time as typed, as shown, and the outcome recorded inline.
ATTENDED = ("9:30am", "9:30am", "Attended", "")
LATE = ("2pm", "2pm", "Late, admitted", "Arrived 15 minutes late")  # the group session
MISSED = ("11:00", "11am", "Did not attend", "No answer at the door or on the phone")

# Pinned: each party's POSTs in the journey, as the browser reports them (the sign-in is not counted). The officer
# sends one referral in two (the form, then confirming the check page); the manager saves one decision; the
# caseworker books two 1:1 appointments and a group session and saves four outcomes (the first did-not-attend,
# without its note, is refused with a 422). The form submissions (the same, and without JavaScript the officer's
# caseload filter GET form) are printed, not pinned: the script itself makes them.
EXPECTED_POSTS = {"officer": 2, "manager": 1, "caseworker": 7}
COUNTS: dict[str, dict[str, tuple[int, int]]] = {}


class _SubmissionReport:
    def pytest_terminal_summary(self, terminalreporter):
        if COUNTS:
            terminalreporter.write_sep("-", "referral journey: page submissions per party (submissions, POSTs)")
            for journey, parties in COUNTS.items():
                terminalreporter.write_line(f"{journey}: " + "; ".join(
                    f"{party} {n} ({posts} POSTs)" for party, (n, posts) in parties.items()))


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    manager = request.config.pluginmanager
    if not manager.has_plugin("referral-journey-report"):
        manager.register(_SubmissionReport(), "referral-journey-report")


@pytest.fixture
def open_page(browser, app, live_url, console):
    """open_page(js=...) -> a page in a new browser context (its own cookies), its console errors collected."""
    pages = []

    def _open(*, js: bool = True):
        page = _new_page(browser, live_url, console, **({} if js else {"java_script_enabled": False}))
        pages.append(page)
        return page

    yield _open
    for page in pages:
        page.context.close()


class Party(Officer):
    """One party (officer, manager or caseworker): the officer journey's page helper, counting POSTs to the
    referral routes."""

    def _count(self, request) -> None:
        path = urlsplit(request.url).path
        if request.method == "POST" and path.startswith("/referrals/"):
            self.posts.append(path)

    def submit_in(self, scope, button: str) -> None:
        self.submissions += 1
        scope.get_by_role("button", name=button, exact=True).click()

    def wait_for_htmx(self, selector: str) -> None:
        """htmx loads deferred: wait until it has processed this element, or a submit would be an ordinary one."""
        if self.js:
            self.page.locator(selector).first.evaluate(
                "(e) => new Promise((done) => { const t = setInterval(() => e._htmx?.initialized"
                " && done(clearInterval(t)), 20); })")


def today_parts() -> tuple[str, str, str]:
    today = clock.today()
    return str(today.day), str(today.month), str(today.year)


def expect_only_failed_loads(console, *allowed: tuple[int, str]) -> None:
    """No console errors but Chromium's "Failed to load resource" line for each (status, url) asked for."""
    assert console.csp_violations == []
    unexpected = [e for e in console.errors
                  if not any(f"status of {status} " in e and f"'url': '{url}'" in e for status, url in allowed)]
    assert unexpected == []


# --- the officer ----------------------------------------------------------------------------------------------------


def filter_needing_attention(officer: Party, *, counted: bool = True) -> None:
    """The caseload's "Only cases that need attention": htmx refreshes the results; without it, Apply filters
    (not counted when the test only checks that the case is not there yet)."""
    page = officer.page
    officer.wait_for_htmx("form.app-filters")
    page.get_by_label("Only cases that need attention", exact=True).check()
    if not officer.js:
        if counted:
            officer.submit("Apply filters")
        else:
            page.get_by_role("button", name="Apply filters", exact=True).click()
    page.wait_for_url(re.compile(r"[?&]attention=1(&|$)"))
    expect(page.locator("#results")).to_contain_text("these filters")


def refer(officer: Party) -> str:
    """From the caseload to a sent referral; returns the referral's path."""
    page = officer.page
    sign_in(page, PERSONAS_BY_KEY["officer-north"], axe=officer.js)
    officer.axe()
    # Nothing needs attention yet: the case's deadline is months away and nobody has missed anything.
    filter_needing_attention(officer, counted=False)
    expect(case_link(page, PERSON)).to_have_count(0)
    officer.axe("attention, none")
    page.locator("#results").get_by_role("link", name="Clear filters", exact=True).click()
    page.wait_for_url(HOME)
    officer.arrive("Your cases")
    case_link(page, PERSON).click()
    officer.arrive(PERSON, "one referral")
    cards = page.locator("#conditions ~ .govuk-summary-card .app-referral")  # each condition's referrals
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(f"{SUGGESTED} (Fresh Start Recovery)")
    expect(cards.first).to_contain_text("Referral status: Sent.")

    officer.follow("Refer to a service", "Refer to a service")
    suggested = officer.group("Service").get_by_label(f"{SUGGESTED} (Suggested, ")
    expect(suggested).to_have_count(1)  # the needs assessment's medium alcohol need
    officer.choose("Which condition is this referral for?", CONDITION)
    officer.group("Service").get_by_label(f"{SERVICE} (").check()
    officer.fill("Risks the provider should know about", "None known")
    officer.submit("Continue")
    officer.arrive("Check the referral before sending it")
    expect(page.locator(".govuk-summary-list")).to_contain_text("None known")
    officer.submit("Confirm and send referral")
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    officer.arrive(PERSON, "two referrals")
    card = cards.filter(has_text=f"{SERVICE} (Fresh Start Recovery)")
    expect(card).to_contain_text("Referral status: Sent.")
    expect(card).to_contain_text("No appointments yet.")
    return card.get_by_role("link", name=f"View referral to {SERVICE}").get_attribute("href")


def sees_the_missed_appointment(officer: Party) -> None:
    page = officer.page
    officer.follow("Back to cases", "Your cases")
    # The home shows it first: the reason in words, a link to the referral, and a tag on the case's row.
    attention = page.locator("section.app-attention")
    missed = re.compile(r"^Missed appointment on \d{1,2} [A-Z][a-z]+ \d{4} \(Did not attend\)$")
    expect(attention.get_by_role("link", name=missed)).to_have_count(1)
    expect(attention).to_contain_text(PERSON)
    expect(page.locator("#results tbody tr", has_text=PERSON)).to_contain_text("Needs attention")
    officer.axe("needs attention")
    filter_needing_attention(officer)
    expect(case_link(page, PERSON)).to_have_count(1)
    officer.axe("attention, one")
    case_link(page, PERSON).click()
    officer.arrive(PERSON, "appointments")
    condition = page.locator("#conditions ~ .govuk-summary-card", has_text=f"{SERVICE} (Fresh Start Recovery)")
    expect(condition.locator(".govuk-tag").first).to_have_text("Status: In progress")
    card = condition.locator(".app-referral", has_text=f"{SERVICE} (Fresh Start Recovery)")
    expect(card).to_contain_text(f"Referral status: In progress; caseworker {CASEWORKER}.")
    items = card.locator("li")
    expect(items).to_have_count(3)
    for (_typed, shown, outcome, _note), item in zip((ATTENDED, MISSED, LATE), items.all(), strict=True):
        expect(item).to_contain_text(f"at {shown}: {outcome}")
    expect(card.locator(".govuk-tag--red")).to_have_text("Did not attend")  # it can count: the officer decides
    expect(page.locator("#timeline")).to_contain_text("Missed appointment")
    # The referral itself, as the police see it: every outcome with its note.
    card.get_by_role("link", name=f"View referral to {SERVICE}").click()
    page.wait_for_url(REFERRAL)
    officer.arrive(PERSON, "police")
    main = page.locator("main")
    for _typed, _shown, outcome, note in (ATTENDED, MISSED, LATE):
        expect(main).to_contain_text(f"{outcome}: {note}" if note else outcome)
    expect(main).not_to_contain_text("Save attendance")  # the police read; only the provider records


# --- the provider manager -------------------------------------------------------------------------------------------


def accept(manager: Party) -> None:
    page = manager.page
    sign_in(page, PERSONAS_BY_KEY["freshstart-manager"], axe=manager.js)
    manager.axe()
    expect(page.get_by_role("heading", name="New referrals (2)", level=2)).to_be_visible()
    expect(page.get_by_role("link", name=f"Accept or decline the referral for {PERSON} to {SERVICE}",
                            exact=True)).to_have_count(1)
    entry = page.locator("main p", has_text=SERVICE).filter(has=page.get_by_role("link", name=PERSON))
    expect(entry).to_have_count(1)
    entry.get_by_role("link", name=PERSON, exact=True).click()
    page.wait_for_url(REFERRAL)
    manager.arrive(PERSON, "sent")
    main = page.locator("main")
    expect(main).to_contain_text(f"referral to {SERVICE}")
    expect(main).to_contain_text("Must not enter places or areas named in the conditions.")
    for secret in ("Kim", "Taylor", "white", "Wants the person to understand"):  # no victim, no special category
        expect(main).not_to_contain_text(secret)
    manager.page.get_by_role("button", name="Accept or decline", exact=True).click()
    manager.arrive(f"Accept or decline the referral for {PERSON}")
    manager.choose("Your decision", "Accept and assign a caseworker")
    page.get_by_label("Caseworker", exact=True).select_option(label=CASEWORKER)
    manager.submit("Save decision")
    page.wait_for_url(REFERRAL)
    manager.arrive(PERSON, "accepted")
    expect(main).to_contain_text(f"Status: Accepted; caseworker {CASEWORKER}.")
    expect(page.locator("#timeline")).to_contain_text(f"accepted the referral; caseworker {CASEWORKER}")


# --- the caseworker -------------------------------------------------------------------------------------------------


def fill_when(worker: Party, at: str, minutes: str, place: str) -> None:
    group = worker.group("Date")
    for label, value in zip(("Day", "Month", "Year"), today_parts(), strict=True):
        group.get_by_label(label, exact=True).fill(value)
    worker.fill("Start time", at)
    worker.fill("How long (minutes)", minutes)
    worker.choose("How it is held", "In person")
    worker.fill("Place, phone number or video link", place)


def book(worker: Party, at: str) -> None:
    worker.follow("Book an appointment", "Book an appointment")
    fill_when(worker, at, "60", "Fresh Start, 4 Mill Road")
    worker.submit("Book appointment")
    worker.page.wait_for_url(REFERRAL)
    worker.arrive(PERSON, "booked")


def book_group(worker: Party) -> None:
    page = worker.page
    worker.follow("Book a group session", "Book a group session")
    worker.fill("Title", GROUP)
    fill_when(worker, LATE[0], "90", "Fresh Start hall")
    worker.group("Who is attending").get_by_label(f"{PERSON}: {SERVICE}", exact=True).check()
    worker.submit("Book group session")
    page.wait_for_url(re.compile(r"/referrals/groups/[0-9a-f-]{36}$"))
    worker.arrive(GROUP)
    expect(page.get_by_role("heading", name=PERSON, level=3)).to_be_visible()


def row(worker: Party, shown: str):
    return worker.page.locator(".app-appointment", has=worker.page.get_by_role(
        "heading", name=f"{PERSON}: {clock.today().day} {clock.today():%B %Y} at {shown}", exact=True))


def record(worker: Party, appointment: tuple[str, str, str, str], *, note: str | None = None, refused=False):
    """Record one outcome from the list on the home page: inline with htmx, or the form and a redirect."""
    page = worker.page
    _typed, shown, outcome, written = appointment
    note = written if note is None else note
    found = row(worker, shown)
    found.get_by_label("Attendance for ").select_option(label=outcome)
    found.get_by_label("Note for ").fill(note)
    if not worker.js:
        with page.expect_response(lambda r: r.request.method == "POST" and "/attendance" in r.url) as sent:
            worker.submit_in(found, "Save attendance")
        assert sent.value.status == (422 if refused else 303)
        return sent.value
    worker.wait_for_htmx(f"#{found.get_attribute('id')} form")
    url = page.url
    # A full page load would lose the window marker; a boosted navigation would replace the h1 (the whole body).
    page.evaluate("() => { window.recordedInPlace = true; document.querySelector('h1').dataset.kept = 'yes'; }")
    watch_live_regions(page)
    with page.expect_response(lambda r: r.request.method == "POST" and "/attendance" in r.url) as sent:
        worker.submit_in(found, "Save attendance")
    response = sent.value
    assert response.status == (422 if refused else 200)
    assert response.request.headers.get("hx-request-type") == "partial"
    assert response.text().lstrip().startswith('<div class="app-appointment')
    if not refused:
        expect(found).to_contain_text(f"Recorded: {outcome}")
        expect_announced(page, f"Saved: {outcome} for {PERSON}")
        # The Save button was replaced with the row: the new one has the focus, so the keyboard user's place stays.
        expect(found.get_by_role("button", name="Save attendance", exact=True)).to_be_focused()
    assert page.url == url
    assert page.evaluate("() => window.recordedInPlace === true && document.querySelector('h1').dataset.kept"
                         " === 'yes'"), "recording attendance reloaded the page instead of updating the row"
    return response


def caseworker_journey(worker: Party) -> str:
    """From the caseworker's home page to three outcomes recorded; returns the refused (422) request's URL."""
    page = worker.page
    sign_in(page, PERSONAS_BY_KEY["freshstart-caseworker"], axe=worker.js)
    worker.axe("no sessions")
    expect(page.get_by_role("heading", name="Your referrals (1)", level=2)).to_be_visible()
    page.locator("main p", has_text=SERVICE).get_by_role("link", name=PERSON, exact=True).click()
    page.wait_for_url(REFERRAL)
    worker.arrive(PERSON, "accepted")
    book(worker, ATTENDED[0])
    book(worker, MISSED[0])
    expect(page.locator(".app-appointment")).to_have_count(2)
    worker.follow("Back to referrals", "Referrals to Fresh Start Recovery")
    book_group(worker)
    worker.follow("Back to referrals", "Referrals to Fresh Start Recovery")
    expect(page.get_by_role("heading", name="Sessions today (3)", level=2)).to_be_visible()
    worker.axe("three sessions")

    record(worker, ATTENDED)
    # Did not attend needs a note: the row comes back with the error (422), what was chosen still chosen.
    refused = record(worker, MISSED, note="", refused=True)
    found = row(worker, MISSED[1])
    if worker.js:
        summary = found.locator(".govuk-error-summary")
        expect(summary).to_be_focused()
    else:
        worker.arrive("Record attendance", "error")
        summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Write a note: it is needed for “did not attend”")
    expect(found.get_by_label("Attendance for ")).to_have_value("did_not_attend")
    worker.axe("row error")
    record(worker, MISSED)
    if not worker.js:
        page.wait_for_url(HOME)
    record(worker, LATE)
    if not worker.js:
        page.wait_for_url(HOME)
    expect_heading(page, "Referrals to Fresh Start Recovery")
    for _typed, shown, outcome, note in (ATTENDED, MISSED, LATE):
        expect(row(worker, shown)).to_contain_text(f"Recorded: {outcome}" + (f" ({note})" if note else "."))
    worker.axe("recorded")
    if worker.js:
        # The page a refused outcome gets without JavaScript (where axe cannot run): the same row, on its own page.
        page.goto(urlsplit(refused.url).path)
        worker.arrive("Record attendance")
    return refused.url


# --- the journey ----------------------------------------------------------------------------------------------------


def journey(open_page, console, *, js: bool) -> None:
    officer = Party(open_page(js=js), js=js)
    referral_path = refer(officer)
    assert REFERRAL.search(referral_path)
    manager = Party(open_page(js=js), js=js)
    accept(manager)
    worker = Party(open_page(js=js), js=js)
    refused_url = caseworker_journey(worker)
    sees_the_missed_appointment(officer)

    name = "JavaScript on" if js else "JavaScript off"
    COUNTS[name] = {party: (p.submissions, len(p.posts))
                    for party, p in (("officer", officer), ("manager", manager), ("caseworker", worker))}
    print(f"\n{name}: {COUNTS[name]}; POSTs: officer {officer.posts}, manager {manager.posts}, "
          f"caseworker {worker.posts}")
    assert {party: posts for party, (_, posts) in COUNTS[name].items()} == EXPECTED_POSTS, (
        officer.posts, manager.posts, worker.posts)
    # Chromium logs the 422 the caseworker was meant to get as a failed resource; nothing else may be logged.
    expect_only_failed_loads(console, (422, refused_url))


def test_officer_refers_provider_accepts_books_and_records_and_officer_sees_the_missed_appointment(
        open_page, console, demo_data):
    journey(open_page, console, js=True)


def test_the_referral_journey_without_javascript(open_page, console, demo_data):
    journey(open_page, console, js=False)


def test_another_provider_cannot_open_the_referral(open_page, console, demo_data):
    officer = Party(open_page(), js=True)
    referral_path = refer(officer)
    # Fresh Start's manager can open it: the address is right.
    manager = open_page()
    sign_in(manager, PERSONAS_BY_KEY["freshstart-manager"], axe=False)
    manager.goto(referral_path)
    expect_heading(manager, PERSON)
    # Pathways Women's Centre's manager sees nothing of it: not in the inbox, and its address is not found.
    other = open_page()
    sign_in(other, PERSONAS_BY_KEY["pathways-manager"], axe=False)
    expect(other.locator("main")).to_contain_text("No new referrals.")
    expect(other.locator("main")).not_to_contain_text(PERSON)
    check_accessibility(other)  # an inbox with nothing in it
    refused = []
    for path in (referral_path, f"{referral_path}/decide"):
        response = other.goto(path)
        assert response.status == 404, (path, response.status)
        expect_heading(other, "Page not found")
        expect(other.locator("main")).not_to_contain_text(PERSON)
        refused.append((404, response.url))
    check_accessibility(other)
    expect_only_failed_loads(console, *refused)
