"""The officer's journey through the routes, per role, with bad input and tampering.

Every client here signed in through the development identity provider (a real OIDC round trip).
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.cases.models import (
    Approval,
    ApprovalStatus,
    Case,
    CaseStatus,
    CautionDocument,
    Condition,
    Screening,
)
from app.extensions import db
from app.people.models import Person
from app.timeline.models import Audience, TimelineEvent
from tests.conftest import csrf_from

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates


def _d(day) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


class Officer:
    """A signed-in client that sends its CSRF token with every form and checks the status it expects."""

    def __init__(self, client):
        self.client = client
        self.token = csrf_from(client.get("/").get_data(as_text=True))

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, expect=303, **kw):
        response = self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kw)
        assert response.status_code == expect, (url, response.status_code, _errors(response))
        return response


def _errors(response) -> list[str]:
    html = response.get_data(as_text=True)
    return re.findall(r'<a href="#[^"]*">([^<]+)</a>', html) + re.findall(r"<li>([^<]+)</li>", html)[:5]


def _case(app, public_id):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.public_id == uuid.UUID(public_id)))
        db.session.expunge_all()
        return case


def _conditions(app, cid) -> list:
    with app.app_context():
        return list(db.session.scalars(select(Condition.public_id).join(Case, Condition.case_id == Case.id)
                                       .where(Case.public_id == uuid.UUID(cid))))


def start(officer, name=("Sam", "Lee"), disposal="current_practice:adult_conditional_caution") -> str:
    r = officer.post("/cases/new", {"disposal": disposal, "given_name": name[0], "family_name": name[1]})
    match = re.search(r"/cases/([0-9a-f-]{36})/tasks", r.headers["Location"])
    return match.group(1)


DETAILS = {"given_name": "Sam", "family_name": "Lee", "address": "1 High Street, Northtown", "postcode": "NT1 1AA",
           "preferred_channel": "sms", "phone": "07700 900000", "language": "", "accessibility_needs": "",
           "email": "", "ethnicity_self": "white_british", "ethnicity_observed": "IC1", "sex": "male"}


def details(officer, cid, born=None):
    born = born or clock.years_before(clock.today(), 30)
    officer.post(f"/cases/{cid}/offender", DETAILS | {"date_of_birth": _d(born)})


def offence(officer, cid, code="TH01"):
    officer.post(f"/cases/{cid}/offences", {"q": "shop", "offence": code, "location": "Co-op, High Street",
                                            "committed_on": _d(clock.today() - timedelta(days=3))})


def victim(officer, cid):
    officer.post(f"/cases/{cid}/victims", {"given_name": "Val", "family_name": "Ng", "preferred_channel": "email",
                                           "email": "val@example.org", "updates_opted_in": "yes",
                                           "update_channel": "email"})


SCREEN = {"evidence_sufficient": "yes", "evidence_decided_by": "officer", "evidence_decision_maker": "PC Amy Clarke",
          "should_be_given": "yes", "should_be_given_decided_by": "officer",
          "should_be_given_decision_maker": "PC Amy Clarke", "admits": "yes", "consents": "yes"}


def screen(officer, cid, **extra):
    officer.post(f"/cases/{cid}/screening", SCREEN | {"caution_date": _d(clock.today())} | extra)


def needs(officer, cid):
    from app.cases.needs import config

    officer.post(f"/cases/{cid}/needs", {f"need_{k}": "none" for k in config().domains} | {"need_alcohol": "high"})


def views(app, officer, cid):
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.public_id == uuid.UUID(cid)))
        person_ids = [str(link.person.public_id) for link in case.victims]
    for pid in person_ids:
        officer.post(f"/cases/{cid}/victims/{pid}/views", {
            "attempt1_on": _d(clock.today()), "attempt1_method": "phone", "contacted": "yes",
            "views": "Wants an apology", "taken_into_account": "A letter of apology is a condition"})


COND_REHAB = {"type": "attendance", "purpose": "rehabilitative", "hours": "4", "details": "Alcohol awareness course"}
COND_RESTRICT = {"type": "restrictive", "subtype": "not_enter", "details": "Do not enter the Co-op"}


def condition(officer, cid, values, expect=303, **kw):
    return officer.post(f"/cases/{cid}/conditions", values | {"due_on": _d(clock.today() + timedelta(weeks=8))},
                        expect=expect, **kw)


ISSUE = {"evidence_decided_by": "officer", "evidence_decision_maker": "PC Amy Clarke", "admitted": "y",
         "consented": "y", "explained": "y", "warning_given": "y"}


def issue(officer, cid, expect=303, **extra):
    data = ISSUE | {"deadline": _d(clock.today() + timedelta(weeks=16))} | extra
    return officer.post(f"/cases/{cid}/issue", data, expect=expect)


def sign(officer, cid, expect=303, administered_by="sergeant_or_above"):
    html = officer.get(f"/cases/{cid}/document").get_data(as_text=True)
    digest = re.search(r'name="document_hash" value="([0-9a-f]{64})"', html).group(1)
    return officer.post(f"/cases/{cid}/document", {"signed_by_name": "Sam Lee", "signed": "y",
                                                   "administered_by": administered_by, "document_hash": digest},
                        expect=expect)


def ready_case(app, officer) -> str:
    cid = start(officer)
    details(officer, cid)
    offence(officer, cid)
    victim(officer, cid)
    screen(officer, cid)
    needs(officer, cid)
    views(app, officer, cid)
    condition(officer, cid, COND_REHAB)
    condition(officer, cid, COND_RESTRICT)
    return cid


# --- the journey -----------------------------------------------------------------------------------------------


def test_new_case_to_issued_with_two_conditions(app, login_as):
    officer = Officer(login_as("officer-north"))
    cid = start(officer)
    assert _case(app, cid).status is CaseStatus.DRAFT
    tasks = officer.get(f"/cases/{cid}/tasks").get_data(as_text=True)
    assert "Cannot start yet" in tasks and "govuk-task-list" in tasks
    details(officer, cid)
    offence(officer, cid)
    victim(officer, cid)
    assert _case(app, cid).status is CaseStatus.SCREENING
    pack = app.extensions["rule_packs"]["current_practice"].in_force(clock.today())
    asked = officer.get(f"/cases/{cid}/screening").get_data(as_text=True)
    assert pack.eligibility_questions["admits"] in asked  # the pack words the questions
    screen(officer, cid)
    with app.app_context():
        recorded = db.session.scalar(select(Screening).where(Screening.case_id == _case(app, cid).id))
        assert recorded.answers["questions"] == pack.eligibility_questions and recorded.answers["admits"] is True
    needs(officer, cid)
    views(app, officer, cid)
    conditions_page = officer.get(f"/cases/{cid}/conditions").get_data(as_text=True)
    assert "Suggested by the needs assessment" in conditions_page and "Alcohol awareness course" in conditions_page
    condition(officer, cid, COND_REHAB)
    condition(officer, cid, COND_RESTRICT)
    assert _case(app, cid).status is CaseStatus.READY
    issue(officer, cid)
    document = officer.get(f"/cases/{cid}/document").get_data(as_text=True)
    assert "ADMISSION" in document and "Alcohol awareness course" in document
    sign(officer, cid)
    case = _case(app, cid)
    assert case.status is CaseStatus.ISSUED and case.issued_on == clock.today()
    with app.app_context():
        stored = db.session.scalar(select(CautionDocument).where(CautionDocument.case_id == case.id))
        import hashlib

        assert hashlib.sha256(stored.text.encode()).hexdigest() == stored.sha256
        kinds = {e.kind: e for e in db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id))}
        audiences = {kind: Audience(event.audiences) for kind, event in kinds.items()}
        assert audiences["caution_issued"] == Audience.POLICE | Audience.OFFENDER | Audience.VICTIM | Audience.SCRUTINY
        assert audiences["conditions_set"] == Audience.POLICE | Audience.OFFENDER | Audience.SCRUTINY
        assert audiences["offence_added"] == Audience.POLICE
    # After issue: the details can no longer change (the page leads to the contact-details corrections instead),
    # and the signed document stays readable.
    r = officer.client.get(f"/cases/{cid}/offender")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/cases/{cid}/contact-details")
    r = officer.post(f"/cases/{cid}/offender", {"given_name": "Someone", "family_name": "Else"}, expect=409)
    assert "can no longer be changed" in r.get_data(as_text=True)
    assert "SHA-256" in officer.get(f"/cases/{cid}/document").get_data(as_text=True)


def test_conditions_inline_with_htmx(app, login_as):
    officer = Officer(login_as("officer-north"))
    cid = start(officer)
    headers = {"HX-Request": "true", "HX-Request-Type": "partial"}
    r = condition(officer, cid, COND_REHAB, expect=200, headers=headers)
    html = r.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="conditions-workspace">') and "<html" not in html
    assert "Alcohol awareness course" in html
    bad = condition(officer, cid, COND_REHAB | {"hours": "-2"}, expect=422, headers=headers)
    fragment = bad.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="condition-form">') and "Hours must be between" in fragment
    cond_id = _conditions(app, cid)[0]
    removed = officer.post(f"/cases/{cid}/conditions/{cond_id}/remove", expect=200, headers=headers)
    assert "No conditions yet" in removed.get_data(as_text=True)


# --- bad input: 422 with the error summary and the input kept ---------------------------------------------------


def _summary(response) -> str:
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html, html[:2000]
    return html


@pytest.fixture
def officer(login_as):
    return Officer(login_as("officer-north"))


def test_future_and_impossible_dates_are_refused(app, officer):
    cid = start(officer)
    future = clock.today() + timedelta(days=2)
    html = _summary(officer.post(f"/cases/{cid}/offender", DETAILS | {"date_of_birth": _d(future)}, expect=422))
    assert "Date of birth must be in the past" in html and 'href="#date_of_birth-day"' in html
    assert 'name="address" rows="3">1 High Street, Northtown</textarea>' in html  # input kept
    html = _summary(officer.post(f"/cases/{cid}/offender", DETAILS | {"date_of_birth": ["31", "2", "1990"]},
                                 expect=422))
    assert "must be a real date" in html
    html = _summary(officer.post(f"/cases/{cid}/offences", {"offence": "TH01", "location": "x", "q": "",
                                                            "committed_on": _d(future)}, expect=422))
    assert "today or in the past" in html


def test_date_with_parts_missing_is_a_clear_422_not_a_500(officer):
    cid = start(officer)
    html = _summary(officer.post(f"/cases/{cid}/offender", DETAILS | {"date_of_birth": ["14", "3"]}, expect=422))
    assert "must be sent as a day, a month and a year" in html
    html = _summary(officer.post(f"/cases/{cid}/offender", DETAILS | {"date_of_birth": ["14", "", "1990"]},
                                 expect=422))
    assert "must include a month" in html
    html = _summary(officer.post(f"/cases/{cid}/offences", {"offence": "TH01", "location": "x", "q": ""},
                                 expect=422))
    assert "Enter the date of the offence" in html


def test_crafted_fields_are_refused(app, officer):
    cid = start(officer)
    html = _summary(officer.post(f"/cases/{cid}/offender", DETAILS | {"status": "issued", "officer_id": "1"},
                                 expect=422))
    assert "does not ask for (officer_id, status)" in html
    assert _case(app, cid).status is CaseStatus.DRAFT
    with app.app_context():
        assert db.session.scalar(select(Person.address).join(Case, Case.offender_id == Person.id)
                                 .where(Case.public_id == uuid.UUID(cid))) is None  # nothing saved


def test_negative_hours_and_amount_over_the_cap(app, officer):
    cid = start(officer)
    offence(officer, cid)  # summary offence: £50 cap for an adult conditional caution
    html = _summary(condition(officer, cid, COND_REHAB | {"hours": "-1"}, expect=422))
    assert "Hours must be between 0.5 and 1000" in html
    html = _summary(condition(officer, cid, {"type": "financial_penalty", "amount_pounds": "51",
                                             "details": "Pay compensation"}, expect=422))
    assert "the most allowed for this offence is £50" in html and 'value="51"' in html
    condition(officer, cid, {"type": "financial_penalty", "amount_pounds": "50", "details": "Pay compensation"})


def test_words_where_numbers_belong_say_what_to_type(app, officer):
    cid = start(officer)
    offence(officer, cid)
    html = _summary(condition(officer, cid, COND_REHAB | {"hours": "ten"}, expect=422))
    assert "Enter the hours as a number, like 2 or 2.5" in html and "Not a valid" not in html
    html = _summary(condition(officer, cid, {"type": "financial_penalty", "amount_pounds": "£50.50",
                                             "details": "Pay compensation"}, expect=422))
    assert "Enter the amount in whole pounds, like 50" in html


def test_missing_victims_views_stop_the_issue(app, officer):
    cid = start(officer)
    details(officer, cid)
    offence(officer, cid)
    victim(officer, cid)
    screen(officer, cid)
    needs(officer, cid)
    condition(officer, cid, COND_REHAB)
    case = _case(app, cid)
    assert case.status is CaseStatus.SCREENING
    page = officer.get(f"/cases/{cid}/issue").get_data(as_text=True)
    assert "<li>Record Val Ng&#39;s views, or that they could not be contacted" in page
    r = issue(officer, cid, expect=409)
    assert "cannot be issued yet" in r.get_data(as_text=True)


def test_seventeen_on_the_caution_date_is_refused(app, officer):
    cid = start(officer)
    today = clock.today()
    born = clock.years_before(today, 18) + timedelta(days=1)  # 18 tomorrow
    details(officer, cid, born=born)
    offence(officer, cid)
    officer.post(f"/cases/{cid}/victims/none")
    html = _summary(officer.post(f"/cases/{cid}/screening", SCREEN | {"caution_date": _d(today)}, expect=422))
    assert "will be 17" in html and "youth process" in html
    # On their 18th birthday the caution may be given.
    officer.post(f"/cases/{cid}/screening", SCREEN | {"caution_date": _d(today + timedelta(days=1))})


# --- access: tampering, other teams, the public ----------------------------------------------------------------


def test_tampered_ids_give_404(app, login_as):
    north, south = Officer(login_as("officer-north")), Officer(login_as("officer-south"))
    mine = start(north)
    theirs = start(south, name=("Tia", "Ray"))
    condition(south, theirs, COND_REHAB)
    their_condition = _conditions(app, theirs)[0]
    assert north.get(f"/cases/{theirs}/tasks").status_code == 404
    assert north.client.post(f"/cases/{theirs}/offender", data=DETAILS | {"csrf_token": north.token}).status_code \
        == 404
    # Another case's condition, through my own case: not found.
    r = north.client.post(f"/cases/{mine}/conditions/{their_condition}/remove", data={"csrf_token": north.token})
    assert r.status_code == 404
    assert north.get(f"/cases/{mine}/conditions/{their_condition}").status_code == 404
    assert north.get(f"/cases/{mine}/conditions/not-a-uuid").status_code == 404


def test_nobody_outside_the_team_sees_a_draft(app, login_as):
    officer = Officer(login_as("officer-north"))
    cid = start(officer, name=("Jordan", "Smith"))
    for persona in ("officer-south", "pathways-manager", "freshstart-caseworker", "offender", "victim", "scrutiny"):
        client = login_as(persona)
        for path in ("", "/tasks", "/offender", "/document", "/conditions"):
            assert client.get(f"/cases/{cid}{path}").status_code == 404, (persona, path)
    # The offender and victim personas' home pages list only issued cases.
    with app.app_context():
        draft = db.session.scalar(select(Case).where(Case.public_id == uuid.UUID(cid)))
        assert draft.status is CaseStatus.DRAFT
    home = login_as("offender").get("/").get_data(as_text=True)
    assert draft.reference not in home


def test_coordinator_sees_but_cannot_change(login_as):
    officer = Officer(login_as("officer-north"))
    cid = start(officer)
    coordinator = login_as("coordinator")
    assert coordinator.get(f"/cases/{cid}").status_code == 200
    assert coordinator.get(f"/cases/{cid}/offender").status_code == 403
    assert coordinator.get("/cases/new").status_code == 404


# --- the state machine through the routes ----------------------------------------------------------------------


def test_out_of_order_actions_are_refused(app, officer):
    cid = start(officer)
    r = issue(officer, cid, expect=409)
    assert "This case is draft, so the caution cannot be issued yet" in r.get_data(as_text=True)
    r = officer.post(f"/cases/{cid}/document", {"signed_by_name": "X", "signed": "y", "document_hash": "0" * 64,
                                                "administered_by": "sergeant_or_above"}, expect=409)
    assert "This case is draft, so it cannot be moved to issued" in r.get_data(as_text=True)
    r = officer.post(f"/cases/{cid}/screening", SCREEN | {"caution_date": _d(clock.today())}, expect=409)
    assert "cannot be screened yet" in r.get_data(as_text=True)
    assert _case(app, cid).status is CaseStatus.DRAFT


def test_supervisor_approves_or_returns_with_a_comment(app, login_as):
    officer = Officer(login_as("officer-north"))
    cid = ready_case(app, officer)
    screen(officer, cid, exceptional_rationale="Vulnerable, first contact with police in ten years")
    assert _case(app, cid).status is CaseStatus.SCREENING  # waiting for approval
    supervisor = Officer(login_as("supervisor"))
    page = supervisor.get("/cases/approvals").get_data(as_text=True)
    assert "Exceptional circumstances" in page
    with app.app_context():
        approval = db.session.scalar(select(Approval).where(Approval.status == ApprovalStatus.PENDING))
        aid, prefix = approval.public_id, f"a{approval.id}"
    html = _summary(supervisor.post(f"/cases/approvals/{aid}", {f"{prefix}-decision": "return"}, expect=422))
    assert "Say why you are returning it" in html
    supervisor.post(f"/cases/approvals/{aid}", {f"{prefix}-decision": "return",
                                                 f"{prefix}-comment": "Add the vulnerability assessment"})
    screening = officer.get(f"/cases/{cid}/screening").get_data(as_text=True)
    assert "Add the vulnerability assessment" in screening
    screen(officer, cid, exceptional_rationale="Vulnerable; assessment attached to the crime report")
    with app.app_context():
        approval = db.session.scalar(select(Approval).where(Approval.status == ApprovalStatus.PENDING))
        aid, prefix = approval.public_id, f"a{approval.id}"
    assert login_as("officer-south").get("/cases/approvals").status_code == 404
    supervisor.post(f"/cases/approvals/{aid}", {f"{prefix}-decision": "approve"})
    assert _case(app, cid).status is CaseStatus.READY


def test_later_deadline_needs_a_reason_and_approval(app, login_as):
    officer = Officer(login_as("officer-north"))
    cid = ready_case(app, officer)
    late = clock.today() + timedelta(weeks=18)
    html = _summary(issue(officer, cid, expect=422, deadline=_d(late)))
    assert "needs a reason" in html
    html = _summary(issue(officer, cid, expect=422, deadline=_d(clock.today() + timedelta(weeks=20, days=1)),
                          extension_reason="Course starts late"))
    assert "at most 20 weeks" in html
    issue(officer, cid, deadline=_d(late), extension_reason="The course runs only in the spring")
    page = officer.get(f"/cases/{cid}/document").get_data(as_text=True)
    assert "waiting for a supervisor" in page
    supervisor = Officer(login_as("supervisor"))
    with app.app_context():
        approval = db.session.scalar(select(Approval).where(Approval.kind == "deadline_extension"))
        aid, prefix = approval.public_id, f"a{approval.id}"
    supervisor.post(f"/cases/approvals/{aid}", {f"{prefix}-decision": "approve"})
    sign(officer, cid)
    assert _case(app, cid).deadline == late


def test_offence_search_as_you_type_and_without_javascript(officer):
    cid = start(officer)
    partial = officer.get(f"/cases/{cid}/offences?q=bladed", headers={"HX-Request": "true",
                                                                      "HX-Request-Type": "partial"})
    html = partial.get_data(as_text=True)
    assert partial.status_code == 200 and html.lstrip().startswith('<div id="offence-results"')
    assert "bladed article" in html.lower() and "<html" not in html
    page = officer.get(f"/cases/{cid}/offences?q=bladed").get_data(as_text=True)  # the plain GET form
    assert "<html" in page and "bladed article" in page.lower() and 'hx-get="/cases/' in page
    assert "No offences match" in officer.get(f"/cases/{cid}/offences?q=zzzz").get_data(as_text=True)
