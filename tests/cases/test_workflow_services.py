"""The workflow services: each step changes the case, writes a timeline event and an audit row, and refuses
what the rules refuse."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.auth.models import User
from app.cases import catalogue, conditions, readiness, services
from app.cases.models import CaseStatus
from app.cases.needs import config as needs_config
from app.cases.queries import earlier_disposals
from app.errors import InvalidTransition, RuleViolation
from app.extensions import db
from app.organisations.models import Team
from app.timeline.models import TimelineEvent
from tests import factories

pytestmark = pytest.mark.calendar  # CI runs these again on hostile dates

TODAY = clock.today


@pytest.fixture
def officer(ctx, demo_data):
    return db.session.get(User, demo_data["officer-north"])


def _trail(case) -> tuple[list[str], list[str]]:
    kinds = list(db.session.scalars(select(TimelineEvent.kind).where(TimelineEvent.case_id == case.id)
                                    .order_by(TimelineEvent.id)))
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(case.public_id))
                                      .order_by(AuditEvent.seq)))
    return kinds, actions


def _new(officer, disposal="adult_conditional_caution"):
    team = db.session.scalar(select(Team).where(Team.name == "North Neighbourhood Team"))
    return services.start_case(officer=officer, team=team, regime="current_practice", disposal_type=disposal,
                               given_name="Sam", family_name="Lee")


def _details(case, officer, born=None):
    services.update_offender(case, {"date_of_birth": born or clock.years_before(TODAY(), 30),
                                    "address": "1 High Street"}, None, by=officer)
    services.add_offence(case, code="TH01", committed_on=TODAY() - timedelta(days=2), location="Co-op", by=officer)


ANSWERS = {"evidence_sufficient": True, "evidence_decided_by": "officer", "evidence_decision_maker": "PC Clarke",
           "should_be_given": True, "should_be_given_decided_by": "officer",
           "should_be_given_decision_maker": "PC Clarke", "admits": True, "consents": True,
           "exceptional_rationale": None, "cps_consent_reference": None}


def _ready(case, officer):
    _details(case, officer)
    link = services.add_new_victim(case, {"given_name": "Val", "family_name": "Ng"}, enhanced_rights=True,
                                   updates_opted_in=True, update_channel="email", by=officer)
    services.record_screening(case, ANSWERS | {"caution_date": TODAY().isoformat()}, by=officer)
    services.record_needs(case, dict.fromkeys(needs_config().domains, "low"), by=officer)
    services.record_victim_view(case, link, {"attempts": [{"on": TODAY().isoformat(), "method": "phone"}],
                                             "could_not_contact": True}, by=officer)
    due = TODAY() + timedelta(weeks=4)
    conditions.add_condition(case, {"type": "attendance", "purpose": "reparative", "hours": 3,
                                    "details": "Litter pick", "due_on": due}, by=officer)
    return link


def test_each_step_writes_timeline_and_audit(officer):
    case = _new(officer)
    _ready(case, officer)
    assert case.status is CaseStatus.READY
    services.prepare_issue(case, {"evidence_decided_by": "officer", "evidence_decision_maker": "PC Clarke",
                                  "admitted": True, "consented": True, "explained": True, "warning_given": True},
                           deadline=TODAY() + timedelta(weeks=16), extension_reason=None, by=officer)
    text = services.caution_text(case)
    services.record_signature(case, signed_by_name="Sam Lee", shown_hash=services.document_hash(text),
                              administered_by="sergeant_or_above", by=officer)
    assert case.status is CaseStatus.ISSUED
    kinds, actions = _trail(case)
    for kind in ("case_opened", "offender_updated", "offence_added", "victim_added", "screened", "needs_assessed",
                 "victim_views", "condition_added", "status_changed", "pre_issue_checked", "caution_issued",
                 "conditions_set"):
        assert kind in kinds, kind
    for action in ("case.create", "case.offence_add", "case.victim_add", "case.screen", "case.needs_assess",
                   "case.victim_views", "case.status", "case.pre_issue", "case.issue"):
        assert action in actions, action
    document = case.document
    assert document.text == text and "Litter pick" in text and "could not" not in text


def test_status_goes_back_when_details_are_removed(officer):
    case = _new(officer)
    _details(case, officer)
    services.record_no_victims(case, by=officer)
    assert case.status is CaseStatus.SCREENING
    services.remove_offence(case, case.offences[0], by=officer)
    assert case.status is CaseStatus.DRAFT
    with pytest.raises(InvalidTransition):
        services.record_screening(case, ANSWERS | {"caution_date": TODAY().isoformat()}, by=officer)


def test_conditions_over_the_cap_are_refused(officer):
    case = _new(officer)
    _details(case, officer)
    with pytest.raises(RuleViolation, match="most allowed for this offence is £50"):
        conditions.add_condition(case, {"type": "financial_penalty", "amount_pounds": 60, "details": "Pay",
                                      "due_on": TODAY() + timedelta(days=7)}, by=officer)
    problems = readiness.condition_limit_problems(case, {"type": "unpaid_work", "hours": 21, "details": "x",
                                                        "due_on": TODAY() + timedelta(days=7)})
    assert problems and problems[0][0] == "hours"


def test_community_resolution_cannot_have_unpaid_work(officer):
    case = _new(officer, "community_resolution")
    problems = readiness.condition_limit_problems(case, {"type": "unpaid_work", "hours": 2, "details": "x",
                                                        "due_on": TODAY() + timedelta(days=7)})
    assert problems == [("type", "A community resolution cannot have an unpaid work condition.")]


def test_earlier_disposals_in_resolve_are_listed_whatever_their_age_and_kind(officer):
    a_year_ago = factories.issued(officer, on=TODAY() - timedelta(days=365), given="Ann", family="Earlier")
    ten_years_ago = factories.issued(officer, on=clock.years_before(TODAY(), 10), given="Bob", family="Earlier",
                                     disposal="community_resolution", conditions=(factories.REHABILITATIVE,))
    team = db.session.scalar(select(Team).where(Team.name == "North Neighbourhood Team"))
    again = [services.start_case(officer=officer, team=team, regime="current_practice",
                                 disposal_type="adult_conditional_caution", person=c.offender)
             for c in (a_year_ago, ten_years_ago)]
    assert [(r.on, r.outcome) for r in earlier_disposals(again[0])] == [(a_year_ago.issued_on,
                                                                         "Adult conditional caution")]
    assert [(r.on, r.outcome) for r in earlier_disposals(again[1])] == [(ten_years_ago.issued_on,
                                                                         "Community resolution")]
    assert earlier_disposals(a_year_ago) == []  # a case is not its own earlier disposal
    # Screening the new case: the earlier caution is weighed, and how it was must be recorded.
    factories.with_details(again[0], officer)
    services.record_no_victims(again[0], by=officer)
    refused = services.record_screening(again[0], ANSWERS | {"caution_date": TODAY().isoformat()}, by=officer)
    assert not refused.eligible and any("record how you took it into account" in r for r in refused.reasons)
    allowed = services.record_screening(again[0], ANSWERS | {"caution_date": TODAY().isoformat(),
                                                             "earlier_offending_rationale": "A year apart"},
                                        by=officer)
    assert allowed.eligible and "repeat_caution" in allowed.needs_approval


def test_screenings_and_needs_assessments_are_kept_and_the_latest_is_current(officer):
    case = _new(officer)
    _ready(case, officer)
    first = case.screening
    services.record_screening(case, ANSWERS | {"caution_date": TODAY().isoformat(), "admits": False}, by=officer)
    assert [s.eligible for s in case.screenings] == [True, False] and case.screening is not first
    assert case.status is CaseStatus.SCREENING  # judged on the latest: not eligible
    services.record_needs(case, dict.fromkeys(needs_config().domains, "high"), by=officer)
    # The earlier assessment ("low" everywhere, from _ready) is kept; the latest is the one the case uses.
    assert [set(a.levels.values()) for a in case.needs_assessments] == [{"low"}, {"high"}]
    assert set(case.needs.levels.values()) == {"high"}
    db.session.expire_all()
    assert [s.eligible for s in case.screenings] == [True, False]  # in the database too
    assert [set(a.levels.values()) for a in case.needs_assessments] == [{"low"}, {"high"}]


def test_repeat_caution_waits_for_a_supervisor(officer, demo_data):
    case = _new(officer)
    _ready(case, officer)
    assert case.status is CaseStatus.READY
    services.record_screening(case, ANSWERS | {"caution_date": TODAY().isoformat(),
                                               "exceptional_rationale": "First offence in ten years"}, by=officer)
    assert case.status is CaseStatus.SCREENING
    approval = case.latest_approvals()["exceptional_circumstances"]
    supervisor = db.session.get(User, demo_data["supervisor"])
    with pytest.raises(RuleViolation):
        services.decide_approval(approval, approve=False, comment="", by=supervisor)
    services.decide_approval(approval, approve=True, comment=None, by=supervisor)
    assert case.status is CaseStatus.READY
    with pytest.raises(InvalidTransition):
        services.decide_approval(approval, approve=True, comment=None, by=supervisor)


def test_signature_refused_when_the_document_changed(officer):
    case = _new(officer)
    _ready(case, officer)
    services.prepare_issue(case, {"evidence_decided_by": "officer", "evidence_decision_maker": "PC Clarke"},
                           deadline=TODAY() + timedelta(weeks=16), extension_reason=None, by=officer)
    with pytest.raises(RuleViolation, match="changed after it was shown"):
        services.record_signature(case, signed_by_name="Sam", shown_hash="0" * 64,
                                  administered_by="sergeant_or_above", by=officer)
    assert case.status is CaseStatus.READY


def test_offence_search_matches_every_word(ctx, demo_data):
    titles = [o.title for o in catalogue.search("theft shop")]
    assert titles and all("shop" in t.lower() for t in titles)
    assert catalogue.search("%") == []  # LIKE wildcards are matched literally
    assert catalogue.search("   ") == []
