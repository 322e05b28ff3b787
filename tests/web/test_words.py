"""Numbers, money, dates and times read the way people write them on every page (10 hours, £7.50,
3 December 2026, 10:30am), through one set of functions; no question shows the word "None" as its hint; and a
form reports every problem it has in one error summary. Dates are worked out from the clock, never typed in."""

from __future__ import annotations

import re
import uuid
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app import clock
from app.cases.models import Case
from app.extensions import db
from app.formats import london_datetime, long_date, money, number, time_of_day
from tests import factories
from tests.cases.test_workflow_routes import (
    COND_REHAB,
    SCREEN,
    Officer,
    _d,
    _summary,
    condition,
    details,
    issue,
    offence,
    ready_case,
    start,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TEN_HOURS = factories.REHABILITATIVE | {"hours": 10}


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def _words(day: date) -> str:
    """3 December 2026, written out here independently of the function under test."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def test_numbers_and_money_as_people_write_them():
    assert [number(v) for v in (Decimal("10.00"), Decimal("1E+1"), Decimal("7.50"), 4, "1E+1", None)] == [
        "10", "10", "7.5", "4", "10", ""]
    assert [money(v) for v in (50, Decimal("50.00"), Decimal("7.5"), 1500)] == ["£50", "£50", "£7.50", "£1,500"]


def test_dates_and_times_in_gov_uk_style():
    assert long_date(date(2026, 12, 3)) == "3 December 2026" == long_date("2026-12-03")
    assert [time_of_day(time(h, m)) for h, m in ((10, 30), (10, 0), (12, 0), (0, 0), (15, 5), (0, 30))] == [
        "10:30am", "10am", "midday", "midnight", "3:05pm", "12:30am"]
    assert london_datetime(factories.at(hour=10, minute=30)) == f"{_words(clock.today())} at 10:30am"


def test_no_template_shows_hours_money_or_a_date_raw():
    """A structural guard: hours, amounts and dates in templates go through the filters."""
    raw = re.compile(r"\{\{[^}|]*\b(hours|amount_pounds|due_on|deadline|date_of_birth)\s*\}\}"
                     r"|~\s*[\w.]*\b(hours|due_on|deadline)\s*[~)}]|(?<!datetime=\")\{\{[^}]*isoformat\(\)"
                     r"|strftime|%d %B|£\{\{")
    found = [f"{p.relative_to(TEMPLATES)}: {m.group(0)}" for p in TEMPLATES.rglob("*.*")
             if p.suffix in (".html", ".txt") for m in raw.finditer(p.read_text())]
    assert found == []


@pytest.fixture
def ten_hours(app, demo_data):
    """An issued caution with a 10-hour course (and a restriction); `refer` sends the course to a provider."""
    with app.app_context():
        case = factories.issued(conditions=(TEN_HOURS, factories.RESTRICTIVE))
        ids = {"case": str(case.public_id), "condition": str(case.conditions[0].public_id),
               "service": str(factories.service("Drug awareness course").public_id),
               "due": case.conditions[0].due_on, "deadline": case.deadline, "born": case.offender.date_of_birth}
        db.session.commit()
        db.session.remove()
    return ids


def _shows_the_dataset_in_words(page: str, ids: dict) -> None:
    assert "1E+1" not in page and "(10 hours)" in page
    assert f"Complete by {_words(ids['due'])}" in page
    assert _words(ids["deadline"]) in page and _words(ids["born"]) in page
    for day in (ids["due"], ids["deadline"], ids["born"]):
        assert day.isoformat() not in page


def test_ten_hours_reads_10_hours_on_the_officers_check_page(ten_hours, login_as):
    officer = Officer(login_as("officer-north"))
    answers = {"condition": ten_hours["condition"], "service": ten_hours["service"], "risks": "", "safeguarding": ""}
    page = officer.post(f"/referrals/new/{ten_hours['case']}", answers, expect=200).get_data(as_text=True)
    assert "Check the referral before sending it" in page
    _shows_the_dataset_in_words(page, ten_hours)
    conditions = officer.get(f"/cases/{ten_hours['case']}").get_data(as_text=True)
    assert "1E+1" not in conditions


def test_ten_hours_reads_10_hours_for_the_provider_and_in_the_dataset(app, ten_hours, login_as):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.public_id == uuid.UUID(ten_hours["case"])))
        sent = factories.referral(case)
        assert sent.dataset["condition"]["hours"] == "10"
        referral_id = str(sent.public_id)
        db.session.commit()
        db.session.remove()
    page = login_as("freshstart-manager").get(f"/referrals/{referral_id}").get_data(as_text=True)
    _shows_the_dataset_in_words(page, ten_hours)


def test_a_dataset_stored_before_reads_in_words_too():
    """Referrals sent before this fix hold "1E+1" and ISO dates: the page still shows them in words."""
    assert number("1E+1") == "10" and long_date("2026-12-03") == "3 December 2026"


def test_ten_hours_reads_10_on_the_officers_conditions_page(app, login_as):
    officer = Officer(login_as("officer-north"))
    cid = ready_case(app, officer)
    condition(officer, cid, COND_REHAB | {"hours": "10", "details": "Ten-hour course"})
    page = officer.get(f"/cases/{cid}/conditions").get_data(as_text=True)
    assert "1E+1" not in page
    assert re.search(r'Hours</dt><dd class="govuk-summary-list__value">10</dd>', page)


def test_yes_no_questions_have_no_none_hint(app, login_as):
    officer = Officer(login_as("officer-north"))
    cid = ready_case(app, officer)
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.public_id == uuid.UUID(cid)))
        victim = str(case.victims[0].person.public_id)
    for path in (f"/cases/{cid}/screening", f"/cases/{cid}/victims",
                 f"/cases/{cid}/victims/{victim}/views", f"/cases/{cid}/issue", f"/cases/{cid}/conditions"):
        response = officer.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert "govuk-radios" in html, path
        assert not re.search(r'class="govuk-hint"[^>]*>\s*None\s*<', html), path
        assert not re.search(r'class="govuk-hint"[^>]*>\s*<', html), path  # nor an empty hint


def test_a_condition_form_shows_field_errors_and_the_hours_cap_together(app, login_as):
    officer = Officer(login_as("officer-north"))
    cid = start(officer)
    offence(officer, cid)
    html = _summary(condition(officer, cid, {"type": "unpaid_work", "hours": "25", "details": ""}, expect=422))
    summary = html.split('govuk-error-summary__list">')[1].split("</ul>")[0]
    assert "Describe what the person must do" in summary
    assert "adds up to 25 hours; the most allowed" in summary and "is 20 hours" in summary


def test_a_condition_due_after_the_deadline_shows_with_a_missing_type_of_answer(app, login_as):
    officer = Officer(login_as("officer-north"))
    cid = start(officer)
    offence(officer, cid)
    late = clock.today() + timedelta(weeks=30)
    html = _summary(officer.post(f"/cases/{cid}/conditions", {"type": "attendance", "details": "A course",
                                                              "hours": "4", "due_on": _d(late)}, expect=422))
    summary = html.split('govuk-error-summary__list">')[1].split("</ul>")[0]
    assert "Choose the purpose of the attendance" in summary
    assert f"A condition is due on {_words(late)}, after the deadline" in summary


def test_the_issue_form_shows_a_too_late_deadline_with_the_unticked_boxes(app, login_as):
    officer = Officer(login_as("officer-north"))
    cid = ready_case(app, officer)
    html = _summary(issue(officer, cid, expect=422, admitted="", warning_given="",
                          deadline=_d(clock.today() + timedelta(weeks=20, days=1)), extension_reason="Late course"))
    summary = html.split('govuk-error-summary__list">')[1].split("</ul>")[0]
    assert "Confirm the person admits the offence" in summary and "Confirm you read out the warning" in summary
    assert "at most 20 weeks" in summary


def test_the_screening_form_shows_the_age_problem_with_an_unanswered_question(app, login_as):
    officer = Officer(login_as("officer-north"))
    cid = start(officer)
    today = clock.today()
    details(officer, cid, born=clock.years_before(today, 18) + timedelta(days=1))  # 18 tomorrow
    offence(officer, cid)
    officer.post(f"/cases/{cid}/victims/none")
    answers = {k: v for k, v in SCREEN.items() if k != "admits"} | {"caution_date": _d(today)}
    html = _summary(officer.post(f"/cases/{cid}/screening", answers, expect=422))
    summary = html.split('govuk-error-summary__list">')[1].split("</ul>")[0]
    assert "Say whether the person admits the offence" in summary and "will be 17" in summary
