"""The officer's journey in a real browser, from a new case to an issued caution with two conditions.

The same journey runs with JavaScript on (boosted navigation, the live offence search, conditions added in place by
htmx) and with JavaScript off (plain forms and redirects, the offence search's GET form). The data are those of
tests/cases/test_workflow_routes.py, which drives the same journey through the test client. With JavaScript on,
axe-core checks every distinct page (and page state) on the way (it cannot run without JavaScript); no page may break
its CSP or log a console error; and the officer's page submissions are counted: the counts are printed in the
terminal summary and pinned, so a change that adds a step is noticed.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from app import clock
from app.cases.needs import config as needs_config
from app.cases.pack_reader import load_all
from app.demo import PERSONAS_BY_KEY
from tests.browser.conftest import check_accessibility, require_browser
from tests.browser.test_journeys import expect_heading, sign_in

require_browser()

pytestmark = [pytest.mark.browser, pytest.mark.calendar]

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TASKS = "Prepare the caution"
THEFT = "Theft from a shop (value £200 or less)"

# Pinned: the POSTs the browser sent from "Create draft case" to "Record the signature" (the sign-in is not
# counted), as the browser reports them. Eleven either way, as in tests/cases/test_workflow_routes.py; a change here
# changes the number of steps an officer takes. The form submissions (the POSTs and, without JavaScript, the
# offence search's GET form) are printed in the summary, not pinned: the script itself makes them.
EXPECTED_POSTS = {"JavaScript on": 11, "JavaScript off": 11}
COUNTS: dict[str, dict[str, int]] = {}


class _SubmissionReport:
    """Prints the counted submissions at the end of the run (a plugin registered by the module's fixture)."""

    def pytest_terminal_summary(self, terminalreporter):
        if COUNTS:
            terminalreporter.write_sep("-", "officer journey: page submissions, new case to issued caution")
            for journey, counts in COUNTS.items():
                terminalreporter.write_line(f"{journey}: {counts['submissions']} form submissions "
                                            f"({counts['posts']} POSTs), {counts['clicks']} clicks, "
                                            f"{counts['boxes']} text boxes")


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    manager = request.config.pluginmanager
    if not manager.has_plugin("officer-journey-report"):
        manager.register(_SubmissionReport(), "officer-journey-report")


def _d(day: date) -> tuple[str, str, str]:
    return str(day.day), str(day.month), str(day.year)


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


LIVE_REGIONS = "[aria-live], [role=status], [role=alert], [role=log]"


def watch_live_regions(page) -> None:
    """Remember the live regions on the page now: screen readers announce changes only in regions that were
    already there, not in ones that arrive with the new content."""
    page.evaluate(f"() => {{ window.liveRegions = [...document.querySelectorAll('{LIVE_REGIONS}')]; }}")


def expect_announced(page, words: str) -> None:
    try:
        page.wait_for_function("(words) => window.liveRegions.some((r) => r.isConnected && r.textContent.includes("
                               "words))", arg=words, timeout=2_000)
    except PlaywrightTimeout:
        heard = page.evaluate("() => window.liveRegions.filter((r) => r.isConnected).map((r) => r.textContent"
                              ".trim())")
        pytest.fail(f"no live region that was on the page before the update says {words!r}; they say {heard}")


class Officer:
    """Drives the pages as the officer would; counts submissions and checks each distinct page once with axe."""

    def __init__(self, page, *, js: bool):
        self.page, self.js = page, js
        self.submissions = self.clicks = self.boxes = 0  # clicks: links, buttons, choices; boxes: text typed
        self.posts: list[str] = []
        self.checked: set[str] = set()
        page.on("request", self._count)

    def _count(self, request) -> None:
        path = urlsplit(request.url).path
        if request.method == "POST" and path.startswith("/cases/"):
            self.posts.append(path)

    # --- arriving on pages -------------------------------------------------------------------------------------

    def arrive(self, heading: str, state: str = "") -> None:
        """Wait for the page with this heading, then run axe on it if this page (in this state) is new."""
        expect_heading(self.page, heading)
        self.axe(state)

    def axe(self, state: str = "") -> None:
        if not self.js:
            return  # axe-core needs JavaScript; every page here is checked in the JavaScript journey
        key = f"{UUID.sub('{id}', urlsplit(self.page.url).path)} {self.page.locator('h1').inner_text()} {state}"
        if key not in self.checked:
            self.checked.add(key)
            check_accessibility(self.page)

    # --- acting ------------------------------------------------------------------------------------------------

    def follow(self, name: str, heading: str, **kw) -> None:
        self.clicks += 1
        self.page.get_by_role("link", name=name, exact=True).click()
        self.arrive(heading, **kw)

    def submit(self, button: str) -> None:
        self.submissions += 1
        self.clicks += 1
        self.page.get_by_role("button", name=button, exact=True).click()

    def group(self, legend: str):
        return self.page.get_by_role("group", name=legend, exact=True)

    def choose(self, legend: str, answer: str) -> None:
        self.clicks += 1
        self.group(legend).get_by_label(answer, exact=True).check()

    def fill(self, label: str, value: str) -> None:
        self.boxes += 1
        self.page.get_by_label(label, exact=True).fill(value)

    def fill_date(self, legend: str, day: date | tuple[str, str, str]) -> None:
        parts = _d(day) if isinstance(day, date) else day
        group = self.group(legend)
        self.boxes += 3
        for label, value in zip(("Day", "Month", "Year"), parts, strict=True):
            group.get_by_label(label, exact=True).fill(value)


# --- the journey ------------------------------------------------------------------------------------------------


def start_case(officer: Officer) -> str:
    page = officer.page
    start = page.get_by_role("button", name="Start a new case")  # a GOV.UK button link on the caseload
    if start.count():
        officer.clicks += 1
        start.click()
    else:
        page.goto("/cases/new")
    officer.arrive("Start a new case")
    officer.choose("Which disposal are you considering?", "Adult conditional caution")
    officer.fill("Given name", "Sam")
    officer.fill("Family name", "Lee")
    officer.submit("Create draft case")
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}/tasks$"))
    officer.arrive(TASKS, "draft")
    return re.search(r"/cases/([0-9a-f-]{36})/", page.url).group(1)


