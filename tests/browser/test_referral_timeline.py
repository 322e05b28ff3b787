"""The referral page's timeline after an inline attendance save, in a real browser: htmx swaps the row and, out of
band, the timeline, so the caseworker sees the entry (and a correction, as a correction) without reloading. The
demo's referral (Jordan Smith, alcohol awareness course) is accepted and an appointment booked for today through
the services, as the manager and caseworker would; the caseworker then works in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app import clock
from app.demo import PERSONAS_BY_KEY
from app.extensions import db
from app.referrals import services
from tests.browser.conftest import check_accessibility, require_browser
from tests.browser.test_journeys import sign_in
from tests.browser.test_referral_journey import REFERRAL, Party, expect_only_failed_loads
from tests.referrals.conftest import load_world

require_browser()

pytestmark = [pytest.mark.browser, pytest.mark.calendar]


def _booked(app) -> str:
    """Accept the demo's referral and book a session today; the referral's path."""
    with app.app_context():
        w = load_world()
        services.accept_referral(w.sent, w.users["freshstart-caseworker"], by=w.users["freshstart-manager"])
        services.book_appointment(w.sent, starts_at=w.at(0, 0, 5), minutes=60, mode="in_person", place="Hall",
                                  by=w.users["freshstart-caseworker"])
        path = f"/referrals/{w.sent.public_id}"
        db.session.commit()
        db.session.remove()
    return path


def _save(worker: Party, outcome: str, note: str) -> None:
    page = worker.page
    found = page.locator(".app-appointment").first
    worker.wait_for_htmx(f"#{found.get_attribute('id')} form")
    found.get_by_label("Attendance for ").select_option(label=outcome)
    found.get_by_label("Note for ").fill(note)
    with page.expect_response(lambda r: r.request.method == "POST" and "/attendance" in r.url) as sent:
        worker.submit_in(found, "Save attendance")
    assert sent.value.status == 200 and sent.value.request.headers.get("hx-request-type") == "partial"
    expect(page.locator(".app-appointment").first).to_contain_text(f"Recorded: {outcome}")


def test_an_inline_save_updates_the_row_and_the_timeline(app, page, console, demo_data):
    path = _booked(app)
    worker = Party(page, js=True)
    sign_in(page, PERSONAS_BY_KEY["freshstart-caseworker"], axe=False)
    page.goto(path)
    page.wait_for_url(REFERRAL)
    timeline = page.locator("#timeline")
    expect(timeline).not_to_contain_text("Missed appointment")
    page.evaluate("() => { window.savedInPlace = true; }")  # a reload would lose it

    _save(worker, "Did not attend", "No answer at the door")
    expect(timeline).to_contain_text("Missed appointment on")
    # A correction: the earlier entry stays, marked as corrected, under the correction.
    _save(worker, "Attended", "")
    titles = timeline.locator(".moj-timeline__title")
    expect(titles.first).to_contain_text("Corrected: attended (was: did not attend)")
    missed = titles.filter(has_text="Missed appointment")
    expect(missed).to_have_count(1)
    expect(missed.locator(".govuk-tag")).to_have_text("Corrected")
    expect(page.locator("main")).to_contain_text("Outcome history:")
    assert page.evaluate("() => window.savedInPlace === true"), "the save reloaded the page"
    assert clock.today()  # the session is today's: attendance can be recorded from the day itself
    check_accessibility(page)
    expect_only_failed_loads(console)
