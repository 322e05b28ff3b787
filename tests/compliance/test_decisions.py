"""Deciding a flag: the officer's judgement with the explanation and the evidence; what the pack sends to a
supervisor waits for approval; a referral for prosecution ends the case; once per flag; who may."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.cases.models import CaseStatus
from app.compliance import decisions
from app.compliance.models import ComplianceDecision, DecisionFact, DecisionStatus, FactKind, FlagKind, FlagStatus
from app.compliance.services import raise_flag
from app.errors import InvalidTransition, RuleViolation
from app.extensions import db
from app.timeline.models import Audience, TimelineEvent
from app.victims.models import VictimUpdate
from tests import factories
from tests.conftest import csrf_from

ISSUED_ON = date(2026, 10, 5)
LATER = ISSUED_ON + timedelta(days=20)



def _flagged(**kw):
    with factories.on_day(ISSUED_ON):
        case = factories.issued(conditions=(factories.RESTRICTIVE,), **kw)
    flag = raise_flag(case, FlagKind.CONDITION_OVERDUE, f"condition_overdue:{case.conditions[0].public_id}",
                      "A condition is overdue", condition=case.conditions[0])
    return case, flag


def _decide(case, flag, decision, *, by="officer-north", **kw):
    values = {"explanation": "Said they forgot", "attempts": [], "evidence": "The shop's note",
              "reason": "No good reason given"} | kw
    with factories.on_day(LATER):
        return decisions.decide(case, flag, decision=decision, by=factories.user(by), **values)


def _words(case, audience) -> list[str]:
    return db.session.scalars(select(TimelineEvent.kind).where(
        TimelineEvent.case_id == case.id, TimelineEvent.audiences.op("&")(int(audience)) != 0)).all()


def test_an_excuse_accepted_closes_the_flag_once_and_tells_the_person_and_the_provider(ctx, demo_data):
    case, flag = _flagged()
    with factories.on_day(ISSUED_ON):
        referral = factories.referral(case)
    made = _decide(case, flag, "excuse_accepted")
    assert (made.status, flag.status, case.status) == (DecisionStatus.TAKEN, FlagStatus.DECIDED, CaseStatus.ISSUED)
    assert "compliance_decided" in _words(case, Audience.OFFENDER)
    # A provider reads the events of its own referrals: the decision is on the referral's timeline.
    told = db.session.scalars(select(TimelineEvent.referral_id).where(
        TimelineEvent.case_id == case.id, TimelineEvent.kind == "compliance_decided",
        TimelineEvent.audiences.op("&")(int(Audience.PROVIDER)) != 0)).all()
    assert told == [referral.id]
    assert "compliance_decided" not in _words(case, Audience.VICTIM)
    with pytest.raises(InvalidTransition, match="already been decided"):
        _decide(case, flag, "refer_for_prosecution")
    assert db.session.scalars(select(DecisionFact.value).where(
        DecisionFact.case_id == case.id, DecisionFact.kind == FactKind.COMPLIANCE_DECISION)).all() == [
        "excuse_accepted"]


def test_a_referral_for_prosecution_waits_for_a_supervisor_then_ends_the_case(ctx, demo_data):
    case, flag = _flagged()
    made = _decide(case, flag, "refer_for_prosecution")
    assert (made.status, case.status) == (DecisionStatus.AWAITING_APPROVAL, CaseStatus.ISSUED)
    with pytest.raises(InvalidTransition, match="not waiting"), factories.on_day(LATER):
        decisions.approve(made, approve=True, comment=None, by=factories.user("supervisor"))
        decisions.approve(made, approve=True, comment=None, by=factories.user("supervisor"))
    assert (case.status, case.ended_on) == (CaseStatus.NON_COMPLIANCE, LATER)
    owed = db.session.scalars(select(VictimUpdate.decision).where(VictimUpdate.case_id == case.id)).all()
    assert "non_compliance" in owed
    assert db.session.scalars(select(DecisionFact.value).where(
        DecisionFact.case_id == case.id, DecisionFact.kind == FactKind.OUTCOME)).all() == [
        "referred_for_prosecution"]


def test_a_returned_decision_needs_a_reason_and_opens_the_flag_again(ctx, demo_data):
    case, flag = _flagged()
    made = _decide(case, flag, "refer_for_prosecution")
    supervisor = factories.user("supervisor")
    with pytest.raises(RuleViolation, match="Say why you are returning it"):
        decisions.approve(made, approve=False, comment=" ", by=supervisor)
    decisions.approve(made, approve=False, comment="Ask the person again first", by=supervisor)
    assert (made.status, flag.status, case.status) == (DecisionStatus.RETURNED, FlagStatus.OPEN, CaseStatus.ISSUED)
    assert _decide(case, flag, "excuse_accepted").status is DecisionStatus.TAKEN  # decided again, once


def test_a_supervisor_does_not_approve_their_own_decision(ctx, demo_data):
    case, flag = _flagged()
    made = _decide(case, flag, "refer_for_prosecution", by="supervisor")
    with pytest.raises(InvalidTransition, match="Another supervisor"):
        decisions.approve(made, approve=True, comment=None, by=factories.user("supervisor"))


def test_a_community_resolution_cannot_be_referred_for_prosecution(ctx, demo_data):
    case, flag = _flagged(disposal="community_resolution")
    assert decisions.offered(case) == ["excuse_accepted", "conditions_varied"] and not decisions.not_available(case)
    with pytest.raises(RuleViolation, match="Choose a decision from the list"):
        _decide(case, flag, "refer_for_prosecution")
    assert flag.status is FlagStatus.OPEN  # nothing was claimed


@pytest.mark.parametrize(("kw", "field"), [
    ({"explanation": " ", "attempts": []}, "explanation"),
    ({"explanation": None, "attempts": [{"on": ISSUED_ON - timedelta(days=1), "how": "phone"}]}, "attempt_on"),
    ({"explanation": None, "attempts": [{"on": LATER + timedelta(days=1), "how": "phone"}]}, "attempt_on"),
    ({"evidence": ""}, "evidence"), ({"reason": ""}, "reason")])
def test_what_a_decision_needs(ctx, demo_data, kw, field):
    case, flag = _flagged()
    with pytest.raises(RuleViolation) as refused:
        _decide(case, flag, "excuse_accepted", **kw)
    assert [p.field for p in refused.value.by_field] == [field]


def test_attempts_on_the_day_of_the_caution_or_today_are_enough_without_an_explanation(ctx, demo_data):
    case, flag = _flagged()
    made = _decide(case, flag, "excuse_accepted", explanation=None,
                   attempts=[{"on": ISSUED_ON, "how": "letter"}, {"on": LATER, "how": "phone"}])
    assert made.attempts == [{"on": ISSUED_ON.isoformat(), "how": "letter"}, {"on": LATER.isoformat(), "how": "phone"}]


def test_the_decision_page_the_refusals_and_the_prosecutors_summary(app, demo_data, login_as):
    with app.app_context():
        case, flag = _flagged()
        base, flag_id = f"/cases/{case.public_id}", flag.public_id
        db.session.commit()
    officer = login_as("officer-north")
    page = officer.get(f"{base}/flags/{flag_id}/decide")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "A condition is overdue" in html and "not available" not in html
    assert login_as("freshstart-manager").get(f"{base}/flags/{flag_id}/decide").status_code == 404
    token = csrf_from(html)
    refused = officer.post(f"{base}/flags/{flag_id}/decide", data={"csrf_token": token, "evidence": "Seen",
                                                                  "reason": "None given"})
    assert refused.status_code == 422 and "Choose a decision" in refused.get_data(as_text=True)
    assert officer.get(f"{base}/prosecution-summary").status_code == 404
    today = clock.today()
    sent = officer.post(f"{base}/flags/{flag_id}/decide", data={
        "csrf_token": token, "explanation": "", "attempt_on": [today.day, today.month, today.year],
        "attempt_how": "Phoned twice", "evidence": "The shop's note", "decision": "refer_for_prosecution",
        "reason": "No contact and no reason given"})
    assert sent.status_code == 303
    with app.app_context():
        made = db.session.scalars(select(ComplianceDecision)).one()
        approval = f"{base}/decisions/{made.public_id}/approval"
    assert officer.get(approval).status_code == 404  # only a supervisor of the team approves
    supervisor = login_as("supervisor")
    form = supervisor.get(approval)
    assert form.status_code == 200
    assert supervisor.post(approval, data={"csrf_token": csrf_from(form.get_data(as_text=True)),
                                           "outcome": "approve"}).status_code == 303
    summary = officer.get(f"{base}/prosecution-summary").get_data(as_text=True)
    assert "Case summary for the prosecutor" in summary and "No contact and no reason given" in summary
    again = officer.get(f"{base}/flags/{flag_id}/decide")
    assert again.status_code == 409