def offender_details(officer: Officer, today: date) -> None:
    officer.follow("Details of the person", "Details of the person")
    officer.fill_date("Date of birth", clock.years_before(today, 30))
    officer.fill("Address", "1 High Street, Northtown")
    officer.fill("Postcode", "NT1 1AA")
    officer.fill("Phone number", "07700 900000")
    officer.choose("How would they like to be contacted?", "Text message")
    officer.clicks += 2  # two selects
    officer.page.get_by_label("Ethnicity, as the person describes it").select_option("white_british")
    officer.page.get_by_label("Officer-observed ethnicity code").select_option("IC1")
    officer.choose("Sex", "Male")
    officer.submit("Save and return to the task list")
    officer.arrive(TASKS)


def offence(officer: Officer, today: date) -> None:
    page = officer.page
    officer.follow("Offences", "Offences")
    search = page.get_by_label("Search the offence catalogue")
    results = page.locator("#offence-results")
    if officer.js:
        url = page.url
        page.evaluate("() => { window.searchedInPlace = true; }")
        watch_live_regions(page)
        search.press_sequentially("shop", delay=40)  # htmx asks as the officer types
        expect(results.get_by_label(THEFT, exact=True)).to_be_visible()
        expect_announced(page, "match “shop”")  # "N offences match “shop”"
        assert page.url == url and page.evaluate("() => window.searchedInPlace === true"), \
            "the live offence search navigated instead of updating the results in place"
        officer.axe("with results")
    else:
        search.fill("shop")
        officer.submit("Search")  # the fallback: a plain GET form
        page.wait_for_url(re.compile(r"/offences\?q=shop$"))
        officer.arrive("Offences", "with results")
    officer.clicks += 1
    results.get_by_label(THEFT, exact=True).check()
    officer.fill_date("Date of the offence", today - timedelta(days=3))
    officer.fill("Where it happened", "Co-op, High Street")
    officer.submit("Add offence")
    expect(page.locator("caption", has_text="Offences on this case")).to_be_visible()
    expect(page.locator(".govuk-table__body")).to_contain_text(THEFT)
    officer.arrive("Offences", "one offence")
    officer.follow("Return to the task list", TASKS)


