"""No dead ends: each refusal links to its way forward, a case closes with a reason before issue (on the
timeline, off the active caseload), and removing something asks first and says what else changes."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock, demo
from app.cases import closure, conditions, next_steps, readiness
from app.cases import services as cases
from app.cases.models import Case, CaseStatus, ClosureReason
from app.extensions import db
from app.timeline.models import TimelineEvent
from tests import factories
from tests.conftest import csrf_from

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates

REMEDY = {"attempts": [{"on": "2026-01-01", "method": "phone", "note": None}], "could_not_contact": False,
          "views": "Wants the fence mended", "remedy_requested": "Mend the fence", "remedy_declined_reason": None,
          "taken_into_account": "Considered"}


def _build(app, make) -> str:
    with app.app_context():
        case = make()
        db.session.commit()
        return str(case.public_id)


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _case(app, cid):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.public_id == uuid.UUID(cid)))
        kinds = [e.kind for e in db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id))]
        db.session.expunge_all()
        return case, kinds


def _post(client, url, data=None):
    token = csrf_from(client.get("/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})})


# --- refusals that link to their way forward ---------------------------------------------------------------------


def _with_remedy_request():
    case = factories.ready()
    cases.record_victim_view(case, case.victims[0], REMEDY, by=factories.user("officer-north"))
    return case


def test_an_unanswered_remedy_request_links_to_where_it_is_answered(app, demo_data, login_as):
    cid = _build(app, _with_remedy_request)
    victim = _ids(app, cid)[1]
    officer = login_as("officer-north")
    views = f"/cases/{cid}/victims/{victim}/views"
    for page in ("tasks", "issue", "conditions"):
        text = _page(officer.get(f"/cases/{cid}/{page}"))
        assert "asked for a community remedy" in text, page
        assert f'<a class="govuk-link" href="{views}">Answer the victim\'s remedy request</a>' in text, page


def test_the_links_carry_the_same_words_as_the_problems(app, demo_data):
    """next_steps adds links to readiness's words: it never drops or rewords a problem."""
    with app.app_context():
        for case in (factories.draft(), _with_remedy_request(), factories.with_details(factories.draft())):
            with app.test_request_context():
                assert [s.text for s in next_steps.ready_steps(case)] == readiness.ready_problems(case)
        db.session.rollback()


def _seventeen():
    case = factories.with_details(factories.draft(), born=clock.years_before(clock.today(), 17))
    cases.record_no_victims(case, by=factories.user("officer-north"))
    return case


def test_an_under_18_refusal_links_to_closing_the_case_for_the_youth_process(app, demo_data, login_as):
    cid = _build(app, _seventeen)
    officer = login_as("officer-north")
    close = f"/cases/{cid}/close?reason=youth_process"
    for page in ("tasks", "screening"):
        text = _page(officer.get(f"/cases/{cid}/{page}"))
        assert "youth process" in text, page
        assert f'href="{close}">Close the case: youth process</a>' in text, page
    form = _page(officer.get(close))
    assert re.search(r'value="youth_process"\s+checked', form), "the reason the refusal named is chosen"


def test_after_the_screening_is_saved_the_page_leads_on(app, demo_data, login_as):
    """A saved screening shows the next task as a button (here the conditions: needs and views are done)."""
    cid = _build(app, factories.ready)
    text = _page(login_as("officer-north").get(f"/cases/{cid}/screening"))
    assert f'href="/cases/{cid}/conditions"' in text and "Continue to conditions" in text


# --- closing a case --------------------------------------------------------------------------------------------


