"""Varying the conditions after a missed appointment, in a real browser, each party in its own browser context.

Fresh Start's caseworker records "did not attend" on Jordan Smith's alcohol awareness course; the officer follows
the flag's "Decide" link from "Needs attention" on their home page, records Jordan's explanation and the evidence,
and decides to vary the conditions with his agreement. They change the course condition (its details, and a later
date to complete it by within the case's deadline), show the new version of the caution document and record Jordan's
signature: version 2 is in force, and version 1 says it was replaced. Jordan's own page shows the changed condition
and does not scroll sideways 390 px wide. The caseworker books the next intake and sends the end-of-service report
(completed); the officer records the other condition done and confirms the case is complete. axe-core checks every
page visited, and no page may break its CSP or log a console error.

The data are those of test_flag_journey.py: the demo's referral accepted, with one appointment early today. The
demo's caution was given five days ago, and its deadline is 16 weeks after that.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from app import clock
from app.demo import PERSONAS_BY_KEY
from app.formats import long_date
from tests.browser.conftest import check_accessibility, require_browser
from tests.browser.test_flag_journey import PERSON, SERVICE, booked, open_page  # noqa: F401 (fixtures)
from tests.browser.test_journeys import expect_heading, sign_in
from tests.browser.test_own_case_phone import _fits

require_browser()

pytestmark = [pytest.mark.browser, pytest.mark.calendar]

UUID = "[0-9a-f-]{36}"
REFERRAL = "/referrals/{id}"
NEW_DETAILS = "Alcohol awareness course, the next intake"
NEW_DUE = timedelta(weeks=6)  # from today: after the course's date (8 weeks from the caution), before the deadline
NEXT_INTAKE = timedelta(days=7)  # the caseworker's new appointment, before the new date
DOCUMENT = "Conditional caution document"


def deadline() -> date:
    return clock.today() - timedelta(days=5) + timedelta(weeks=16)  # as app/demo.py gives Jordan's caution


def arrive(page, heading: str, url: str | None = None) -> None:
    if url:
        page.wait_for_url(re.compile(url.replace("{id}", UUID) + "$"))
    expect_heading(page, heading)
    check_accessibility(page)


def fill_date(page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend, exact=True)
    for label, value in zip(("Day", "Month", "Year"), (day.day, day.month, day.year), strict=True):
        group.get_by_label(label, exact=True).fill(str(value))


def choose(page, legend: str, answer: str) -> None:
    page.get_by_role("group", name=legend, exact=True).get_by_label(answer, exact=True).check()


def press(page, name: str, role: str = "button") -> None:
    page.get_by_role(role, name=name, exact=True).click()


def caseworker_records_the_missed_appointment(worker) -> None:
    sign_in(worker, PERSONAS_BY_KEY["freshstart-caseworker"])
    check_accessibility(worker)
    worker.locator("main p", has_text=SERVICE).get_by_role("link", name=PERSON, exact=True).click()
    arrive(worker, PERSON, REFERRAL)
    row = worker.locator(".app-appointment")
    row.get_by_label("Attendance for ").select_option(label="Did not attend")
    row.get_by_label("Note for ").fill("No answer at the door or on the phone")
    press(row, "Save attendance")
    expect(row).to_contain_text("Recorded: Did not attend")
    check_accessibility(worker)


def officer_varies_the_course(officer, flag: dict, new_due: date) -> None:
    sign_in(officer, PERSONAS_BY_KEY["officer-north"])
    reason = f"Missed appointment on {flag['day']} (Did not attend)"
    entry = officer.locator("section.app-attention .govuk-summary-list__row", has_text=flag["reference"])
    expect(entry.get_by_role("link", name=reason, exact=True)).to_have_count(1)
    check_accessibility(officer)
    entry.get_by_role("link", name=f"Decide on the flag: {reason}", exact=True).click()
    arrive(officer, "Decide on the flag", "/cases/{id}/flags/{id}/decide")
    expect(officer.locator(".govuk-inset-text")).to_contain_text(reason)
    officer.get_by_label("The person's explanation", exact=True).fill("Was in hospital that day")
    officer.get_by_label("Evidence you saw", exact=True).fill("Discharge letter seen")
    choose(officer, "Your decision", "Vary the conditions, with the person's agreement")
    officer.get_by_label("Why you decided this", exact=True).fill("A good reason; he agrees to the next intake")
    press(officer, "Record the decision")
    arrive(officer, "Vary the conditions", "/cases/{id}/variations/{id}")

    course = officer.locator(".app-condition", has_text="Attend an alcohol awareness course")
    expect(course.locator(".govuk-tag")).to_have_text("Kept as it is")
    press(course, "Change this condition", "link")
    arrive(officer, "Change a condition", "/variations/{id}/conditions/{id}")
    officer.get_by_label("What the person must do", exact=True).fill(NEW_DETAILS)
    expect(officer.get_by_text(f"On or before the deadline, {long_date(deadline())}")).to_be_visible()
    fill_date(officer, "Complete by", new_due)
    press(officer, "Save condition")
    arrive(officer, "Vary the conditions", "/variations/{id}")
    changed = officer.locator(".app-condition", has_text=NEW_DETAILS)
    expect(changed.locator(".govuk-tag")).to_have_text("Changed")
    expect(changed).to_contain_text(long_date(new_due))
    expect(changed).to_contain_text("Before: Attend an alcohol awareness course at Fresh Start Recovery.")
    expect(officer.locator("#variation-problems")).to_have_count(0)

    press(officer, "Show the new document to sign")  # a link that looks like a button: role="button"
    arrive(officer, f"{DOCUMENT}, as varied", "/variations/{id}/document")
    for words in ("VARIATION", "It replaces version 1", NEW_DETAILS):
        expect(officer.locator("#caution-document")).to_contain_text(words)
    officer.get_by_label("Name as signed", exact=True).fill(PERSON)
    officer.get_by_label("The person agrees to the conditions as varied", exact=True).check()
    officer.get_by_label("The person signed the document above in front of me", exact=True).check()
    choose(officer, "Who is varying it?", "A police officer of sergeant rank or above")
    press(officer, "Record the signature: the varied conditions start now")
    arrive(officer, DOCUMENT, "/cases/{id}/document")
    versions = officer.locator("#document-versions")
    expect(versions).to_contain_text("(shown) (in force): conditions varied")
    expect(officer.locator("#caution-document")).to_contain_text(NEW_DETAILS)
    versions.get_by_role("link", name=re.compile(r"^Version 1, signed ")).click()
    arrive(officer, DOCUMENT, "/cases/{id}/document/1")
    expect(officer.locator(".govuk-warning-text")).to_contain_text(
        f"This is version 1. It was replaced by version 2, signed on {long_date(clock.today())}")


def person_sees_the_changed_condition(person, new_due: date) -> None:
    sign_in(person, PERSONAS_BY_KEY["offender"])
    check_accessibility(person)
    person.get_by_role("link", name=re.compile("^What you must do, your appointments")).click()
    arrive(person, "Your conditional caution", "/my/cases/{id}")
    course = person.locator("#conditions li", has_text=NEW_DETAILS)
    expect(course).to_contain_text(f"Do it by: {long_date(new_due)}")
    expect(person.locator("#conditions")).not_to_contain_text("Attend an alcohol awareness course")
    _fits(person, 390)


def caseworker_books_the_next_intake_and_reports(worker, intake: date) -> None:
    worker.reload()
    arrive(worker, PERSON)
    press(worker, "Book an appointment", "link")
    arrive(worker, "Book an appointment")
    fill_date(worker, "Date", intake)
    worker.get_by_label("Start time", exact=True).fill("10am")
    worker.get_by_label("How long (minutes)", exact=True).fill("60")
    choose(worker, "How it is held", "In person")
    worker.get_by_label("Place, phone number or video link", exact=True).fill("Fresh Start, 4 Mill Road")
    press(worker, "Book appointment")
    arrive(worker, PERSON, REFERRAL)
    expect(worker.get_by_role("heading", name=f"{PERSON}: {long_date(intake)} at 10am", exact=True)).to_be_visible()
    press(worker, "Send the end-of-service report", "link")
    arrive(worker, "End-of-service report")
    choose(worker, "How did the service end?", "Completed")
    worker.get_by_label("Summary of engagement", exact=True).fill("Attended the next intake's sessions in full.")
    press(worker, "Send end-of-service report")
    arrive(worker, PERSON, REFERRAL)
    expect(worker.locator("main")).to_contain_text("Status: Completed")


def officer_completes_the_case(officer) -> None:
    press(officer, "Back", "link")
    arrive(officer, PERSON, "/cases/{id}")
    restriction = officer.locator("#conditions ~ .app-condition", has_text="Do not enter the Northtown Co-op")
    restriction.get_by_role("link", name=re.compile("^Record whether it was done")).click()
    arrive(officer, "Record whether the condition was done")
    choose(officer, "Was the condition done?", "Done")
    fill_date(officer, "Date it was done, or found not done", clock.today())
    officer.get_by_label("Evidence you saw", exact=True).fill("The shop's manager confirmed he has not been in.")
    press(officer, "Save")
    arrive(officer, PERSON, "/cases/{id}(#condition-{id})?")
    course = officer.locator("#conditions ~ .app-condition", has_text=NEW_DETAILS)
    expect(course.locator(".govuk-tag").first).to_have_text("Status: Done")
    press(officer, "Confirm the case is complete")  # a link that looks like a button
    arrive(officer, "Confirm the case is complete")
    press(officer, "Confirm the case is complete")
    arrive(officer, PERSON, "/cases/{id}")
    status = officer.locator(".govuk-summary-list__row", has_text="Status").first
    expect(status.locator(".govuk-summary-list__value")).to_have_text("Completed")


def test_a_missed_appointment_decided_varied_signed_and_completed(booked, open_page, console):  # noqa: F811
    new_due, intake = clock.today() + NEW_DUE, clock.today() + NEXT_INTAKE
    assert intake <= new_due <= deadline()
    worker = open_page()
    caseworker_records_the_missed_appointment(worker)
    officer = open_page()
    officer_varies_the_course(officer, booked, new_due)
    person_sees_the_changed_condition(open_page(), new_due)
    caseworker_books_the_next_intake_and_reports(worker, intake)
    officer_completes_the_case(officer)
    assert console.errors == []