def victim(officer: Officer) -> None:
    officer.follow("Victims", "Victims")
    officer.fill("Given name", "Val")
    officer.fill("Family name", "Ng")
    officer.fill("Email address", "val@example.org")
    officer.choose("How would they like to be contacted?", "Email")
    officer.choose("Do they want updates on the case?", "Yes")
    officer.choose("How should updates reach them?", "Email")
    officer.submit("Add victim")
    expect(officer.page.get_by_role("heading", name="Val Ng", level=2)).to_be_visible()
    officer.arrive("Victims", "one victim")
    officer.follow("Return to the task list", TASKS, state="screening")


def screening(officer: Officer, today: date) -> None:
    page = officer.page
    officer.follow("Eligibility screening", "Eligibility screening")
    # Planned for today, as the GOV.UK date widget fills it (two-digit day and month: "01", "03").
    for part, value in zip(("Day", "Month", "Year"), today.strftime("%d %m %Y").split(), strict=True):
        expect(officer.group("When will the caution be given?").get_by_label(part, exact=True)).to_have_value(value)
    asked = load_all()["current_practice"].in_force(today).eligibility_questions  # the pack words the questions
    officer.choose(asked["evidence_sufficient"], "Yes")
    officer.choose(asked["evidence_decided_by"], "A police officer")
    officer.fill("Name of the person who decided there is enough evidence", "PC Amy Clarke")
    officer.choose(asked["should_be_given"], "Yes")
    officer.choose(asked["should_be_given_decided_by"], "A police officer")
    officer.fill("Name of the person who decided it should be given", "PC Amy Clarke")
    officer.choose(asked["admits"], "Yes")
    officer.choose(asked["consents"], "Yes")
    officer.submit("Save and check eligibility")
    expect(page.get_by_role("heading", name="Result", level=2)).to_be_visible()
    expect(page.locator(".govuk-tag", has_text="Eligible")).to_have_text("Eligible")
    officer.arrive("Eligibility screening", "eligible")
    officer.follow("Back to the task list", TASKS)


def needs(officer: Officer) -> None:
    officer.follow("Needs assessment", "Needs assessment")
    for key, domain in needs_config().domains.items():
        officer.choose(domain.label, "High" if key == "alcohol" else "None")
    officer.submit("Save needs assessment")
    officer.arrive(TASKS)


def victims_views(officer: Officer, today: date) -> None:
    officer.follow("Views of Val Ng", "Views of Val Ng")
    officer.fill_date("Contact attempt 1: date", today)
    officer.choose("Contact attempt 1: how", "Phone")
    officer.choose("Were you able to get the victim's views?", "Yes")
    officer.fill("The victim's views", "Wants an apology")
    officer.fill("How you took their views into account", "A letter of apology is a condition")
    officer.submit("Save victim's views")
    officer.arrive(TASKS, "ready for conditions")