def test_a_case_closes_with_a_reason_before_issue(app, demo_data, login_as):
    cid = _build(app, _seventeen)
    officer = login_as("officer-north")
    assert cid in officer.get("/").get_data(as_text=True)
    refused = _post(officer, f"/cases/{cid}/close", {"note": "no reason chosen"})
    assert refused.status_code == 422 and "Choose why the case is being closed" in _page(refused)
    done = _post(officer, f"/cases/{cid}/close", {"reason": "youth_process", "note": "Told the youth offending team"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/cases/{cid}")
    case, kinds = _case(app, cid)
    assert case.status is CaseStatus.CLOSED and case.closure_reason is ClosureReason.YOUTH_PROCESS
    assert case.closure_note == "Told the youth offending team" and "case_closed" in kinds
    shown = _page(officer.get(f"/cases/{cid}"))
    assert "Closed: Goes to the youth process" in shown and "Case closed: Goes to the youth process" in shown
    assert "Continue preparing the caution" not in shown
    # Off the active caseload; still found among closed cases.
    assert cid not in officer.get("/").get_data(as_text=True)
    assert cid in officer.get("/?status=closed").get_data(as_text=True)
    again = officer.get(f"/cases/{cid}/close")
    assert again.status_code == 409 and "already closed" in _page(again)


def test_an_issued_case_cannot_be_closed(app, demo_data, login_as):
    cid = _build(app, factories.issued)
    officer = login_as("officer-north")
    for response in (officer.get(f"/cases/{cid}/close"), _post(officer, f"/cases/{cid}/close",
                                                              {"reason": "no_further_action"})):
        assert response.status_code == 409
        assert "has been given, so the case cannot be closed" in _page(response)
    assert _case(app, cid)[0].status is CaseStatus.ISSUED


def test_closing_withdraws_decisions_waiting_for_a_supervisor(app, demo_data):
    with app.app_context():
        case = factories.ready(victim=False)
        demo.screen(case, officer=factories.user("officer-north"), exceptional_rationale="First contact in years")
        assert case.approvals
        closure.close_case(case, reason="no_further_action", note=None, by=factories.user("officer-north"))
        assert not case.approvals and case.status is CaseStatus.CLOSED
        db.session.rollback()


# --- removing asks first ---------------------------------------------------------------------------------------


def _remedy_condition():
    case = _with_remedy_request()
    conditions.add_condition(case, {"type": "restrictive", "subtype": "conduct", "details": "Mend the fence",
                                    "due_on": clock.today() + timedelta(weeks=4),
                                    "remedy_for": readiness.victim_key(case.victims[0])},
                             by=factories.user("officer-north"))
    return case


def _ids(app, cid):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.public_id == uuid.UUID(cid)))
        return (str(case.offences[0].public_id), str(case.victims[0].person.public_id),
                str(case.conditions[-1].public_id), len(case.conditions))


def test_remove_links_open_a_confirmation_that_says_what_else_changes(app, demo_data, login_as):
    cid = _build(app, _remedy_condition)
    offence, victim, condition, n = _ids(app, cid)
    officer = login_as("officer-north")
    expected = {
        f"offences/{offence}/remove": ("Remove this offence?", "goes back to draft"),
        f"victims/{victim}/remove": ("Remove this victim?", "request for a community remedy action (“Mend the fence”)"
                                     " is withdrawn"),
        f"conditions/{condition}/remove": (f"Remove condition {n}?", "Mend the fence"),
    }
    for path, (title, change) in expected.items():
        page = _page(officer.get(f"/cases/{cid}/{path}"))
        assert f"<h1 class=\"govuk-heading-l\" id=\"confirm-title\">{title}</h1>" in page, path
        assert "What else changes" in page and change in page, path
        assert f'<form method="post" action="/cases/{cid}/{path}"' in page, path
    # The condition answering the victim's request: removing it leaves the request unanswered, and it says so.
    page = _page(officer.get(f"/cases/{cid}/conditions/{condition}/remove"))
    assert "Afterwards: Val Ng asked for a community remedy" in page
    # The list pages link to the confirmation, not to an immediate removal.
    assert f'href="/cases/{cid}/conditions/{condition}/remove"' in _page(officer.get(f"/cases/{cid}/conditions"))
    assert f'href="/cases/{cid}/victims/{victim}/remove"' in _page(officer.get(f"/cases/{cid}/victims"))
    assert f'href="/cases/{cid}/offences/{offence}/remove"' in _page(officer.get(f"/cases/{cid}/offences"))
    assert _ids(app, cid)[3] == n, "looking at a confirmation removes nothing"


def test_the_confirmation_is_a_fragment_for_the_dialog(app, demo_data, login_as):
    cid = _build(app, _remedy_condition)
    _, _, condition, n = _ids(app, cid)
    officer = login_as("officer-north")
    fragment = _page(officer.get(f"/cases/{cid}/conditions/{condition}/remove",
                                 headers={"HX-Request": "true", "HX-Request-Type": "partial"}))
    assert "<html" not in fragment
    assert f'id="confirm-title" data-focus-after-swap>Remove condition {n}?</h2>' in fragment
    removed = _post(officer, f"/cases/{cid}/conditions/{condition}/remove")
    assert removed.status_code == 303 and _ids(app, cid)[3] == n - 1