def add_condition(officer: Officer, due: date, number: int, fill) -> None:
    """Fill the add-condition form and send it: with JavaScript, htmx swaps the list and a fresh form in place."""
    page = officer.page
    fill()
    officer.fill_date("Complete by", due)
    if not officer.js:
        officer.submit("Add condition")
        page.wait_for_url(re.compile(r"/conditions$"))
        expect(page.locator(".govuk-summary-card")).to_have_count(number)
        return
    url = page.url
    # A full page load would lose the window marker; a boosted navigation would replace the h1 (the whole body).
    page.evaluate("() => { window.conditionsInPlace = true; document.querySelector('h1').dataset.kept = 'yes'; }")
    watch_live_regions(page)
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/conditions")) as sent:
        officer.submit("Add condition")
    response = sent.value
    assert response.status == 200 and response.request.headers.get("hx-request-type") == "partial"
    assert response.text().lstrip().startswith('<div id="conditions-workspace">')
    expect(page.locator("#conditions .govuk-summary-card")).to_have_count(number)
    expect_announced(page, f"Condition added. This case now has {number} condition")
    assert page.url == url
    assert page.evaluate("() => window.conditionsInPlace === true && document.querySelector('h1').dataset.kept"
                         " === 'yes'"), "adding a condition reloaded the page instead of updating the list in place"
    # The form came back fresh, ready for the next condition.
    expect(page.locator("#condition-form input[name='type']:checked")).to_have_count(0)
    expect(page.get_by_label("What the person must do", exact=True)).to_have_value("")


def conditions(officer: Officer, today: date) -> None:
    page = officer.page
    officer.follow("Conditions", "Conditions")
    expect(page.locator("main")).to_contain_text("Suggested by the needs assessment")
    expect(page.locator("main")).to_contain_text("Alcohol awareness course")
    due = today + timedelta(weeks=8)

    def rehabilitative():
        officer.choose("Type of condition", "Attendance")
        officer.choose("Purpose", "Rehabilitative (to help the person stop offending)")
        officer.fill("Hours", "4")
        officer.fill("What the person must do", "Alcohol awareness course")

    def restrictive():
        officer.choose("Type of condition", "Restrictive")
        officer.choose("Kind of restriction", "Not to enter places or areas")
        officer.fill("What the person must do", "Do not enter the Co-op")

    add_condition(officer, due, 1, rehabilitative)
    officer.axe("one condition")
    add_condition(officer, due, 2, restrictive)
    cards = page.locator("#conditions .govuk-summary-card")
    expect(cards.nth(0)).to_contain_text("Alcohol awareness course")
    expect(cards.nth(1)).to_contain_text("Do not enter the Co-op")
    expect(page.locator("#conditions")).to_contain_text("These conditions meet the rules")
    officer.axe("two conditions")
    officer.follow("Return to the task list", TASKS, state="ready")
    expect(page.locator("main")).to_contain_text("Status: Ready")


def issue(officer: Officer, today: date) -> date:
    page = officer.page
    officer.follow("Pre-issue checklist, deadline and signature", "Issue the adult conditional caution")
    deadline = today + timedelta(weeks=16)
    officer.choose("Who decided there is enough evidence to charge?", "A police officer")
    officer.fill("Their name", "PC Amy Clarke")
    for box in ("The person admits the offence", "The person agrees to the caution and its conditions",
                "I explained the caution and what happens if they do not comply", "I read out the warning above"):
        officer.clicks += 1
        page.get_by_label(box, exact=True).check()
    officer.fill_date("Deadline for completing the conditions", deadline)
    officer.submit("Confirm and prepare the caution document")
    page.wait_for_url(re.compile(r"/document$"))
    officer.arrive("Conditional caution document")
    document = page.locator("#caution-document")
    for words in ("ADMISSION", THEFT, "Alcohol awareness course", "Do not enter the Co-op", long_date(deadline)):
        expect(document).to_contain_text(words)
    # Printable: the print stylesheet leaves the document and hides the page furniture and the signature form.
    page.emulate_media(media="print")
    expect(document).to_be_visible()
    expect(page.locator("main form")).to_be_hidden()
    expect(page.locator(".govuk-header")).to_be_hidden()
    page.emulate_media(media="screen")
    return deadline


def sign(officer: Officer) -> None:
    officer.fill("Name as signed", "Sam Lee")
    officer.clicks += 1
    officer.page.get_by_label("The person signed the document above in front of me", exact=True).check()
    officer.choose("Who is giving it?", "A police officer of sergeant rank or above")
    officer.submit("Record the signature and issue the caution")
    officer.page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    officer.arrive("Sam Lee", "issued")


def assert_issued(officer: Officer, deadline: date) -> None:
    page = officer.page

    def row(key: str):
        return page.locator(".govuk-summary-list__row", has=page.locator("dt", has_text=key)).locator("dd")

    expect(row("Status")).to_have_text("Issued")
    expect(row("Deadline")).to_have_text(long_date(deadline))
    titles = page.locator("#timeline .moj-timeline__title")
    expect(titles.first).to_be_visible()
    assert "Adult conditional caution given" in titles.all_inner_texts(), titles.all_inner_texts()


def officer_journey(officer: Officer) -> None:
    sign_in(officer.page, PERSONAS_BY_KEY["officer-north"], axe=officer.js)
    officer.axe()
    new_case_to_issued(officer, clock.today())


def new_case_to_issued(officer: Officer, today: date) -> date:
    """The signed-in officer's steps from a new case to an issued caution; returns its deadline."""
    start_case(officer)
    offender_details(officer, today)
    offence(officer, today)
    victim(officer)
    screening(officer, today)
    needs(officer)
    victims_views(officer, today)
    conditions(officer, today)
    deadline = issue(officer, today)
    sign(officer)
    assert_issued(officer, deadline)
    return deadline


def _check_counts(name: str, officer: Officer) -> None:
    COUNTS[name] = {"submissions": officer.submissions, "posts": len(officer.posts), "clicks": officer.clicks,
                    "boxes": officer.boxes}
    print(f"\n{name}: {officer.submissions} form submissions ({len(officer.posts)} POSTs), {officer.clicks} clicks, "
          f"{officer.boxes} text boxes: {officer.posts}")
    assert len(officer.posts) == EXPECTED_POSTS[name], officer.posts


def test_officer_takes_a_case_from_new_to_issued(page, console, demo_data):
    officer = Officer(page, js=True)
    officer_journey(officer)
    assert console.csp_violations == []
    assert console.errors == []
    _check_counts("JavaScript on", officer)


def test_officer_takes_a_case_from_new_to_issued_without_javascript(page_without_js, console, demo_data):
    officer = Officer(page_without_js, js=False)
    officer_journey(officer)
    assert console.errors == []
    _check_counts("JavaScript off", officer)


# --- bad input ----------------------------------------------------------------------------------------------------


def test_impossible_date_of_birth_shows_the_error_summary_and_keeps_the_input(page, console, demo_data):
    officer = Officer(page, js=True)
    sign_in(page, PERSONAS_BY_KEY["officer-north"], axe=False)
    start_case(officer)
    officer.follow("Details of the person", "Details of the person")
    officer.fill_date("Date of birth", ("31", "2", "1990"))
    officer.fill("Address", "1 High Street, Northtown")
    officer.fill("Postcode", "NT1 1AA")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/offender")) as sent:
        officer.submit("Save and return to the task list")
    assert sent.value.status == 422
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Details of the person"))
    link = summary.get_by_role("link", name="Date of birth must be a real date")
    expect(link).to_have_attribute("href", "#date_of_birth-day")
    # What the officer typed is still there.
    group = officer.group("Date of birth")
    for part, value in (("Day", "31"), ("Month", "2"), ("Year", "1990")):
        expect(group.get_by_label(part, exact=True)).to_have_value(value)
    expect(page.get_by_label("Address", exact=True)).to_have_value("1 High Street, Northtown")
    expect(page.get_by_label("Postcode", exact=True)).to_have_value("NT1 1AA")
    expect(page.get_by_label("Given name", exact=True)).to_have_value("Sam")
    officer.arrive("Details of the person", "error")
    link.click()
    expect(group.get_by_label("Day", exact=True)).to_be_focused()
    assert console.csp_violations == []
    # Chromium logs the expected 422 of htmx's request as a failed resource; nothing else may be logged.
    expected = f"the server responded with a status of 422 (UNPROCESSABLE ENTITY) at {{'url': '{sent.value.url}'"
    assert [e for e in console.errors if expected not in e] == []
